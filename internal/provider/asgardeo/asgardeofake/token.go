package asgardeofake

import (
	"crypto/rand"
	"net/http"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// TokenURL is the organization's token endpoint (the issuer) at base, the
// URL the fake is served at.
func (s *Server) TokenURL(base string) string { return base + "/t/" + s.org + "/oauth2/token" }

func (s *Server) discovery(w http.ResponseWriter, r *http.Request) {
	issuer := "http://" + r.Host + "/t/" + s.org + "/oauth2/token"
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": issuer, "token_endpoint": issuer,
		"authorization_endpoint":                "http://" + r.Host + "/t/" + s.org + "/oauth2/authorize",
		"revocation_endpoint":                   "http://" + r.Host + "/t/" + s.org + "/oauth2/revoke",
		"introspection_endpoint":                "http://" + r.Host + "/t/" + s.org + "/oauth2/introspect",
		"jwks_uri":                              "http://" + r.Host + "/t/" + s.org + "/oauth2/jwks",
		"grant_types_supported":                 []string{"authorization_code", "client_credentials", "refresh_token"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"response_types_supported":              []string{"code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
	})
}

func tokenError(w http.ResponseWriter, status int, code, description string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": description})
}

// tokenEndpoint serves the client credentials grant: the client
// authenticates with HTTP Basic or in the form; a management application
// gets the management scopes it was given, an application the scopes of
// the APIs authorized to it (others are left out, as WSO2 does). A
// disabled or revoked application, or an expired or deleted secret, gets
// no token.
func (s *Server) tokenEndpoint(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		tokenError(w, http.StatusBadRequest, "invalid_request", "The request is not a form.")
		return
	}
	id, secretValue, _ := fakeauth.ClientSecret(r, r.PostForm)
	if r.PostForm.Get("grant_type") != "client_credentials" {
		tokenError(w, http.StatusBadRequest, "unsupported_grant_type", "Only client_credentials is served by this fake.")
		return
	}
	requested := strings.Fields(r.PostForm.Get("scope"))
	s.mu.Lock()
	defer s.mu.Unlock()
	if m := s.mgmt[id]; m != nil {
		if m.secret != secretValue {
			tokenError(w, http.StatusUnauthorized, "invalid_client", "Client credentials are invalid.")
			return
		}
		s.issue(w, &token{clientID: id}, requested, m.scopes)
		return
	}
	for _, a := range s.apps {
		if a.clientID != id || id == "" {
			continue
		}
		var used *secret
		for _, x := range a.secrets {
			if x.value == secretValue && (x.expiresAt == 0 || s.now().Unix() < x.expiresAt) {
				used = x
			}
		}
		switch {
		case used == nil || a.revoked:
			tokenError(w, http.StatusUnauthorized, "invalid_client", "Client credentials are invalid.")
			return
		case !a.enabled:
			tokenError(w, http.StatusUnauthorized, "invalid_client", "The application is disabled.")
			return
		}
		grants, _ := a.oidc["grantTypes"].([]any)
		if !slices.Contains(grants, any("client_credentials")) {
			tokenError(w, http.StatusBadRequest, "unauthorized_client", "The client_credentials grant is not allowed for this client.")
			return
		}
		var allowed []string
		for _, scopes := range a.grants {
			allowed = append(allowed, scopes...)
		}
		s.issue(w, &token{clientID: id, appID: a.id, secretID: used.id}, requested, allowed)
		return
	}
	tokenError(w, http.StatusUnauthorized, "invalid_client", "Client credentials are invalid.")
}

// issue answers with a token holding the requested scopes that are allowed.
func (s *Server) issue(w http.ResponseWriter, t *token, requested, allowed []string) {
	for _, sc := range requested {
		if slices.Contains(allowed, sc) {
			t.scopes = append(t.scopes, sc)
		}
	}
	value := rand.Text()
	s.tokens[value] = t
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, map[string]any{"access_token": value, "token_type": "Bearer", "expires_in": 3600,
		"scope": strings.Join(t.scopes, " ")})
}
