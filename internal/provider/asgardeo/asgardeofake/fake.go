// Package asgardeofake is a fake of WSO2 Asgardeo / WSO2 Identity Server
// for tests: an http.Handler serving one organization's Application
// Management API (/t/{org}/api/server/v1/applications, its OIDC inbound
// configuration, secrets and authorized APIs), the API resources the
// applications are authorized for (/api-resources), and the organization's
// token endpoint (/t/{org}/oauth2/token, client credentials with HTTP Basic
// or form, scopes checked per API) with its discovery document. It is
// written from WSO2's published Application Management API document
// (../shared/specs/wso2/applications.yaml), which tests check every
// exchange against with providertest/contract. It is not the real server:
// it keeps everything in memory and implements only what the adapter uses.
package asgardeofake

import (
	"crypto/rand"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// ManagementScopes are the scopes of the management APIs the fake knows.
var ManagementScopes = []string{
	"internal_application_mgt_view", "internal_application_mgt_create",
	"internal_application_mgt_update", "internal_application_mgt_delete",
	"internal_application_mgt_client_secret_create", "internal_application_mgt_client_secret_view",
	"internal_application_mgt_client_secret_delete", "internal_api_resource_view",
}

// Options shape the fake.
type Options struct {
	// Organization is the tenant served under /t/{org}; default carbon.super.
	Organization string
	// MultipleSecrets serves the multiple-secrets API (.../oidc/secrets),
	// as newer Identity Server releases do; without it those paths are 404.
	MultipleSecrets bool
	// Now is the clock for secret expiry; default time.Now.
	Now func() time.Time
}

// Server is the fake. Its methods are safe for concurrent use.
type Server struct {
	org       string
	multi     bool
	now       func() time.Time
	mu        sync.Mutex
	apps      map[string]*app // by application ID
	apis      map[string]*API // by API resource ID
	mgmt      map[string]*mgmtClient
	tokens    map[string]*token
	throttle  fakeauth.Throttle
	requests  []string
	appWrites int
}

// API is an API resource with its scopes.
type API struct {
	ID, Identifier, Name string
	Scopes               []string
}

type mgmtClient struct {
	secret string
	scopes []string
}

type token struct {
	clientID string
	appID    string // "" for a management client
	secretID string
	scopes   []string
}

// New returns an empty fake.
func New(o Options) *Server {
	org := o.Organization
	if org == "" {
		org = "carbon.super"
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Server{org: org, multi: o.MultipleSecrets, now: now,
		apps: map[string]*app{}, apis: map[string]*API{}, mgmt: map[string]*mgmtClient{}, tokens: map[string]*token{}}
}

// Organization is the tenant the fake serves.
func (s *Server) Organization() string { return s.org }

// AddManagementApp registers a management application (the M2M app the
// operator logs in with) whose client credentials obtain tokens with the
// given management scopes.
func (s *Server) AddManagementApp(clientID, secret string, scopes ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.mgmt[clientID] = &mgmtClient{secret: secret, scopes: scopes}
}

// AddAPI registers an API resource and returns its ID.
func (s *Server) AddAPI(identifier string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := newID()
	s.apis[id] = &API{ID: id, Identifier: identifier, Name: identifier, Scopes: scopes}
	return id
}

// Throttle makes the next n management API requests answer 429 with
// Retry-After: retryAfter (seconds).
func (s *Server) Throttle(n, retryAfter int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.throttle.Set(n, retryAfter)
}

// Requests returns "METHOD path" of every management API request so far.
func (s *Server) Requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.requests...)
}

// Writes counts the management API requests that changed something.
func (s *Server) Writes() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appWrites
}

// TokenActive reports whether an access token the fake issued is still
// valid (not revoked with its secret or its application).
func (s *Server) TokenActive(accessToken string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.tokens[accessToken]
	return ok
}

// Handler serves the fake.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	t := "/t/" + s.org
	mux.HandleFunc("GET "+t+"/oauth2/token/.well-known/openid-configuration", s.discovery)
	mux.HandleFunc("POST "+t+"/oauth2/token", s.tokenEndpoint)
	api := t + "/api/server/v1"
	route := func(pattern, scope string, h http.HandlerFunc) {
		method, path, _ := strings.Cut(pattern, " ")
		mux.HandleFunc(method+" "+api+path, s.managed(scope, h))
	}
	route("GET /applications", "internal_application_mgt_view", s.listApps)
	route("POST /applications", "internal_application_mgt_create", s.createApp)
	route("GET /applications/{id}", "internal_application_mgt_view", s.getApp)
	route("PATCH /applications/{id}", "internal_application_mgt_update", s.patchApp)
	route("DELETE /applications/{id}", "internal_application_mgt_delete", s.deleteApp)
	route("GET /applications/{id}/inbound-protocols/oidc", "internal_application_mgt_view", s.getOIDC)
	route("PUT /applications/{id}/inbound-protocols/oidc", "internal_application_mgt_update", s.putOIDC)
	route("POST /applications/{id}/inbound-protocols/oidc/regenerate-secret", "internal_application_mgt_client_secret_create", s.regenerate)
	route("POST /applications/{id}/inbound-protocols/oidc/revoke", "internal_application_mgt_update", s.revoke)
	route("GET /applications/{id}/inbound-protocols/oidc/secrets", "internal_application_mgt_client_secret_view", s.listSecrets)
	route("POST /applications/{id}/inbound-protocols/oidc/secrets", "internal_application_mgt_client_secret_create", s.addSecret)
	route("DELETE /applications/{id}/inbound-protocols/oidc/secrets/{secret}", "internal_application_mgt_client_secret_delete", s.deleteSecret)
	route("GET /applications/{id}/authorized-apis", "internal_application_mgt_view", s.listGrants)
	route("POST /applications/{id}/authorized-apis", "internal_application_mgt_update", s.addGrant)
	route("PATCH /applications/{id}/authorized-apis/{api}", "internal_application_mgt_update", s.patchGrant)
	route("DELETE /applications/{id}/authorized-apis/{api}", "internal_application_mgt_update", s.deleteGrant)
	route("GET /api-resources", "internal_api_resource_view", s.listAPIs)
	return mux
}

// managed wraps a management API handler: rate limit on demand, then the
// bearer token and the operation's scope, then h under the lock.
func (s *Server) managed(scope string, h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.Method+" "+r.URL.Path)
		if s.throttle.Take(w) {
			writeError(w, http.StatusTooManyRequests, "ASG-42900", "Too many requests", "Rate limit exceeded for the organization.")
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		t := s.tokens[tok]
		if !ok || t == nil || t.appID != "" {
			w.WriteHeader(http.StatusUnauthorized) // documented without a body
			return
		}
		if !slices.Contains(t.scopes, scope) {
			w.WriteHeader(http.StatusForbidden) // documented without a body
			return
		}
		if r.Method != http.MethodGet {
			s.appWrites++
		}
		h(w, r)
	}
}

// writeError writes WSO2's Error body.
func writeError(w http.ResponseWriter, status int, code, message, description string) {
	writeJSON(w, status, map[string]string{"code": code, "message": message, "description": description, "traceId": newID()})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// newID returns a UUID-shaped random ID.
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	const hex = "0123456789abcdef"
	var sb strings.Builder
	for i, c := range b {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			sb.WriteByte('-')
		}
		sb.WriteByte(hex[c>>4])
		sb.WriteByte(hex[c&15])
	}
	return sb.String()
}
