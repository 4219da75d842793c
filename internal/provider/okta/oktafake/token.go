package oktafake

import (
	"crypto/rand"
	"crypto/subtle"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	tokenLifetime = time.Hour
)

// oauthError writes an RFC 6749 §5.2 error, as Okta's token endpoints do.
func oauthError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

func base(r *http.Request) string { return "http://" + r.Host }

// orgToken is the org authorization server's token endpoint: the client
// credentials grant for a service app authenticating with a
// private_key_jwt client assertion, for okta.* scopes only.
func (f *Fake) orgToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request is not form-encoded.")
		return
	}
	if r.PostForm.Get("grant_type") != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
		return
	}
	if r.PostForm.Get("client_assertion_type") != assertionType || r.PostForm.Get("client_assertion") == "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "Client Credentials requests with okta.* scopes need a private_key_jwt client assertion.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	clientID, err := f.verifyAssertion(r.PostForm.Get("client_assertion"), base(r)+"/oauth2/v1/token")
	if err != "" {
		oauthError(w, http.StatusUnauthorized, "invalid_client", err)
		return
	}
	if id := r.PostForm.Get("client_id"); id != "" && id != clientID {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "client_id does not match the assertion's subject.")
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	svc := f.services[clientID]
	if len(scopes) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The authorization server requires a scope.")
		return
	}
	for _, s := range scopes {
		if !strings.HasPrefix(s, "okta.") || !slices.Contains(svc.scopes, s) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "The requested scope is invalid, unknown, or malformed: "+s)
			return
		}
	}
	tok := rand.Text() + rand.Text()
	f.tokens[tok] = grantedToken{scopes: scopes, expires: time.Now().Add(tokenLifetime)}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()),
		"access_token": tok, "scope": strings.Join(scopes, " ")})
}

// verifyAssertion checks a client assertion (RFC 7523 §3): a JWS signed
// with the service app's key (RS256 or ES256), iss and sub its client ID,
// aud the token URL, not expired, at most an hour long, with a jti not seen
// before. It returns the client ID, or why it refused.
func (f *Fake) verifyAssertion(assertion, audience string) (string, string) {
	jwt, err := fakeauth.Parse(assertion)
	if err != nil {
		return "", "The client_assertion is not a JWT."
	}
	svc, ok := f.services[jwt.Sub]
	if !ok || jwt.Iss != jwt.Sub {
		return "", "The client_assertion's iss and sub must be the client ID of a service app."
	}
	if jwt.Verify(svc.key) != nil {
		return "", "The client_assertion signature is invalid."
	}
	if !jwt.HasAudience(audience) {
		return "", "The audience claim for client_assertion must be the endpoint invoked for the request."
	}
	now := time.Now().Unix()
	if jwt.Exp <= now || jwt.Exp-max(jwt.Iat, now-60) > int64(time.Hour.Seconds()) {
		return "", "The client_assertion token is expired or valid for more than an hour."
	}
	if jwt.Jti == "" || f.jtis[jwt.Jti] {
		return "", "The client_assertion token has no jti or was used before."
	}
	f.jtis[jwt.Jti] = true
	return jwt.Sub, ""
}

// customToken is a custom authorization server's token endpoint: the
// client credentials grant for an active app whose secret is one of its
// active secrets, for scopes its access policies allow.
func (f *Fake) customToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "The request is not form-encoded.")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	as, ok := f.servers[r.PathValue("as")]
	if !ok {
		oauthError(w, http.StatusNotFound, "not_found", "No authorization server "+r.PathValue("as"))
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	var a *app
	for _, x := range f.apps {
		if x.clientID == id {
			a = x
		}
	}
	if a == nil || a.status != "ACTIVE" || !a.secretWorks(secret) {
		oauthError(w, http.StatusUnauthorized, "invalid_client", "The client secret supplied for a confidential client is invalid.")
		return
	}
	grant := r.PostForm.Get("grant_type")
	if grant != "client_credentials" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The fake issues client_credentials tokens only.")
		return
	}
	if !slices.Contains(a.oidc().Settings.OAuthClient.GrantTypes, grant) {
		oauthError(w, http.StatusBadRequest, "unauthorized_client", "The client is not authorized to use the provided grant type.")
		return
	}
	scopes := strings.Fields(r.PostForm.Get("scope"))
	if len(scopes) == 0 {
		oauthError(w, http.StatusBadRequest, "invalid_scope", "The authorization server requires a scope for client_credentials.")
		return
	}
	for _, s := range scopes {
		if !slices.Contains(as.scopes, s) {
			oauthError(w, http.StatusBadRequest, "invalid_scope", "One or more scopes are not configured for the authorization server resource.")
			return
		}
	}
	if !as.allows(a.clientID, grant, scopes) {
		oauthError(w, http.StatusBadRequest, "access_denied", "Policy evaluation failed for this request, please check the policy configurations.")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"token_type": "Bearer", "expires_in": 3600,
		"access_token": rand.Text() + rand.Text(), "scope": strings.Join(scopes, " ")})
}

// secretWorks reports whether value is one of the app's active secrets.
func (a *app) secretWorks(value string) bool {
	for _, s := range a.secrets {
		if s.status == "ACTIVE" && subtle.ConstantTimeCompare([]byte(s.value), []byte(value)) == 1 {
			return true
		}
	}
	return false
}

// allows evaluates the access policies as Okta does: the first active
// policy, by priority, that applies to the client decides, through its
// first active rule that allows the grant type and every scope.
func (as *authServer) allows(clientID, grant string, scopes []string) bool {
	for _, p := range as.policies {
		if p.status != "ACTIVE" || (!slices.Contains(p.clients, clientID) && !slices.Contains(p.clients, "ALL_CLIENTS")) {
			continue
		}
		for _, x := range p.rules {
			if x.status != "ACTIVE" || !slices.Contains(x.grantTypes, grant) {
				continue
			}
			if slices.Contains(x.scopes, "*") || !slices.ContainsFunc(scopes, func(s string) bool { return !slices.Contains(x.scopes, s) }) {
				return true
			}
		}
		return false
	}
	return false
}

// discovery serves the custom authorization server's metadata.
func (f *Fake) discovery(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	_, ok := f.servers[r.PathValue("as")]
	f.mu.Unlock()
	if !ok {
		oauthError(w, http.StatusNotFound, "not_found", "No authorization server "+r.PathValue("as"))
		return
	}
	issuer := base(r) + "/oauth2/" + r.PathValue("as")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                issuer,
		"token_endpoint":                        issuer + "/v1/token",
		"introspection_endpoint":                issuer + "/v1/introspect",
		"revocation_endpoint":                   issuer + "/v1/revoke",
		"jwks_uri":                              issuer + "/v1/keys",
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "refresh_token"},
		"token_endpoint_auth_methods_supported": authMethods[:4],
	})
}
