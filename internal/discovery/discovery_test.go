package discovery

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

func TestURLs(t *testing.T) {
	tests := []struct {
		issuer, rfc8414, openID, wantErr string
	}{
		{
			issuer:  "https://as.example.com",
			rfc8414: "https://as.example.com/.well-known/oauth-authorization-server",
			openID:  "https://as.example.com/.well-known/openid-configuration",
		},
		{
			issuer:  "https://as.example.com/",
			rfc8414: "https://as.example.com/.well-known/oauth-authorization-server",
			openID:  "https://as.example.com/.well-known/openid-configuration",
		},
		{
			issuer:  "https://as.example.com/tenant/one",
			rfc8414: "https://as.example.com/.well-known/oauth-authorization-server/tenant/one",
			openID:  "https://as.example.com/tenant/one/.well-known/openid-configuration",
		},
		{
			issuer:  "http://127.0.0.1:8080/realms/a%20b/",
			rfc8414: "http://127.0.0.1:8080/.well-known/oauth-authorization-server/realms/a%20b",
			openID:  "http://127.0.0.1:8080/realms/a%20b/.well-known/openid-configuration",
		},
		{issuer: "as.example.com", wantErr: "not an absolute http(s) URL"},
		{issuer: "ftp://as.example.com", wantErr: "not an absolute http(s) URL"},
		{issuer: "https://as.example.com?x=1", wantErr: "must not have a query"},
		{issuer: "https://as.example.com#frag", wantErr: "must not have a query"},
		{issuer: "https://%zz", wantErr: "parsing issuer"},
	}
	for _, tt := range tests {
		t.Run(tt.issuer, func(t *testing.T) {
			a, b, err := URLs(tt.issuer)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("URLs(%q) error = %v, want containing %q", tt.issuer, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("URLs(%q): %v", tt.issuer, err)
			}
			if a != tt.rfc8414 || b != tt.openID {
				t.Errorf("URLs(%q) = %q, %q; want %q, %q", tt.issuer, a, b, tt.rfc8414, tt.openID)
			}
		})
	}
}

// doc renders a metadata document for issuer.
func doc(issuer string) string {
	return fmt.Sprintf(`{"issuer":%q,"token_endpoint":%q,"registration_endpoint":%q,
		"introspection_endpoint":%q,"revocation_endpoint":%q,"scopes_supported":["openid"]}`,
		issuer, issuer+"/token", issuer+"/reg", issuer+"/introspect", issuer+"/revoke")
}

func TestFetch(t *testing.T) {
	type reply struct {
		status int
		body   string
	}
	tests := []struct {
		name string
		// path of the issuer below the test server's URL
		path string
		// replies by request path; missing paths get 404. "{issuer}" in a
		// body is replaced by the issuer.
		replies  map[string]reply
		wantErr  error
		wantText string
		// wantTried lists the paths requested, in order
		wantTried []string
	}{
		{
			name:      "RFC 8414 first",
			replies:   map[string]reply{"/.well-known/oauth-authorization-server": {200, "{doc}"}},
			wantTried: []string{"/.well-known/oauth-authorization-server"},
		},
		{
			name:      "RFC 8414 with a path is inserted before the path",
			path:      "/tenant",
			replies:   map[string]reply{"/.well-known/oauth-authorization-server/tenant": {200, "{doc}"}},
			wantTried: []string{"/.well-known/oauth-authorization-server/tenant"},
		},
		{
			name:      "OpenID when RFC 8414 is missing",
			path:      "/tenant",
			replies:   map[string]reply{"/tenant/.well-known/openid-configuration": {200, "{doc}"}},
			wantTried: []string{"/.well-known/oauth-authorization-server/tenant", "/tenant/.well-known/openid-configuration"},
		},
		{
			name: "OpenID when RFC 8414 names another issuer",
			replies: map[string]reply{
				"/.well-known/oauth-authorization-server": {200, `{"issuer":"https://other.example","token_endpoint":"https://other.example/t"}`},
				"/.well-known/openid-configuration":       {200, "{doc}"},
			},
			wantTried: []string{"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"},
		},
		{
			name:     "404 on both",
			path:     "/x",
			wantErr:  provider.ErrNotFound,
			wantText: "no discovery document at {issuer-root}/.well-known/oauth-authorization-server/x or {issuer}/.well-known/openid-configuration",
		},
		{
			name: "issuer mismatch names both",
			replies: map[string]reply{
				"/.well-known/openid-configuration": {200, `{"issuer":"https://evil.example","token_endpoint":"https://evil.example/t"}`},
			},
			wantErr:  ErrInvalidDocument,
			wantText: `document issuer "https://evil.example" does not equal the configured issuer "{issuer}"`,
		},
		{
			name:     "5xx is transient",
			replies:  map[string]reply{"/.well-known/openid-configuration": {503, "busy"}},
			wantErr:  provider.ErrTransient,
			wantText: "unexpected HTTP status 503",
		},
		{
			name: "5xx on RFC 8414 then 404",
			replies: map[string]reply{
				"/.well-known/oauth-authorization-server": {500, ""},
			},
			wantErr: provider.ErrTransient,
		},
		{
			name:     "malformed JSON",
			replies:  map[string]reply{"/.well-known/openid-configuration": {200, `{"issuer":`}},
			wantErr:  ErrInvalidDocument,
			wantText: "not a JSON object",
		},
		{
			name:     "missing token endpoint",
			replies:  map[string]reply{"/.well-known/openid-configuration": {200, `{"issuer":"{issuer}"}`}},
			wantErr:  ErrInvalidDocument,
			wantText: "token_endpoint is missing",
		},
		{
			name:     "too large",
			replies:  map[string]reply{"/.well-known/openid-configuration": {200, `{"issuer":"` + strings.Repeat("a", MaxDocumentSize) + `"}`}},
			wantErr:  ErrInvalidDocument,
			wantText: "larger than",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tried []string
			var srv *httptest.Server
			srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				tried = append(tried, r.URL.EscapedPath())
				rep, ok := tt.replies[r.URL.EscapedPath()]
				if !ok {
					http.NotFound(w, r)
					return
				}
				body := strings.ReplaceAll(rep.body, "{doc}", doc(srv.URL+tt.path))
				body = strings.ReplaceAll(body, "{issuer}", srv.URL+tt.path)
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(rep.status)
				_, _ = w.Write([]byte(body))
			}))
			defer srv.Close()
			issuer := srv.URL + tt.path

			ep, err := Fetch(context.Background(), srv.Client(), issuer)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Fetch error = %v, want errors.Is %v", err, tt.wantErr)
				}
				want := strings.ReplaceAll(tt.wantText, "{issuer-root}", srv.URL)
				want = strings.ReplaceAll(want, "{issuer}", issuer)
				if !strings.Contains(err.Error(), want) {
					t.Fatalf("Fetch error = %q, want containing %q", err, want)
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			want := provider.Endpoints{Issuer: issuer, Token: issuer + "/token", Registration: issuer + "/reg",
				Introspection: issuer + "/introspect", Revocation: issuer + "/revoke"}
			if ep != want {
				t.Errorf("Fetch = %+v, want %+v", ep, want)
			}
			if strings.Join(tried, " ") != strings.Join(tt.wantTried, " ") {
				t.Errorf("requested %v, want %v", tried, tt.wantTried)
			}
		})
	}
}

func TestFetchNetworkErrorIsTransient(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	issuer := srv.URL
	srv.Close() // nothing listens any more

	_, err := Fetch(context.Background(), nil, issuer)
	if !errors.Is(err, provider.ErrTransient) {
		t.Fatalf("Fetch error = %v, want transient", err)
	}
}

func TestFetchTimeoutIsTransient(t *testing.T) {
	srv := providertest.Silent(t)

	hc := &http.Client{Timeout: 50 * time.Millisecond}
	_, err := Fetch(context.Background(), hc, srv.URL)
	if !errors.Is(err, provider.ErrTransient) {
		t.Fatalf("Fetch error = %v, want transient", err)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    provider.Endpoints
		wantErr string
	}{
		{
			name: "full",
			body: doc("https://as.example.com"),
			want: provider.Endpoints{Issuer: "https://as.example.com", Token: "https://as.example.com/token", //nolint:gosec // G101: a token endpoint URL, not a credential
				Registration: "https://as.example.com/reg", Introspection: "https://as.example.com/introspect",
				Revocation: "https://as.example.com/revoke"},
		},
		{
			name: "minimal",
			body: `{"issuer":"https://a","token_endpoint":"https://a/t"}`,
			want: provider.Endpoints{Issuer: "https://a", Token: "https://a/t"}, //nolint:gosec // G101: a token endpoint URL, not a credential
		},
		{name: "empty", body: ``, wantErr: "not a JSON object"},
		{name: "array", body: `[]`, wantErr: "not a JSON object"},
		{name: "null", body: `null`, wantErr: "issuer is missing"},
		{name: "issuer not a string", body: `{"issuer":1}`, wantErr: "not a JSON object"},
		{name: "relative endpoint", body: `{"issuer":"https://a","token_endpoint":"/token"}`, wantErr: `token_endpoint "/token" is not an absolute`},
		{name: "javascript endpoint", body: `{"issuer":"https://a","token_endpoint":"https://a/t","registration_endpoint":"javascript:alert(1)"}`, wantErr: "registration_endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.body))
			if tt.wantErr != "" {
				if !errors.Is(err, ErrInvalidDocument) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Parse error = %v, want ErrInvalidDocument containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.want {
				t.Errorf("Parse = %+v, want %+v", got, tt.want)
			}
		})
	}
}
