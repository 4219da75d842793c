// Package keycloakfake is a fake Keycloak: an http.Handler that serves the
// parts of Keycloak's Admin REST API the keycloak adapter uses (clients,
// client secrets and the rotated secret, client scopes, protocol mappers,
// service-account users and their role mappings), the realm's token
// endpoint (client credentials only) and its OpenID discovery document.
//
// Keycloak cannot run on the machines the tests run on, so the adapter's
// tests use this fake instead. It is written from Keycloak's published
// Admin REST API reference and checked, in the tests, against Keycloak's
// OpenAPI document (../shared/specs/keycloak) by the contract helper. It
// behaves as Keycloak does where the adapter depends on it: a duplicate
// clientId is a 409 with {"errorMessage": ...}; a redirect URI with a
// fragment is a 400 invalid_input; PUT of a client keeps fields the body
// leaves out and ignores its protocol mappers and client scopes; a realm
// with the secret-rotation client policy keeps the previous secret valid
// after a regeneration, until it expires or is revoked; every admin call
// needs a token whose service account holds the realm-management role
// Permissions names for it (401 for an unknown token, 403 without the role).
// Tests that need a clock move it with Advance.
package keycloakfake

import (
	"crypto"
	"crypto/rand"
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// The realm-management roles of Keycloak the fake checks.
const (
	RoleQueryClients  = "query-clients"
	RoleViewClients   = "view-clients"
	RoleManageClients = "manage-clients"
	RoleViewUsers     = "view-users"
	RoleManageUsers   = "manage-users"
)

// Server is the fake. Its zero value is not usable: call New.
type Server struct {
	prefix string
	mux    *http.ServeMux

	mu       sync.Mutex
	realms   map[string]*realm
	tokens   map[string]map[string]bool // admin access token → its realm-management roles
	offset   time.Duration
	limit    int
	limitFor string
	requests []string
}

// Options configure a fake.
type Options struct {
	// Prefix is served before /admin and /realms: /auth for a WildFly
	// distribution. Default: none.
	Prefix string
}

type realm struct {
	name     string
	clients  map[string]*client // by internal id
	scopes   map[string]*scope  // by id
	roles    map[string]*role   // realm roles by name
	users    map[string]*user   // by id
	rotation *Rotation
}

type scope struct {
	id, name string
	// realmDefault: given as a default client scope to clients created
	// without a list (Keycloak's realm default client scopes).
	realmDefault bool
}

type role struct {
	id, name  string
	client    string // internal id of the client defining it; "" for a realm role
	container string
}

type user struct {
	id, username, client string
	roles                map[string]*role // by role id
}

type client struct {
	id  string
	rep map[string]any // the representation as last written, without id, secret and mappers
	// secret, and the secret-rotation executor's bookkeeping.
	secret                    string
	created, expires          time.Time
	rotated                   string
	rotatedCreated, rotatedEx time.Time
	defaults, optional        []string // client scope ids
	mappers                   []map[string]any
	roles                     map[string]*role // client roles by name
	serviceUser               string
	// adminRoles are the realm-management roles tokens of this client
	// carry (the operator's own management client).
	adminRoles []string
	// key checks the client's assertions (private_key_jwt); nil for a
	// client with a secret.
	key crypto.PublicKey
}

// Rotation is the realm's client policy with the secret-rotation executor.
type Rotation struct {
	// Expiration is how long a secret lives (the executor's
	// expiration-period).
	Expiration time.Duration
	// RotatedExpiration is how long the previous secret stays valid after
	// a regeneration (rotated-expiration-period).
	RotatedExpiration time.Duration
}

// New returns a fake with no realm.
func New(o Options) *Server {
	s := &Server{prefix: strings.TrimSuffix(o.Prefix, "/"), realms: map[string]*realm{}, tokens: map[string]map[string]bool{}}
	s.routes()
	return s
}

// ServeHTTP serves the fake's API.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// now is the fake's clock: the real time moved on by Advance.
func (s *Server) now() time.Time { return time.Now().Add(s.offset) }

// Advance moves the fake's clock forward: secrets expire as if d had passed.
func (s *Server) Advance(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.offset += d
}

// newID returns a fresh UUID-shaped id.
func (s *Server) newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	const hex = "0123456789abcdef"
	out := make([]byte, 0, 36)
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			out = append(out, '-')
		}
		out = append(out, hex[c>>4], hex[c&15])
	}
	return string(out)
}

// AddRealm adds an empty realm (again: nothing happens).
func (s *Server) AddRealm(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.realm(name)
}

func (s *Server) realm(name string) *realm {
	rl, ok := s.realms[name]
	if !ok {
		rl = &realm{name: name, clients: map[string]*client{}, scopes: map[string]*scope{}, roles: map[string]*role{}, users: map[string]*user{}}
		s.realms[name] = rl
		s.addRole(rl, "", "default-roles-"+name)
	}
	return rl
}

func (s *Server) addRole(rl *realm, clientID, name string) {
	r := &role{id: s.newID(), name: name, client: clientID, container: rl.name}
	if clientID == "" {
		rl.roles[name] = r
	} else {
		rl.clients[clientID].roles[name] = r
		r.container = clientID
	}
}

// AddClientScope adds a client scope to the realm; realmDefault makes it
// one of the realm's default client scopes, which a client created without
// a list of its own gets.
func (s *Server) AddClientScope(realmName, name string, realmDefault bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	id := s.newID()
	rl.scopes[id] = &scope{id: id, name: name, realmDefault: realmDefault}
}

// AddRealmRole adds a realm role.
func (s *Server) AddRealmRole(realmName, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.addRole(s.realm(realmName), "", name)
}

// AddClientWithRoles adds a bearer-only client clientID that defines roles
// (an API whose roles service accounts are given).
func (s *Server) AddClientWithRoles(realmName, clientID string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	c := s.newClient(rl, map[string]any{"clientId": clientID, "bearerOnly": true, "publicClient": false})
	for _, n := range roles {
		s.addRole(rl, c.id, n)
	}
}

// AddAdminClient adds the operator's management client: a confidential
// client with a service account whose tokens carry the given
// realm-management roles.
func (s *Server) AddAdminClient(realmName, clientID, secret string, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	c := s.newClient(rl, map[string]any{"clientId": clientID, "serviceAccountsEnabled": true, "standardFlowEnabled": false})
	c.secret, c.adminRoles = secret, slices.Clone(roles)
	s.ensureServiceUser(rl, c)
}

// AdminToken issues an admin API token carrying roles, as if obtained by
// a management client holding them.
func (s *Server) AdminToken(roles ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.issueAdmin(roles)
}

func (s *Server) issueAdmin(roles []string) string {
	tok := "kc-admin-" + strings.ToLower(rand.Text())
	set := map[string]bool{}
	for _, r := range roles {
		set[r] = true
	}
	s.tokens[tok] = set
	return tok
}

// SetSecretRotation gives the realm a client policy with the
// secret-rotation executor (nil removes it).
func (s *Server) SetSecretRotation(realmName string, r *Rotation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.realm(realmName).rotation = r
}

// LimitNext answers the next n admin API requests whose "METHOD path"
// contains match ("" for any) with 429 Too Many Requests and Retry-After.
// Keycloak has no rate limiting of its own: a proxy in front answers so.
func (s *Server) LimitNext(n int, match string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limit, s.limitFor = n, match
}

// Requests are the admin API requests served so far, "METHOD path".
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Writes are the admin API requests so far that change something.
func (s *Server) Writes() []string {
	return slices.DeleteFunc(s.Requests(), func(r string) bool { return strings.HasPrefix(r, http.MethodGet+" ") })
}

// ResetRequests forgets the requests served so far.
func (s *Server) ResetRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// ClientView is what the fake holds for one client, for tests to inspect.
type ClientView struct {
	ID             string
	Rep            map[string]any
	Secret         string
	RotatedSecret  string
	DefaultScopes  []string
	OptionalScopes []string
	Audiences      []string
	// RealmRoles and ClientRoles ("clientId/role") of the service account.
	RealmRoles, ClientRoles []string
}

// Client returns what the fake holds for clientID in the realm.
func (s *Server) Client(realmName, clientID string) (ClientView, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	c := s.byClientID(rl, clientID)
	if c == nil {
		return ClientView{}, false
	}
	v := ClientView{ID: c.id, Rep: s.render(rl, c), Secret: c.secret, RotatedSecret: c.rotated,
		DefaultScopes: s.scopeNames(rl, c.defaults), OptionalScopes: s.scopeNames(rl, c.optional)}
	for _, m := range c.mappers {
		if m["protocolMapper"] == "oidc-audience-mapper" {
			cfg, _ := m["config"].(map[string]any)
			if aud, ok := cfg["included.custom.audience"].(string); ok {
				v.Audiences = append(v.Audiences, aud)
			}
		}
	}
	if u := rl.users[c.serviceUser]; u != nil {
		for _, r := range u.roles {
			if r.client == "" {
				v.RealmRoles = append(v.RealmRoles, r.name)
			} else {
				v.ClientRoles = append(v.ClientRoles, rl.clients[r.client].rep["clientId"].(string)+"/"+r.name)
			}
		}
		slices.Sort(v.RealmRoles)
		slices.Sort(v.ClientRoles)
	}
	return v, true
}

// ClientIDs are the clientIds of the realm's clients, sorted.
func (s *Server) ClientIDs(realmName string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, c := range s.realm(realmName).clients {
		out = append(out, c.rep["clientId"].(string))
	}
	slices.Sort(out)
	return out
}

// Edit changes the client as an administrator would in the console:
// edit gets the stored representation (attributes included) to change in
// place. It reports whether the client exists.
func (s *Server) Edit(realmName, clientID string, edit func(rep map[string]any)) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.byClientID(s.realm(realmName), clientID)
	if c == nil {
		return false
	}
	edit(c.rep)
	return true
}

// RemoveDefaultScope takes a default client scope from the client, as an
// administrator would.
func (s *Server) RemoveDefaultScope(realmName, clientID, scopeName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	if c := s.byClientID(rl, clientID); c != nil {
		c.defaults = slices.DeleteFunc(c.defaults, func(id string) bool { return rl.scopes[id].name == scopeName })
	}
}

// GrantRealmRole gives the client's service account a realm role, as an
// administrator would.
func (s *Server) GrantRealmRole(realmName, clientID, roleName string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	if c := s.byClientID(rl, clientID); c != nil && rl.users[c.serviceUser] != nil {
		r := rl.roles[roleName]
		rl.users[c.serviceUser].roles[r.id] = r
	}
}

// DeleteClient removes the client, as an administrator would.
func (s *Server) DeleteClient(realmName, clientID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	c := s.byClientID(rl, clientID)
	if c == nil {
		return false
	}
	s.remove(rl, c)
	return true
}

func (s *Server) remove(rl *realm, c *client) {
	delete(rl.users, c.serviceUser)
	delete(rl.clients, c.id)
}

func (s *Server) byClientID(rl *realm, clientID string) *client {
	for _, c := range rl.clients {
		if c.rep["clientId"] == clientID {
			return c
		}
	}
	return nil
}

func (s *Server) scopeNames(rl *realm, ids []string) []string {
	var out []string
	for _, id := range ids {
		if sc := rl.scopes[id]; sc != nil {
			out = append(out, sc.name)
		}
	}
	slices.Sort(out)
	return out
}

// newClient stores a client with Keycloak's defaults for what rep leaves
// out.
func (s *Server) newClient(rl *realm, rep map[string]any) *client {
	full := map[string]any{
		"surrogateAuthRequired": false, "enabled": true, "alwaysDisplayInConsole": false,
		"clientAuthenticatorType": "client-secret", "redirectUris": []any{}, "webOrigins": []any{},
		"notBefore": 0, "bearerOnly": false, "consentRequired": false, "standardFlowEnabled": true,
		"implicitFlowEnabled": false, "directAccessGrantsEnabled": false, "serviceAccountsEnabled": false,
		"publicClient": false, "frontchannelLogout": true, "protocol": "openid-connect",
		"attributes": map[string]any{}, "fullScopeAllowed": true, "nodeReRegistrationTimeout": -1,
	}
	maps.Copy(full, rep)
	c := &client{id: s.newID(), rep: full, roles: map[string]*role{}}
	rl.clients[c.id] = c
	return c
}

// ensureServiceUser gives a client with serviceAccountsEnabled its
// service-account user (with the realm's default roles), as Keycloak does.
func (s *Server) ensureServiceUser(rl *realm, c *client) {
	if on, _ := c.rep["serviceAccountsEnabled"].(bool); !on || c.serviceUser != "" {
		return
	}
	u := &user{id: s.newID(), username: "service-account-" + strings.ToLower(c.rep["clientId"].(string)), client: c.id, roles: map[string]*role{}}
	def := rl.roles["default-roles-"+rl.name]
	u.roles[def.id] = def
	rl.users[u.id] = u
	c.serviceUser = u.id
}

// newSecret gives the client a fresh secret; with the realm's secret
// rotation and rotate, the current one becomes the rotated secret.
func (s *Server) newSecret(rl *realm, c *client, value string, rotate bool) {
	now := s.now()
	if rl.rotation != nil && rotate && c.secret != "" {
		c.rotated, c.rotatedCreated, c.rotatedEx = c.secret, c.created, now.Add(rl.rotation.RotatedExpiration)
	} else {
		c.rotated = ""
	}
	if value == "" {
		value = strings.ToLower(rand.Text())
	}
	c.secret, c.created, c.expires = value, now, time.Time{}
	if rl.rotation != nil {
		c.expires = now.Add(rl.rotation.Expiration)
	}
}
