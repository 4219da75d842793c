// Package auth0fake is a fake Auth0 tenant for tests, written from Auth0's
// published Management API v2 reference and its authentication API
// reference: the clients and client-grants APIs (checkpoint and offset
// paging, the fields query, rotate-secret), the token endpoint
// {tenant}/oauth/token (client credentials honouring the client's grant
// types, secret, auth method and client grants: no grant for the audience
// is access_denied; a private_key_jwt assertion for the management client), the OpenID discovery document, Auth0's error bodies
// {"statusCode":..,"error":..,"message":..,"errorCode":..}, and the
// x-ratelimit-limit, -remaining and -reset headers on every answer, with a
// 429 and Retry-After on demand.
//
// It is a fake, not Auth0: no organizations, no connections, no users;
// scopes are not checked against the API's definition; the management
// token's scopes are checked per operation as the reference documents
// them. Start wraps it with the contract helper, so every management
// request and answer is checked against Auth0's OpenAPI document.
package auth0fake

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// ManagementScopes are the Management API scopes the operator's
// application needs (docs/providers/auth0.md), which the fake grants the
// management client.
var ManagementScopes = []string{
	"read:clients", "create:clients", "update:clients", "delete:clients", "update:client_keys",
	"read:client_grants", "create:client_grants", "update:client_grants", "delete:client_grants",
}

// Client is a client (application) as the fake holds it.
type Client struct {
	ID          string
	Secret      string
	Name        string
	Description string
	AppType     string
	GrantTypes  []string
	Callbacks   []string
	AuthMethod  string
	Metadata    map[string]string
	seq         int
}

// Grant is a client grant.
type Grant struct {
	ID       string
	ClientID string
	Audience string
	Scopes   []string
	seq      int
}

// tokenInfo is what an issued access token stands for.
type tokenInfo struct {
	clientID, audience string
	scopes             []string
}

// Fault is an answer the fake gives instead of its own, to the next
// Count requests matching Method and Path (a path prefix, e.g.
// /api/v2/clients; empty matches all).
type Fault struct {
	Method, Path string
	// Count is how many requests it answers (0: one).
	Count int
	// Status and Body answer instead of the fake; with Status 429 and no
	// RetryAfter, Retry-After is 1.
	Status     int
	Body       string
	RetryAfter string // "-" sends none
	// Header adds headers to the answer.
	Header map[string]string
	// DropAnswer lets the fake do the work and then closes the connection
	// without an answer: a create that happened with its answer lost.
	DropAnswer bool
}

// Tenant is the fake's state and its HTTP handler (without the contract
// check; Start adds it).
type Tenant struct {
	mu       sync.Mutex
	base     string // http://host:port, set by Start
	seq      int
	clients  map[string]*Client
	grants   map[string]*Grant
	tokens   map[string]tokenInfo
	apis     map[string]bool
	faults   []Fault
	requests []Request
	limit    int
	window   int64
	used     int
	mgmtID   string
	mgmtKey  *rsa.PublicKey // the management client's key credential, if any
	mgmt     string         // the management audience
}

// Request is one request the fake received.
type Request struct{ Method, Path string }

// NewTenant returns an empty tenant whose APIs (resource servers) are
// apis, plus the Management API. Its URLs are set by Start.
func NewTenant(apis ...string) *Tenant {
	t := &Tenant{clients: map[string]*Client{}, grants: map[string]*Grant{}, tokens: map[string]tokenInfo{}, apis: map[string]bool{}, limit: 50}
	for _, a := range apis {
		t.apis[a] = true
	}
	return t
}

// setBase fixes the tenant's URL and creates the management client with a
// grant to the Management API.
func (t *Tenant) setBase(base, mgmtID, mgmtSecret string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.base = base
	t.mgmt = base + "/api/v2/"
	t.apis[t.mgmt] = true
	t.mgmtID = mgmtID
	t.seq++
	t.clients[mgmtID] = &Client{ID: mgmtID, Secret: mgmtSecret, Name: "oauth-client-operator", AppType: "non_interactive",
		GrantTypes: []string{"client_credentials"}, AuthMethod: "client_secret_post", Metadata: map[string]string{}, seq: t.seq}
	t.seq++
	id := "cgr_" + randomID(16)
	t.grants[id] = &Grant{ID: id, ClientID: mgmtID, Audience: t.mgmt, Scopes: slices.Clone(ManagementScopes), seq: t.seq}
}

// AddAPI adds an API (resource server) with the audience.
func (t *Tenant) AddAPI(audience string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.apis[audience] = true
}

// Inject makes the fake answer the next matching requests with f.
func (t *Tenant) Inject(f Fault) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.Count == 0 {
		f.Count = 1
	}
	t.faults = append(t.faults, f)
}

// Requests returns the requests received so far.
func (t *Tenant) Requests() []Request {
	t.mu.Lock()
	defer t.mu.Unlock()
	return slices.Clone(t.requests)
}

// ManagementWrites returns the Management API requests that could change
// something (not GET), received so far.
func (t *Tenant) ManagementWrites() []Request {
	return slices.DeleteFunc(t.Requests(), func(r Request) bool {
		return r.Method == http.MethodGet || !strings.HasPrefix(r.Path, "/api/v2/")
	})
}

// ResetRequests forgets the requests received so far.
func (t *Tenant) ResetRequests() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.requests = nil
}

// Client returns a copy of the client with id.
func (t *Tenant) Client(id string) (Client, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.clients[id]
	if !ok {
		return Client{}, false
	}
	cp := *c
	cp.Metadata = maps.Clone(c.Metadata)
	return cp, true
}

// ClientIDs returns the IDs of the clients, the management client left out.
func (t *Tenant) ClientIDs() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for id := range t.clients {
		if id != t.mgmtID {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Grants returns the client's grants as audience → scopes.
func (t *Tenant) Grants(clientID string) map[string][]string {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := map[string][]string{}
	for _, g := range t.grants {
		if g.ClientID == clientID {
			out[g.Audience] = slices.Clone(g.Scopes)
		}
	}
	return out
}

// SetGrantScopes changes the scopes of a client's grant for audience, as
// someone using the dashboard would; false when there is none.
func (t *Tenant) SetGrantScopes(clientID, audience string, scopes []string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, g := range t.grants {
		if g.ClientID == clientID && g.Audience == audience {
			g.Scopes = slices.Clone(scopes)
			return true
		}
	}
	return false
}

// DeleteClient deletes a client and its grants, as someone using the
// dashboard would.
func (t *Tenant) DeleteClient(id string) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	_, ok := t.clients[id]
	t.deleteClient(id)
	return ok
}

func (t *Tenant) deleteClient(id string) {
	delete(t.clients, id)
	for gid, g := range t.grants {
		if g.ClientID == id {
			delete(t.grants, gid)
		}
	}
}

// ServeHTTP serves the tenant: discovery, the token endpoint and the
// Management API, each answer with the rate-limit headers.
func (t *Tenant) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	t.mu.Lock()
	t.requests = append(t.requests, Request{Method: r.Method, Path: r.URL.Path})
	t.rateLimitHeaders(w.Header())
	t.mu.Unlock()
	t.route(w, r)
}

// WithFaults answers with the injected faults before next (the fake,
// usually behind the contract check, which a fault's made-up answer does
// not go through: a 500 is not in Auth0's document, but real).
func (t *Tenant) WithFaults(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.mu.Lock()
		f, faulted := t.fault(r)
		t.mu.Unlock()
		switch {
		case !faulted:
			next.ServeHTTP(w, r)
		case f.DropAnswer:
			next.ServeHTTP(discard{header: http.Header{}}, r)
			panic(http.ErrAbortHandler) // the connection closes without an answer
		default:
			t.mu.Lock()
			t.requests = append(t.requests, Request{Method: r.Method, Path: r.URL.Path})
			t.rateLimitHeaders(w.Header())
			t.mu.Unlock()
			if f.Status == http.StatusTooManyRequests {
				switch f.RetryAfter {
				case "":
					w.Header().Set("Retry-After", "1")
				case "-":
				default:
					w.Header().Set("Retry-After", f.RetryAfter)
				}
				w.Header().Set("X-RateLimit-Remaining", "0")
			}
			for k, v := range f.Header {
				w.Header().Set(k, v)
			}
			body := f.Body
			if body == "" {
				body = errorBody(f.Status, "fault injected by the test", "")
			}
			w.Header().Set("Content-Type", "application/json; charset=utf-8")
			w.WriteHeader(f.Status)
			_, _ = w.Write([]byte(body))
		}
	})
}

// fault takes the first fault matching r, if any. t.mu is held.
func (t *Tenant) fault(r *http.Request) (Fault, bool) {
	for i, f := range t.faults {
		if (f.Method == "" || f.Method == r.Method) && strings.HasPrefix(r.URL.Path, f.Path) {
			t.faults[i].Count--
			if t.faults[i].Count <= 0 {
				t.faults = slices.Delete(t.faults, i, i+1)
			}
			return f, true
		}
	}
	return Fault{}, false
}

// rateLimitHeaders sets Auth0's rate-limit headers: a bucket of limit
// requests per second. t.mu is held.
func (t *Tenant) rateLimitHeaders(h http.Header) {
	now := time.Now().Unix()
	if now != t.window {
		t.window, t.used = now, 0
	}
	t.used++
	h.Set("X-RateLimit-Limit", strconv.Itoa(t.limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(max(t.limit-t.used, 0)))
	h.Set("X-RateLimit-Reset", strconv.FormatInt(now+1, 10))
}

func (t *Tenant) route(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		t.discovery(w)
	case p == "/oauth/token" && r.Method == http.MethodPost:
		t.token(w, r)
	case strings.HasPrefix(p, "/api/v2/"):
		t.management(w, r, strings.TrimPrefix(p, "/api/v2"))
	default:
		http.NotFound(w, r)
	}
}

func (t *Tenant) discovery(w http.ResponseWriter) {
	t.mu.Lock()
	base := t.base
	t.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                base + "/",
		"authorization_endpoint":                base + "/authorize",
		"token_endpoint":                        base + "/oauth/token",
		"jwks_uri":                              base + "/.well-known/jwks.json",
		"revocation_endpoint":                   base + "/oauth/revoke",
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "refresh_token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post", "private_key_jwt"},
	})
}

// discard is a ResponseWriter for work whose answer is dropped.
type discard struct{ header http.Header }

func (d discard) Header() http.Header         { return d.header }
func (d discard) Write(p []byte) (int, error) { return len(p), nil }
func (d discard) WriteHeader(int)             {}

// errorBody is an Auth0 Management API error body.
func errorBody(status int, message, code string) string {
	m := map[string]any{"statusCode": status, "error": http.StatusText(status), "message": message}
	if code != "" {
		m["errorCode"] = code
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func apiError(w http.ResponseWriter, status int, message, code string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write([]byte(errorBody(status, message, code)))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// randomID is n random letters and digits.
func randomID(n int) string {
	s := strings.ReplaceAll(rand.Text()+rand.Text(), "=", "")
	for len(s) < n {
		s += rand.Text()
	}
	return s[:n]
}

// String describes the tenant for test failures (no secrets).
func (t *Tenant) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return fmt.Sprintf("auth0fake tenant %s (%d clients, %d grants)", t.base, len(t.clients), len(t.grants))
}
