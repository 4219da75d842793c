package auth0fake

import (
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// tokenError answers the token endpoint's way:
// {"error":"access_denied","error_description":"..."}.
func tokenError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// tokenParams reads a token request: a form or, as Auth0 also takes, a
// JSON object.
func tokenParams(r *http.Request) (url.Values, error) {
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil {
			return nil, err
		}
		v := url.Values{}
		for k, x := range m {
			if s, ok := x.(string); ok {
				v.Set(k, s)
			}
		}
		return v, nil
	}
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	return r.PostForm, nil
}

// token serves POST /oauth/token for the client credentials grant.
func (t *Tenant) token(w http.ResponseWriter, r *http.Request) {
	form, err := tokenParams(r)
	if err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "the body is neither a form nor a JSON object")
		return
	}
	if g := form.Get("grant_type"); g != "client_credentials" {
		tokenError(w, http.StatusForbidden, "unsupported_grant_type", fmt.Sprintf("Unsupported grant type: %s", g))
		return
	}
	id, secret, basic := fakeauth.ClientSecret(r, form)
	t.mu.Lock()
	defer t.mu.Unlock()
	if form.Get("client_assertion_type") == clientAssertionType {
		if id, err = t.checkAssertion(form.Get("client_assertion")); err != nil {
			tokenError(w, http.StatusUnauthorized, "access_denied", "Invalid client assertion: "+err.Error())
			return
		}
	}
	c, ok := t.clients[id]
	switch {
	case !ok || c.AuthMethod == "none":
		tokenError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	case form.Get("client_assertion_type") == clientAssertionType:
		// the assertion authenticated the client
	case subtle.ConstantTimeCompare([]byte(c.Secret), []byte(secret)) != 1 || (c.AuthMethod == "client_secret_basic") != basic:
		tokenError(w, http.StatusUnauthorized, "access_denied", "Unauthorized")
		return
	}
	if !slices.Contains(c.GrantTypes, "client_credentials") {
		tokenError(w, http.StatusForbidden, "unauthorized_client", "Grant type 'client_credentials' not allowed for the client.")
		return
	}
	audience := form.Get("audience")
	if audience == "" {
		tokenError(w, http.StatusForbidden, "access_denied", "No audience parameter was provided, and no default audience has been configured")
		return
	}
	if !t.apis[audience] {
		tokenError(w, http.StatusForbidden, "access_denied", fmt.Sprintf("Service not found: %s", audience))
		return
	}
	var granted []string
	found := false
	for _, g := range t.grants {
		if g.ClientID == id && g.Audience == audience {
			found = true
			granted = append(granted, g.Scopes...)
		}
	}
	if !found {
		tokenError(w, http.StatusForbidden, "access_denied",
			fmt.Sprintf("Client is not authorized to access %q. You need to create a \"client-grant\" associated to this API.", audience))
		return
	}
	scopes := granted
	if asked := strings.Fields(form.Get("scope")); len(asked) > 0 {
		var missing []string
		for _, s := range asked {
			if !slices.Contains(granted, s) {
				missing = append(missing, s)
			}
		}
		if len(missing) > 0 {
			tokenError(w, http.StatusForbidden, "access_denied", "Client has not been granted scopes: "+strings.Join(missing, " "))
			return
		}
		scopes = asked
	}
	at := "fake-at-" + randomID(32)
	t.tokens[at] = tokenInfo{clientID: id, audience: audience, scopes: slices.Clone(scopes)}
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at, "token_type": "Bearer", "expires_in": 86400, "scope": strings.Join(scopes, " "),
	})
}
