// Package entrafake is a FAKE of one Microsoft Entra ID tenant, for tests
// only: the part of Microsoft Graph v1.0 the entra adapter uses
// (applications, servicePrincipals, addPassword/removePassword,
// appRoleAssignedTo, $filter and @odata.nextLink paging, throttling) and
// the tenant's v2.0 token endpoint and OpenID discovery document. It is
// written from Microsoft's published Graph v1.0 and identity platform
// reference, not from Entra itself, and keeps everything in memory. Tests
// wrap its Handler with providertest/contract, so every Graph request and
// answer is checked against the Graph OpenAPI document.
//
// The token endpoint grants client_credentials for RESOURCE/.default: to
// the fake's applications (a valid secret, an enabled service principal,
// and an app role assignment where the resource requires one), and to
// management apps registered with AddManagementApp for
// https://graph.microsoft.com/.default, authenticated by a secret, a
// certificate's client assertion, or a federated assertion (such as a
// Kubernetes service-account token) signed by a key the test trusts.
package entrafake

import (
	"crypto"
	"crypto/rand"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// GraphResource is the resource of Microsoft Graph tokens.
const GraphResource = "https://graph.microsoft.com"

// FederatedAudience is the audience Entra wants in a federated assertion.
const FederatedAudience = "api://AzureADTokenExchange"

// Fake is one tenant. Its zero value is not usable; call New.
type Fake struct {
	// Tenant is the tenant ID (a GUID).
	Tenant string

	mu          sync.Mutex
	apps        map[string]*app // by object ID
	sps         map[string]*sp  // by object ID
	assignments map[string]*assignment
	mgmt        map[string]*ManagementApp // by client ID
	tokens      map[string]token
	throttle    fakeauth.Throttle
	faults      []fault
	denied      bool
	maxPage     int
	requests    []string
	now         func() time.Time
}

// app is an application registration.
type app struct {
	id, appID, uniqueName, displayName, description string
	tags                                            []string
	web, public                                     []string
	rra                                             []rra
	passwords                                       []password
	created                                         time.Time
}

type rra struct {
	ResourceAppID  string   `json:"resourceAppId"`
	ResourceAccess []access `json:"resourceAccess"`
}

type access struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type password struct {
	keyID, displayName, secret string
	start, end                 time.Time
}

// sp is a service principal.
type sp struct {
	id, appID       string
	enabled         bool
	names           []string
	roles           []Role
	requireAssigned bool
	tags            []string
}

// Role is an app role a resource API declares.
type Role struct {
	ID, Value string
}

type assignment struct {
	id, principal, resource, role string
	created                       time.Time
}

// ManagementApp is the operator's own app registration: the credentials
// with which it may obtain Graph tokens.
type ManagementApp struct {
	ClientID string
	// Secret, when set, is a client secret.
	Secret string
	// Certificates are public keys of certificate credentials, by their
	// SHA-1 thumbprint (x5t, base64url).
	Certificates map[string]crypto.PublicKey
	// Federated are federated identity credentials.
	Federated []Federated
}

// Federated is a federated identity credential: assertions issued by
// Issuer for Subject with Audience, signed by one of Keys, are accepted.
type Federated struct {
	Issuer, Subject, Audience string
	// Keys verify the assertion's signature (by kid; "" matches any).
	Keys map[string]crypto.PublicKey
}

type token struct {
	client   string // client ID
	graph    bool
	resource string
	expires  time.Time
}

// New returns an empty tenant with a random tenant ID.
func New() *Fake {
	return &Fake{
		Tenant: newGUID(), apps: map[string]*app{}, sps: map[string]*sp{}, assignments: map[string]*assignment{},
		mgmt: map[string]*ManagementApp{}, tokens: map[string]token{}, maxPage: 100, now: time.Now,
	}
}

// Handler serves the tenant: Graph under /v1.0, the token endpoint at
// /{tenant}/oauth2/v2.0/token and discovery at
// /{tenant}/v2.0/.well-known/openid-configuration.
func (f *Fake) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/v1.0/", f.graph)
	mux.HandleFunc("GET /"+f.Tenant+"/v2.0/.well-known/openid-configuration", f.discovery)
	mux.HandleFunc("POST /"+f.Tenant+"/oauth2/v2.0/token", f.tokenEndpoint)
	return mux
}

// Issuer is the tenant's v2.0 issuer when the fake is served at base.
func (f *Fake) Issuer(base string) string { return base + "/" + f.Tenant + "/v2.0" }

// TokenURL is the tenant's v2.0 token endpoint when served at base.
func (f *Fake) TokenURL(base string) string { return base + "/" + f.Tenant + "/oauth2/v2.0/token" }

// AddManagementApp registers the operator's app, which may call Graph.
func (f *Fake) AddManagementApp(m ManagementApp) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := m
	f.mgmt[m.ClientID] = &c
}

// AddResource registers a resource API: an application and its service
// principal named by identifierURI, declaring app roles of the given
// values. With requireAssignment, only clients assigned one of its roles
// get tokens for it (appRoleAssignmentRequired). It returns the
// resource's appId.
func (f *Fake) AddResource(identifierURI string, requireAssignment bool, roles ...string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &app{id: newGUID(), appID: newGUID(), displayName: identifierURI, created: f.now()}
	s := &sp{id: newGUID(), appID: a.appID, enabled: true, names: []string{a.appID, identifierURI}, requireAssigned: requireAssignment}
	for _, v := range roles {
		s.roles = append(s.roles, Role{ID: newGUID(), Value: v})
	}
	f.apps[a.id] = a
	f.sps[s.id] = s
	return a.appID
}

// Throttle makes the next n Graph requests answer 429 with Retry-After
// seconds.
func (f *Fake) Throttle(n, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle.Set(n, retryAfter)
}

// fault is an injected failure of matching Graph requests.
type fault struct {
	match  string
	n      int
	status int
}

// FailNext makes the next n Graph requests whose "METHOD path" contains
// match answer status with a Graph error: an outage between two steps of
// a change, as a crash would leave it.
func (f *Fake) FailNext(match string, n, status int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = append(f.faults, fault{match: match, n: n, status: status})
}

// Deny makes Graph refuse every request with 403
// Authorization_RequestDenied, as for an app without the permission.
func (f *Fake) Deny(denied bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.denied = denied
}

// SetMaxPage caps the items of one Graph page (Graph's own cap is 999).
func (f *Fake) SetMaxPage(n int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.maxPage = n
}

// SetClock replaces the fake's clock (secret end dates, token lifetimes).
func (f *Fake) SetClock(now func() time.Time) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = now
}

// Requests are the Graph requests the fake answered, as "METHOD path".
func (f *Fake) Requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.requests...)
}

// Applications is how many applications the tenant holds that carry tag
// (all with "").
func (f *Fake) Applications(tag string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, a := range f.apps {
		if tag == "" || contains(a.tags, tag) {
			n++
		}
	}
	return n
}

// Passwords is how many secrets the application with appId holds.
func (f *Fake) Passwords(appID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.appByAppID(appID); a != nil {
		return len(a.passwords)
	}
	return 0
}

// DeleteApplication removes an application (and its service principal)
// behind the operator's back.
func (f *Fake) DeleteApplication(appID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appByAppID(appID)
	if a == nil {
		return false
	}
	f.deleteApp(a)
	return true
}

// SetDisplayName changes an application's displayName behind the
// operator's back (drift).
func (f *Fake) SetDisplayName(appID, name string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appByAppID(appID)
	if a == nil {
		return false
	}
	a.displayName = name
	return true
}

// AddTag tags an application behind the operator's back (as in the
// portal).
func (f *Fake) AddTag(appID, tag string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	a := f.appByAppID(appID)
	if a == nil {
		return false
	}
	a.tags = append(a.tags, tag)
	return true
}

// Tags are an application's tags.
func (f *Fake) Tags(appID string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.appByAppID(appID); a != nil {
		return slices.Clone(a.tags)
	}
	return nil
}

// Enabled reports the accountEnabled of the application's service
// principal (false without one).
func (f *Fake) Enabled(appID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	s := f.spByAppID(appID)
	return s != nil && s.enabled
}

// AssignedRoles are the role values the application's service principal
// holds on the resource with identifierURI.
func (f *Fake) AssignedRoles(appID, identifierURI string) []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	client, res := f.spByAppID(appID), f.spByName(identifierURI)
	if client == nil || res == nil {
		return nil
	}
	var out []string
	for _, as := range f.assignments {
		if as.principal == client.id && as.resource == res.id {
			for _, r := range res.roles {
				if r.ID == as.role {
					out = append(out, r.Value)
				}
			}
		}
	}
	return out
}

func (f *Fake) appByAppID(appID string) *app {
	for _, a := range f.apps {
		if a.appID == appID {
			return a
		}
	}
	return nil
}

func (f *Fake) spByAppID(appID string) *sp {
	for _, s := range f.sps {
		if s.appID == appID {
			return s
		}
	}
	return nil
}

func (f *Fake) spByName(name string) *sp {
	for _, s := range f.sps {
		if contains(s.names, name) {
			return s
		}
	}
	return nil
}

// deleteApp removes an application, its service principal and the
// service principal's assignments, as Entra does.
func (f *Fake) deleteApp(a *app) {
	delete(f.apps, a.id)
	if s := f.spByAppID(a.appID); s != nil {
		f.deleteSP(s)
	}
}

func (f *Fake) deleteSP(s *sp) {
	delete(f.sps, s.id)
	for id, as := range f.assignments {
		if as.principal == s.id || as.resource == s.id {
			delete(f.assignments, id)
		}
	}
}

func contains(list []string, s string) bool { return slices.Contains(list, s) }

// newGUID is a random version 4 GUID.
func newGUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// newSecret is a password as Entra makes them: 40 characters.
func newSecret() string {
	s := rand.Text() + rand.Text()
	return strings.ReplaceAll(s, "=", "")[:40]
}
