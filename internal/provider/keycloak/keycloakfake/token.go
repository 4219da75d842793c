package keycloakfake

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// token is the realm's token endpoint, for the client credentials grant:
// the client authenticates with HTTP Basic or in the form, or with a
// signed assertion (private_key_jwt), with its current secret or, during a rotation's overlap, its rotated one (neither
// expired); it must be enabled, confidential and have its service account
// on; every scope asked for must be one of its client scopes. A management
// client's token carries its realm-management roles.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fail := func(status int, code, desc string) {
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") != "client_credentials" {
		fail(http.StatusBadRequest, "unsupported_grant_type", "Unsupported grant_type")
		return
	}
	rl, ok := s.realms[r.PathValue("realm")]
	if !ok {
		fail(http.StatusNotFound, "invalid_request", "Realm does not exist")
		return
	}
	var c *client
	if r.PostForm.Get("client_assertion_type") == assertionType {
		issuer := "http://" + r.Host + s.prefix + "/realms/" + rl.name
		c = s.assertionClient(rl, r.PostForm.Get("client_assertion"), issuer)
	} else {
		id, secret, _ := fakeauth.ClientSecret(r, r.PostForm)
		if c = s.byClientID(rl, id); c != nil && !s.secretWorks(rl, c, secret) {
			c = nil
		}
	}
	if c == nil {
		fail(http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	if on, _ := c.rep["enabled"].(bool); !on {
		fail(http.StatusUnauthorized, "invalid_client", "Invalid client or Invalid client credentials")
		return
	}
	if sa, _ := c.rep["serviceAccountsEnabled"].(bool); !sa {
		fail(http.StatusUnauthorized, "unauthorized_client", "Client not enabled to retrieve service account")
		return
	}
	granted := s.scopeNames(rl, c.defaults)
	optional := s.scopeNames(rl, c.optional)
	for sc := range strings.FieldsSeq(r.PostForm.Get("scope")) {
		switch {
		case slices.Contains(granted, sc):
		case slices.Contains(optional, sc):
			granted = append(granted, sc)
		default:
			fail(http.StatusBadRequest, "invalid_scope", "Invalid scopes: "+r.PostForm.Get("scope"))
			return
		}
	}
	tok := "kc-access-" + s.newID()
	if c.adminRoles != nil {
		tok = s.issueAdmin(c.adminRoles)
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300, "scope": strings.Join(granted, " ")})
}

// secretWorks reports whether secret is the client's current secret or its
// rotated one, and not expired.
func (s *Server) secretWorks(rl *realm, c *client, secret string) bool {
	if pub, _ := c.rep["publicClient"].(bool); pub || secret == "" {
		return false
	}
	now := s.now()
	eq := func(a string) bool { return a != "" && subtle.ConstantTimeCompare([]byte(a), []byte(secret)) == 1 }
	if eq(c.secret) && (c.expires.IsZero() || now.Before(c.expires)) {
		return true
	}
	return rl.rotation != nil && eq(c.rotated) && now.Before(c.rotatedEx)
}

// discovery is the realm's OpenID Provider metadata.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	_, ok := s.realms[r.PathValue("realm")]
	s.mu.Unlock()
	if !ok {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm does not exist"})
		return
	}
	issuer := "http://" + r.Host + s.prefix + "/realms/" + r.PathValue("realm")
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                 issuer,
		"token_endpoint":         issuer + "/protocol/openid-connect/token",
		"introspection_endpoint": issuer + "/protocol/openid-connect/token/introspect",
		"revocation_endpoint":    issuer + "/protocol/openid-connect/revoke",
		"grant_types_supported":  []string{"client_credentials", "authorization_code", "refresh_token"},
	})
}

// ClientCredentials asks the token endpoint at tokenURL for a token with
// the client's credentials (HTTP Basic) and scope; nil when one is issued.
// The error holds the status and OAuth error code only.
func ClientCredentials(ctx context.Context, tokenURL, clientID, secret, scope string) error {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		Error       string `json:"error"`
		AccessToken string `json:"access_token"`
	}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	_ = json.Unmarshal(b, &body)
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return fmt.Errorf("token endpoint: HTTP %d %s", resp.StatusCode, body.Error)
	}
	return nil
}
