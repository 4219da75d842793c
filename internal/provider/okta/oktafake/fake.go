// Package oktafake is a fake of an Okta org for tests, written from Okta's
// published management API reference (the OpenAPI document in
// ../shared/specs/okta/management-minimal.yaml) and its OAuth guides,
// because a real Okta org cannot run here. It is not Okta: it keeps only
// what the operator's adapter touches, in memory.
//
// It serves the Apps API for OpenID Connect apps (create, read, replace,
// delete only when inactive, lifecycle activate/deactivate, list with
// filter/q/limit and Link paging), each app's client secrets (two at most,
// delete only inactive ones, never the last active one deactivated), the
// access policies and rules of custom authorization servers, Okta's error
// bodies ({"errorCode":"E0000007",...}), the X-Rate-Limit-* headers on
// every management answer and 429s on demand; the org authorization
// server's token endpoint (/oauth2/v1/token) for the operator's own login
// with a private_key_jwt client assertion (signature, aud, iss/sub, exp
// and jti checked) beside API tokens (SSWS); and each custom
// authorization server's token endpoint (/oauth2/{id}/v1/token), which
// honours the apps' secrets and status and evaluates the access policies.
package oktafake

import (
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// Options configure a Fake.
type Options struct {
	// APIToken is the API token accepted as "Authorization: SSWS <token>";
	// empty accepts none.
	APIToken string
	// AuthorizationServers maps each custom authorization server ID to the
	// scopes it defines. Default: "default" with read, write and admin.
	AuthorizationServers map[string][]string
	// RateLimit is how many management requests each minute allows (the
	// X-Rate-Limit-Limit header); default 600.
	RateLimit int
}

// Fake is the fake org, an http.Handler. It is safe for concurrent use.
type Fake struct {
	mu      sync.Mutex
	opts    Options
	apps    []*app // in creation order, which is Okta's list order
	servers map[string]*authServer
	// service apps that may log in at the org authorization server
	services map[string]*serviceApp
	tokens   map[string]grantedToken // management access tokens
	jtis     map[string]bool
	// rate limit window
	window   time.Time
	used     int
	throttle fakeauth.Throttle // answers still to refuse with 429
	writes   int
	requests int
	n        int
	mux      *http.ServeMux
}

type serviceApp struct {
	key    crypto.PublicKey
	scopes []string
}

type grantedToken struct {
	scopes  []string
	expires time.Time
}

type authServer struct {
	scopes   []string
	policies []*policy
}

// New returns an empty org.
func New(opts Options) *Fake {
	if opts.AuthorizationServers == nil {
		opts.AuthorizationServers = map[string][]string{"default": {"read", "write", "admin"}}
	}
	if opts.RateLimit <= 0 {
		opts.RateLimit = 600
	}
	f := &Fake{opts: opts, servers: map[string]*authServer{}, services: map[string]*serviceApp{},
		tokens: map[string]grantedToken{}, jtis: map[string]bool{}}
	for id, scopes := range opts.AuthorizationServers {
		f.servers[id] = &authServer{scopes: scopes}
	}
	f.routes()
	return f
}

// AddServiceApp registers the operator's own service app: clientID may log
// in at /oauth2/v1/token with client assertions signed by the private key
// of key, and be granted the given okta.* scopes.
func (f *Fake) AddServiceApp(clientID string, key crypto.PublicKey, scopes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.services[clientID] = &serviceApp{key: key, scopes: scopes}
}

// Throttle makes the next n management requests fail with 429 and
// Retry-After: retryAfter seconds, as Okta does past a rate limit.
func (f *Fake) Throttle(n, retryAfter int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.throttle.Set(n, retryAfter)
}

// Writes counts the management requests that changed something.
func (f *Fake) Writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.writes
}

func (f *Fake) routes() {
	m := http.NewServeMux()
	mgmt := func(pattern string, h func(w http.ResponseWriter, r *http.Request) (int, any)) {
		m.HandleFunc(pattern, f.management(h))
	}
	mgmt("GET /api/v1/apps", f.listApps)
	mgmt("POST /api/v1/apps", f.createApp)
	mgmt("GET /api/v1/apps/{id}", f.getApp)
	mgmt("PUT /api/v1/apps/{id}", f.replaceApp)
	mgmt("DELETE /api/v1/apps/{id}", f.deleteApp)
	mgmt("POST /api/v1/apps/{id}/lifecycle/{verb}", f.appLifecycle)
	mgmt("GET /api/v1/apps/{id}/credentials/secrets", f.listSecrets)
	mgmt("POST /api/v1/apps/{id}/credentials/secrets", f.createSecret)
	mgmt("GET /api/v1/apps/{id}/credentials/secrets/{sid}", f.getSecret)
	mgmt("DELETE /api/v1/apps/{id}/credentials/secrets/{sid}", f.deleteSecret)
	mgmt("POST /api/v1/apps/{id}/credentials/secrets/{sid}/lifecycle/{verb}", f.secretLifecycle)
	mgmt("GET /api/v1/authorizationServers/{as}/policies", f.listPolicies)
	mgmt("POST /api/v1/authorizationServers/{as}/policies", f.createPolicy)
	mgmt("GET /api/v1/authorizationServers/{as}/policies/{pid}", f.getPolicy)
	mgmt("PUT /api/v1/authorizationServers/{as}/policies/{pid}", f.replacePolicy)
	mgmt("DELETE /api/v1/authorizationServers/{as}/policies/{pid}", f.deletePolicy)
	mgmt("GET /api/v1/authorizationServers/{as}/policies/{pid}/rules", f.listRules)
	mgmt("POST /api/v1/authorizationServers/{as}/policies/{pid}/rules", f.createRule)
	mgmt("GET /api/v1/authorizationServers/{as}/policies/{pid}/rules/{rid}", f.getRule)
	mgmt("PUT /api/v1/authorizationServers/{as}/policies/{pid}/rules/{rid}", f.replaceRule)
	mgmt("DELETE /api/v1/authorizationServers/{as}/policies/{pid}/rules/{rid}", f.deleteRule)
	m.HandleFunc("POST /oauth2/v1/token", f.orgToken)
	m.HandleFunc("POST /oauth2/{as}/v1/token", f.customToken)
	m.HandleFunc("GET /oauth2/{as}/.well-known/openid-configuration", f.discovery)
	m.HandleFunc("GET /oauth2/{as}/.well-known/oauth-authorization-server", f.discovery)
	// RFC 8414 §3.1's location for an issuer with a path; Okta has none.
	m.HandleFunc("GET /.well-known/oauth-authorization-server/oauth2/{as}", func(w http.ResponseWriter, _ *http.Request) {
		oauthError(w, http.StatusNotFound, "not_found", "Okta serves its metadata below the issuer")
	})
	f.mux = m
}

// ServeHTTP serves the org.
func (f *Fake) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

// management wraps a management API handler: the rate limit, the
// credential and its scope, and the JSON answer, all under the lock.
func (f *Fake) management(h func(w http.ResponseWriter, r *http.Request) (int, any)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		now := time.Now()
		if now.Sub(f.window) >= time.Minute {
			f.window, f.used = now, 0
		}
		f.used++
		remaining := max(f.opts.RateLimit-f.used, 0)
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(f.opts.RateLimit))
		w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(f.window.Add(time.Minute).Unix(), 10))
		if f.throttle.Take(w) || f.used > f.opts.RateLimit {
			w.Header().Set("X-Rate-Limit-Remaining", "0")
			writeJSON(w, http.StatusTooManyRequests, oktaError("E0000047", "API call exceeded rate limit due to too many requests."))
			return
		}
		if status, body := f.authenticate(r); status != 0 {
			writeJSON(w, status, body)
			return
		}
		f.requests++
		status, body := h(w, r)
		if r.Method != http.MethodGet && status < 300 {
			f.writes++
		}
		writeJSON(w, status, body)
	}
}

// authenticate checks the request's credential: the API token, or an
// access token of the org authorization server with the scope the
// operation needs. It returns 0 when the request may go on.
func (f *Fake) authenticate(r *http.Request) (int, any) {
	scheme, cred, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	switch {
	case strings.EqualFold(scheme, "SSWS") && f.opts.APIToken != "" && cred == f.opts.APIToken:
		return 0, nil
	case strings.EqualFold(scheme, "Bearer"):
		tok, ok := f.tokens[cred]
		if !ok || time.Now().After(tok.expires) {
			break
		}
		if !hasAny(tok.scopes, neededScopes(r)) {
			return http.StatusForbidden, oktaError("E0000006", "You do not have permission to perform the requested action")
		}
		return 0, nil
	}
	return http.StatusUnauthorized, oktaError("E0000011", "Invalid token provided")
}

// neededScopes are the OAuth scopes that allow the request (either one).
func neededScopes(r *http.Request) []string {
	family := "okta.apps."
	if strings.HasPrefix(r.URL.Path, "/api/v1/authorizationServers/") {
		family = "okta.authorizationServers."
	}
	if r.Method == http.MethodGet {
		return []string{family + "read", family + "manage"}
	}
	return []string{family + "manage"}
}

func hasAny(have, want []string) bool {
	for _, w := range want {
		if slices.Contains(have, w) {
			return true
		}
	}
	return false
}

// errorBody is Okta's Error object.
type errorBody struct {
	ErrorCode    string       `json:"errorCode"`
	ErrorSummary string       `json:"errorSummary"`
	ErrorLink    string       `json:"errorLink"`
	ErrorID      string       `json:"errorId"`
	ErrorCauses  []errorCause `json:"errorCauses"`
}

type errorCause struct {
	ErrorSummary string `json:"errorSummary"`
}

func oktaError(code, summary string, causes ...string) errorBody {
	e := errorBody{ErrorCode: code, ErrorSummary: summary, ErrorLink: code, ErrorID: "oae" + rand.Text()[:20], ErrorCauses: []errorCause{}}
	for _, c := range causes {
		e.ErrorCauses = append(e.ErrorCauses, errorCause{ErrorSummary: c})
	}
	return e
}

// invalid is Okta's answer to a request that fails validation.
func invalid(causes ...string) (int, any) {
	return http.StatusBadRequest, oktaError("E0000001", "Api validation failed: "+strings.Join(causes, "; "), causes...)
}

// notFound is Okta's answer for an unknown object.
func notFound(what, id string) (int, any) {
	return http.StatusNotFound, oktaError("E0000007", fmt.Sprintf("Not found: Resource not found: %s (%s)", id, what))
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	if status == http.StatusNoContent || body == nil {
		w.WriteHeader(status)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// nextID returns a new Okta-style object ID with the given prefix.
func (f *Fake) nextID(prefix string) string {
	f.n++
	return fmt.Sprintf("%s%s%04d", prefix, strings.ToLower(rand.Text()[:12]), f.n)
}

// stamp is a timestamp as Okta writes them.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// bodyCauses reads a JSON request body into v and returns what is wrong
// with it: that it is not a JSON object, or the causes check finds.
func bodyCauses[T any](r *http.Request, v *T, check func(T) []string) []string {
	if !decodeBody(r, v) {
		return []string{"the body is not a JSON object"}
	}
	return check(*v)
}

// decodeBody reads a JSON request body into v.
func decodeBody(r *http.Request, v any) bool {
	return json.NewDecoder(r.Body).Decode(v) == nil
}

func decodeJSON(resp *http.Response, v any) error {
	return json.NewDecoder(resp.Body).Decode(v)
}
