package entrafake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// tokenLifetime is how long the fake's access tokens live.
const tokenLifetime = time.Hour

// assertionType is the client_assertion_type of RFC 7523.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// discovery serves the tenant's OpenID configuration.
func (f *Fake) discovery(w http.ResponseWriter, r *http.Request) {
	base := "http://" + r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                f.Issuer(base),
		"token_endpoint":                        f.TokenURL(base),
		"authorization_endpoint":                base + "/" + f.Tenant + "/oauth2/v2.0/authorize",
		"jwks_uri":                              base + "/" + f.Tenant + "/discovery/v2.0/keys",
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
	})
}

// tokenErr is the identity platform's error answer: an OAuth error with
// an AADSTS code in its description.
func tokenErr(w http.ResponseWriter, status int, code, aadsts string, format string, args ...any) {
	writeJSON(w, status, map[string]any{
		"error":             code,
		"error_description": "AADSTS" + aadsts + ": " + fmt.Sprintf(format, args...),
		"error_codes":       []string{aadsts},
		"timestamp":         time.Now().UTC().Format("2006-01-02 15:04:05Z"),
	})
}

// tokenEndpoint grants client_credentials.
func (f *Fake) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenErr(w, http.StatusBadRequest, "invalid_request", "900144", "The request body must contain the following parameter: 'grant_type'.")
		return
	}
	form := r.PostForm
	if g := form.Get("grant_type"); g != "client_credentials" {
		tokenErr(w, http.StatusBadRequest, "unsupported_grant_type", "70003", "The app requested an unsupported grant type %q.", g)
		return
	}
	clientID, secret, basic := r.BasicAuth()
	if !basic {
		clientID, secret = form.Get("client_id"), form.Get("client_secret")
	}
	scope := strings.Fields(form.Get("scope"))
	if len(scope) != 1 || !strings.HasSuffix(scope[0], "/.default") {
		tokenErr(w, http.StatusBadRequest, "invalid_scope", "1002012", "The provided value for scope %s is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).", strings.Join(scope, " "))
		return
	}
	resource := strings.TrimSuffix(scope[0], "/.default")
	tokenURL := f.TokenURL("http://" + r.Host)

	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if m, ok := f.mgmt[clientID]; ok {
		if msg, status, code, aadsts := f.authManagement(m, secret, form, tokenURL, now); msg != "" {
			tokenErr(w, status, code, aadsts, "%s", msg)
			return
		}
		if resource != GraphResource {
			tokenErr(w, http.StatusBadRequest, "invalid_resource", "500011", "The resource principal named %s was not found in the tenant.", resource)
			return
		}
		f.issue(w, token{client: clientID, graph: true, resource: resource, expires: now.Add(tokenLifetime)})
		return
	}
	a := f.appByAppID(clientID)
	if a == nil {
		tokenErr(w, http.StatusBadRequest, "unauthorized_client", "700016", "Application with identifier '%s' was not found in the directory.", clientID)
		return
	}
	if form.Get("client_assertion") != "" || !validPassword(a, secret, now) {
		tokenErr(w, http.StatusUnauthorized, "invalid_client", "7000215", "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '%s'.", clientID)
		return
	}
	client := f.spByAppID(clientID)
	if client == nil {
		tokenErr(w, http.StatusBadRequest, "unauthorized_client", "7000112", "Application '%s' has no service principal in the tenant.", clientID)
		return
	}
	if !client.enabled {
		tokenErr(w, http.StatusBadRequest, "unauthorized_client", "7000112", "Application '%s' is disabled.", clientID)
		return
	}
	res := f.spByName(resource)
	if res == nil {
		tokenErr(w, http.StatusBadRequest, "invalid_resource", "500011", "The resource principal named %s was not found in the tenant.", resource)
		return
	}
	if res.requireAssigned && !f.assigned(client.id, res.id) {
		tokenErr(w, http.StatusBadRequest, "invalid_grant", "501051", "Application '%s' is not assigned to a role for the application '%s'.", clientID, resource)
		return
	}
	f.issue(w, token{client: clientID, resource: resource, expires: now.Add(tokenLifetime)})
}

// authManagement authenticates the operator's app; it returns an error
// message (and its status, OAuth code and AADSTS number) or "".
func (f *Fake) authManagement(m *ManagementApp, secret string, form map[string][]string, tokenURL string, now time.Time) (msg string, status int, code, aadsts string) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	assertion := get("client_assertion")
	if assertion == "" {
		if m.Secret == "" || subtle.ConstantTimeCompare([]byte(secret), []byte(m.Secret)) != 1 {
			return "Invalid client secret provided.", http.StatusUnauthorized, "invalid_client", "7000215"
		}
		return "", 0, "", ""
	}
	if get("client_assertion_type") != assertionType {
		return "client_assertion_type must be " + assertionType, http.StatusBadRequest, "invalid_request", "50027"
	}
	jwt, err := fakeauth.Parse(assertion)
	if err != nil {
		return "Invalid JWT token: " + err.Error(), http.StatusBadRequest, "invalid_client", "50027"
	}
	if !time.Unix(jwt.Exp, 0).After(now) {
		return "The provided client assertion is expired.", http.StatusUnauthorized, "invalid_client", "700024"
	}
	if key, ok := m.Certificates[jwt.X5T]; ok && jwt.X5T != "" {
		switch {
		case jwt.Iss != m.ClientID || jwt.Sub != m.ClientID:
			return "Client assertion contains an invalid issuer or subject.", http.StatusUnauthorized, "invalid_client", "700021"
		case !slices.Contains(jwt.Aud, tokenURL):
			return "The audience claim of the client assertion is not the token endpoint.", http.StatusUnauthorized, "invalid_client", "700027"
		case jwt.Verify(key) != nil:
			return "Client assertion failed signature validation.", http.StatusUnauthorized, "invalid_client", "7000274"
		}
		return "", 0, "", ""
	}
	var byIssuer []Federated
	for _, fc := range m.Federated {
		if fc.Issuer == jwt.Iss {
			byIssuer = append(byIssuer, fc)
		}
	}
	if len(byIssuer) == 0 {
		return fmt.Sprintf("No matching federated identity record found for presented assertion issuer '%s'.", jwt.Iss), http.StatusBadRequest, "invalid_request", "700211"
	}
	var bySubject []Federated
	for _, fc := range byIssuer {
		if fc.Subject == jwt.Sub {
			bySubject = append(bySubject, fc)
		}
	}
	if len(bySubject) == 0 {
		return fmt.Sprintf("No matching federated identity record found for presented assertion subject '%s'.", jwt.Sub), http.StatusBadRequest, "invalid_request", "700213"
	}
	for _, fc := range bySubject {
		if !slices.Contains(jwt.Aud, fc.Audience) {
			continue
		}
		for kid, key := range fc.Keys {
			if (kid == "" || kid == jwt.Kid) && jwt.Verify(key) == nil {
				return "", 0, "", ""
			}
		}
		return "The client assertion's signature is not from a key of the federated issuer.", http.StatusUnauthorized, "invalid_client", "5002738"
	}
	return fmt.Sprintf("No matching federated identity record found for presented assertion audience '%s'.", strings.Join(jwt.Aud, ",")), http.StatusBadRequest, "invalid_request", "700212"
}

// validPassword reports whether secret is one of the application's
// passwords, valid now.
func validPassword(a *app, secret string, now time.Time) bool {
	for _, p := range a.passwords {
		if subtle.ConstantTimeCompare([]byte(p.secret), []byte(secret)) == 1 && !now.Before(p.start) && now.Before(p.end) {
			return true
		}
	}
	return false
}

func (f *Fake) assigned(principal, resource string) bool {
	for _, as := range f.assignments {
		if as.principal == principal && as.resource == resource {
			return true
		}
	}
	return false
}

// issue answers a token response.
func (f *Fake) issue(w http.ResponseWriter, t token) {
	v := "fake-at-" + newSecret()
	f.tokens[v] = t
	w.Header().Set("Cache-Control", "no-store")
	b, _ := json.Marshal(map[string]any{"token_type": "Bearer", "expires_in": int(tokenLifetime.Seconds()), "ext_expires_in": int(tokenLifetime.Seconds()), "access_token": v})
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(b)
}

// ClientCredentials asks the token endpoint, in process, for a token as
// clientID with secret for scope: nil when one is issued, the refusal
// otherwise. It is how tests prove a secret works.
func (f *Fake) ClientCredentials(clientID, secret, scope string) error {
	rec := &recorder{header: http.Header{}}
	body := "grant_type=client_credentials&client_id=" + urlQuery(clientID) + "&client_secret=" + urlQuery(secret) + "&scope=" + urlQuery(scope)
	req, _ := http.NewRequest(http.MethodPost, "http://fake/"+f.Tenant+"/oauth2/v2.0/token", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	f.tokenEndpoint(rec, req)
	if rec.status != http.StatusOK {
		var e struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(rec.body, &e)
		return fmt.Errorf("token endpoint: HTTP %d %s: %s", rec.status, e.Error, e.Description)
	}
	return nil
}
