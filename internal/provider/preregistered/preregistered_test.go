package preregistered

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// TestVerifyAtRealServer verifies pre-registered clients at the real npm
// oidc-provider (needs `make authserver-deps`): a client registered there
// with client_secret_basic, and one with client_secret_post, each with the
// matching style; a wrong secret is refused with the server's own error
// code, and the error never holds the secret.
func TestVerifyAtRealServer(t *testing.T) {
	srv := authserver.StartT(t, authserver.Options{})
	ctx := t.Context()
	register := func(method string) (string, string) {
		t.Helper()
		c, err := srv.Register(ctx, map[string]any{
			"grant_types": []string{"client_credentials"}, "response_types": []string{},
			"token_endpoint_auth_method": method, "scope": "read write",
		})
		if err != nil {
			t.Fatal(err)
		}
		return c["client_id"].(string), c["client_secret"].(string)
	}
	for _, tt := range []struct {
		method string
		style  v1alpha1.AuthStyle
	}{
		{"client_secret_basic", v1alpha1.AuthStyleBasic},
		{"client_secret_post", v1alpha1.AuthStyleForm},
	} {
		t.Run(tt.method, func(t *testing.T) {
			id, secret := register(tt.method)
			p, err := New(Config{TokenURL: srv.URL + "/token", Style: tt.style})
			if err != nil {
				t.Fatal(err)
			}
			spec := provider.ClientSpec{Scopes: []string{"read"}, GrantTypes: []string{"client_credentials"}}
			if err := p.Verify(ctx, id, secret, spec); err != nil {
				t.Fatalf("the dashboard's credentials do not verify: %v", err)
			}
			const wrong = "not-the-secret-the-dashboard-showed"
			err = p.Verify(ctx, id, wrong, spec)
			var pe *provider.Error
			if !errors.As(err, &pe) || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
				t.Fatalf("wrong secret: %v, want KindUnauthorized with the server's invalid_client", err)
			}
			if strings.Contains(err.Error(), wrong) || strings.Contains(err.Error(), secret) {
				t.Errorf("the error holds a secret: %v", err)
			}
		})
	}
}

// tokenEndpoint is a loopback token endpoint for the tests: it records the
// last request and answers with a token when the client ID and secret
// arrive in the expected place.
type tokenEndpoint struct {
	got struct {
		header http.Header
		body   string
	}
	check func(r *http.Request, body string) bool
}

func (e *tokenEndpoint) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	e.got.header, e.got.body = r.Header.Clone(), string(b)
	w.Header().Set("Content-Type", "application/json")
	if !e.check(r, string(b)) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_client","error_description":"client authentication failed"}`))
		return
	}
	_, _ = w.Write([]byte(`{"access_token":"at-123456789","token_type":"Bearer","expires_in":60}`))
}

// TestClientAuthenticationStyles: each style sends the credentials where
// it says, with the extra headers and parameters (a tenant) on the
// request.
func TestClientAuthenticationStyles(t *testing.T) {
	const id, secret = "dashboard-client", "dashboard-secret-0123456789"
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
	tests := []struct {
		style v1alpha1.AuthStyle
		check func(r *http.Request, body string) bool
	}{
		{"", func(r *http.Request, _ string) bool { return r.Header.Get("Authorization") == basic }},
		{v1alpha1.AuthStyleBasic, func(r *http.Request, _ string) bool { return r.Header.Get("Authorization") == basic }},
		{v1alpha1.AuthStyleForm, func(r *http.Request, body string) bool {
			v, _ := url.ParseQuery(body)
			return r.Header.Get("Authorization") == "" && v.Get("client_id") == id && v.Get("client_secret") == secret
		}},
		{v1alpha1.AuthStyleJSON, func(r *http.Request, body string) bool {
			var m map[string]string
			return r.Header.Get("Content-Type") == "application/json" && json.Unmarshal([]byte(body), &m) == nil &&
				m["client_id"] == id && m["client_secret"] == secret && m["grant_type"] == "client_credentials"
		}},
	}
	for _, tt := range tests {
		t.Run("style "+string(tt.style), func(t *testing.T) {
			e := &tokenEndpoint{check: tt.check}
			srv := httptest.NewServer(e)
			t.Cleanup(srv.Close)
			p, err := New(Config{TokenURL: srv.URL, Style: tt.style,
				ExtraParams: map[string]string{"tenant": "acme"}, ExtraHeaders: map[string]string{"X-Tenant": "acme"}})
			if err != nil {
				t.Fatal(err)
			}
			spec := provider.ClientSpec{Scopes: []string{"read", "write"}}
			if err := p.Verify(t.Context(), id, secret, spec); err != nil {
				t.Fatalf("Verify: %v (sent %q)", err, e.got.body)
			}
			if e.got.header.Get("X-Tenant") != "acme" {
				t.Errorf("extra header X-Tenant = %q, want acme", e.got.header.Get("X-Tenant"))
			}
			for _, want := range []string{"tenant", "acme", "read write"} {
				if !strings.Contains(e.got.body, want) && !strings.Contains(e.got.body, url.QueryEscape(want)) {
					t.Errorf("request body %q lacks %q", e.got.body, want)
				}
			}
			err = p.Verify(t.Context(), id, "wrong-secret-0123456789", spec)
			if provider.KindOf(err) != provider.KindUnauthorized || !strings.Contains(err.Error(), "client authentication failed") {
				t.Errorf("wrong secret: %v, want the server's answer", err)
			}
		})
	}
}

// TestFactoryRefusesBadBlocks: bad settings are refused on the AuthServer,
// naming the field.
func TestFactoryRefusesBadBlocks(t *testing.T) {
	endpoints := provider.Endpoints{Token: "https://idp.example.test/token"} //nolint:gosec // G101: an endpoint URL, not a credential
	tests := []struct {
		name, want string
		cfg        provider.Config
	}{
		{"no token endpoint", "spec.endpoints.token", provider.Config{Block: &v1alpha1.PreRegisteredProvider{}}},
		{"unknown style", "spec.preRegistered.clientAuthentication.style", provider.Config{
			Endpoints: endpoints,
			Block:     &v1alpha1.PreRegisteredProvider{ClientAuthentication: &v1alpha1.ClientAuthentication{Style: "SecretJWT"}},
		}},
		{"reserved parameter", "spec.preRegistered.clientAuthentication: extraParams", provider.Config{
			Endpoints: endpoints,
			Block:     &v1alpha1.PreRegisteredProvider{ClientAuthentication: &v1alpha1.ClientAuthentication{ExtraParams: map[string]string{"client_secret": "x"}}},
		}},
		{"no block", "spec.preRegistered", provider.Config{Endpoints: endpoints}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Factory(t.Context(), tt.cfg)
			if provider.KindOf(err) != provider.KindInvalidMetadata || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want InvalidMetadata naming %s", err, tt.want)
			}
		})
	}
}

// TestNothingChangesAtTheServer: Create hands back the brought credentials
// and refuses to invent any; Delete has nothing to do; rotation, the
// switch and listing belong to the dashboard.
func TestNothingChangesAtTheServer(t *testing.T) {
	var calls int
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls++ }))
	t.Cleanup(srv.Close)
	p, err := New(Config{TokenURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if !p.Capabilities().PreRegistered || p.Capabilities().CallerSuppliedSecret {
		t.Errorf("capabilities %+v, want PreRegistered only", p.Capabilities())
	}
	if _, err := p.Create(ctx, provider.ClientSpec{ClientName: "x"}); provider.KindOf(err) != provider.KindInvalidMetadata || !strings.Contains(err.Error(), "spec.credentialsFrom") {
		t.Errorf("Create without brought credentials: %v, want InvalidMetadata naming spec.credentialsFrom", err)
	}
	res, err := p.Create(ctx, provider.ClientSpec{ClientID: "c1", ClientSecret: "s1-0123456789"})
	if err != nil || res.Client.ClientID != "c1" || res.Client.ClientSecret != "s1-0123456789" {
		t.Errorf("Create = %+v, %v; want the brought credentials back", res.Client, err)
	}
	if err := p.Delete(ctx, "c1", nil); err != nil {
		t.Errorf("Delete: %v", err)
	}
	if c, err := p.Observe(ctx, "c1", nil); err != nil || c.ClientID != "c1" || len(p.Diff(provider.ClientSpec{Scopes: []string{"a"}}, c)) != 0 {
		t.Errorf("Observe = %+v, %v; want the client, never drift", c, err)
	}
	if _, err := p.RotateSecret(ctx, "c1", nil); provider.KindOf(err) != provider.KindUnsupported {
		t.Errorf("RotateSecret: %v", err)
	}
	if err := p.SetEnabled(ctx, "c1", nil, false); provider.KindOf(err) != provider.KindUnsupported {
		t.Errorf("SetEnabled: %v", err)
	}
	if _, _, err := p.List(ctx, "", ""); provider.KindOf(err) != provider.KindUnsupported {
		t.Errorf("List: %v", err)
	}
	if calls != 0 {
		t.Errorf("%d requests reached the server; want none", calls)
	}
}
