package dynamicregistration

import (
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// FuzzParseClientInfo checks that the response parser never panics, that
// what it accepts is internally consistent, and that the error mapping never
// lets the bearer token or a returned secret into an error message.
func FuzzParseClientInfo(f *testing.F) {
	f.Add([]byte(`{"client_id":"c1","client_secret":"s","registration_access_token":"r","registration_client_uri":"https://a/reg/c1","scope":"a b"}`), 400)
	f.Add([]byte(`{"error":"invalid_redirect_uri","error_description":"no"}`), 400)
	f.Add([]byte(`{"client_secret_expires_at":1e10,"grant_types":["x",1]}`), 201)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		info, err := parseClientInfo(body)
		if err == nil {
			for _, s := range info.Spec.Scopes {
				if s == "" || strings.ContainsAny(s, " \t\n") {
					t.Fatalf("scope %q is not a single token", s)
				}
			}
			if !info.SecretExpiresAt.IsZero() && info.SecretExpiresAt.Unix() <= 0 {
				t.Fatalf("expiry %v out of range", info.SecretExpiresAt)
			}
			for _, k := range reserved {
				if _, ok := info.Spec.Extra[k]; ok {
					t.Fatalf("reserved field %s leaked into Extra", k)
				}
			}
		}

		const token = "TOKEN-never-shown"
		e := statusError(configurationEndpoint, status, http.Header{}, body, token)
		msg := e.Error()
		if strings.Contains(msg, token) {
			t.Fatalf("error %q holds the token", msg)
		}
		if !utf8.ValidString(msg) {
			t.Fatalf("error %q is not valid UTF-8", msg)
		}
		if status == http.StatusBadRequest && !provider.IsTerminal(e) {
			t.Fatalf("400 is not terminal: %v", e)
		}
	})
}
