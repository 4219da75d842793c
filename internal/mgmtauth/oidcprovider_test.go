package mgmtauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// wrongSecret is a secret the server never issued.
const wrongSecret = "wrong-secret-never-shown"

// TestRealAuthServer gets management tokens from the real npm oidc-provider
// (started by test/testutil/authserver; needs `make authserver-deps`)
// with each form-based auth style, and checks the server knows the tokens.
func TestRealAuthServer(t *testing.T) {
	srv := authserver.StartT(t, authserver.Options{})
	ctx := t.Context()
	tokenURL := discoverTokenEndpoint(t, ctx, srv.Issuer)

	// The basic client also introspects every token: oidc-provider lets
	// any confidential client introspect.
	basicID, basicSecret := registerCC(t, ctx, srv, "client_secret_basic")
	postID, postSecret := registerCC(t, ctx, srv, "client_secret_post")

	tests := []struct {
		name    string
		id      string
		secret  string
		style   v1alpha1.AuthStyle
		extra   map[string]string
		wantAud string
	}{
		{name: "client_secret_basic", id: basicID, secret: basicSecret, style: v1alpha1.AuthStyleBasic},
		{
			name: "client_secret_post", id: postID, secret: postSecret, style: v1alpha1.AuthStyleForm,
			// An RFC 8707 resource indicator as an extra parameter: the
			// server puts it in the token's audience.
			extra:   map[string]string{"resource": "https://api.example.test/"},
			wantAud: "https://api.example.test/",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := NewCache(nil, 0)
			src := Source{ClientCredentials: &ClientCredentials{
				TokenURL:     tokenURL,
				ClientID:     tt.id,
				ClientSecret: tt.secret,
				Scopes:       []string{"read", "write"},
				AuthStyle:    tt.style,
				ExtraParams:  tt.extra,
			}}
			for range 5 {
				tok, err := c.TokenSource(srv.Issuer, src).Token()
				if err != nil {
					t.Fatalf("Token: %v", err)
				}
				if tok.Expiry.IsZero() {
					t.Errorf("token has no expiry")
				}
			}
			if n := c.Requests(srv.Issuer); n != 1 {
				t.Errorf("requests for 5 Token calls = %d, want 1", n)
			}
			tok, err := c.TokenSource(srv.Issuer, src).Token()
			if err != nil {
				t.Fatal(err)
			}

			info, err := srv.Introspect(ctx, basicID, basicSecret, tok.AccessToken)
			if err != nil {
				t.Fatalf("introspecting: %v", err)
			}
			if info["active"] != true || info["client_id"] != tt.id || info["scope"] != "read write" {
				t.Errorf("introspection: active=%v client_id=%v scope=%v, want true %s \"read write\"",
					info["active"], info["client_id"], info["scope"], tt.id)
			}
			if tt.wantAud != "" && info["aud"] != tt.wantAud {
				t.Errorf("introspection: aud=%v, want %s", info["aud"], tt.wantAud)
			}

			// A wrong secret is refused as Unauthorized, naming the OAuth
			// error but not the secret.
			wrong := *src.ClientCredentials
			wrong.ClientSecret = wrongSecret
			_, err = NewCache(nil, 0).TokenSource("wrong", Source{ClientCredentials: &wrong}).Token()
			if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
				t.Fatalf("wrong secret: err = %v, want Unauthorized invalid_client", err)
			}
			assertNotIn(t, err.Error(), wrongSecret)
			t.Logf("wrong secret: %v", err)
			assertNotIn(t, err.Error(), tt.secret)
		})
	}

	t.Run("scope not allowed", func(t *testing.T) {
		// admin is a scope the server knows but the client did not register.
		src := Source{ClientCredentials: &ClientCredentials{
			TokenURL: tokenURL, ClientID: basicID, ClientSecret: basicSecret, Scopes: []string{"read", "admin"},
		}}
		_, err := NewCache(nil, 0).TokenSource("k", src).Token()
		if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_scope" {
			t.Fatalf("err = %v, want Unauthorized invalid_scope", err)
		}
		if !strings.Contains(err.Error(), "scope") {
			t.Errorf("message %q does not mention the scope", err)
		}
		assertNotIn(t, err.Error(), basicSecret)
		t.Logf("scope not allowed: %v", err)
	})
}

// discoverTokenEndpoint reads token_endpoint from the issuer's discovery
// document, as the operator does.
func discoverTokenEndpoint(t *testing.T, ctx context.Context, issuer string) string {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("fetching discovery: %v", err)
	}
	defer func() { _ = resp.Body.Close() }()
	var doc struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil || doc.TokenEndpoint == "" {
		t.Fatalf("discovery document has no token_endpoint (status %d, err %v)", resp.StatusCode, err)
	}
	return doc.TokenEndpoint
}

// registerCC registers a client_credentials client with the given token
// endpoint auth method and returns its ID and secret.
func registerCC(t *testing.T, ctx context.Context, srv *authserver.Server, method string) (string, string) {
	t.Helper()
	resp, err := srv.Register(ctx, map[string]any{
		"client_name":                "mgmtauth " + method,
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{},
		"token_endpoint_auth_method": method,
		"scope":                      "read write",
	})
	if err != nil {
		t.Fatalf("registering a %s client: %v", method, err)
	}
	id, _ := resp["client_id"].(string)
	secret, _ := resp["client_secret"].(string)
	if id == "" || secret == "" {
		t.Fatalf("registration returned no client_id or client_secret")
	}
	return id, secret
}

func asProviderError(err error) *provider.Error {
	if pe, ok := errors.AsType[*provider.Error](err); ok {
		return pe
	}
	return nil
}

func assertNotIn(t *testing.T, msg, secret string) {
	t.Helper()
	if secret != "" && strings.Contains(msg, secret) {
		t.Errorf("error message contains the client secret")
	}
}
