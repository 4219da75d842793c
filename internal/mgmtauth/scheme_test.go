package mgmtauth

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// headersSeen starts a server recording the headers of the last request.
func headersSeen(t *testing.T) (*httptest.Server, func() http.Header) {
	t.Helper()
	var (
		got  http.Header
		seen = make(chan struct{}, 100)
	)
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		seen <- struct{}{}
	}))
	t.Cleanup(srv.Close)
	return srv, func() http.Header { <-seen; return got }
}

func TestStaticSchemes(t *testing.T) {
	mustScheme := func(s Scheme, err error) Scheme {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	tests := []struct {
		name   string
		scheme Scheme
		want   map[string]string
	}{
		{name: "bearer", scheme: mustScheme(BearerScheme(testSecret)), want: map[string]string{"Authorization": "Bearer " + testSecret}},
		{name: "SSWS", scheme: mustScheme(SSWSScheme(testAPIKey)), want: map[string]string{"Authorization": "SSWS " + testAPIKey}},
		{name: "API key", scheme: mustScheme(APIKeyScheme("x-api-key", testAPIKey)), want: map[string]string{"X-Api-Key": testAPIKey}},
		{name: "API key in Authorization", scheme: mustScheme(APIKeyScheme("Authorization", "Token "+testAPIKey)), want: map[string]string{"Authorization": "Token " + testAPIKey}},
		{
			name: "token plus API key", scheme: Schemes(TokenScheme(staticTS("at-1")), mustScheme(APIKeyScheme("X-Gateway-Key", testAPIKey))),
			want: map[string]string{"Authorization": "Bearer at-1", "X-Gateway-Key": testAPIKey},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, seen := headersSeen(t)
			base := &http.Client{Timeout: 5 * time.Second}
			hc := SchemeClient(base, tt.scheme)
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			got := seen()
			for k, v := range tt.want {
				if got.Get(k) != v {
					t.Errorf("header %s not as wanted", k)
				}
			}
			if len(req.Header) != 0 {
				t.Error("the caller's request was modified")
			}
			if base.Transport != nil || hc.Timeout != base.Timeout {
				t.Error("the base client was modified or its timeout lost")
			}
			if s := fmt.Sprint(tt.scheme); strings.Contains(s, testSecret) || strings.Contains(s, testAPIKey) {
				t.Errorf("scheme prints as %q", s)
			}
		})
	}
}

func TestSchemeValidation(t *testing.T) {
	tests := []struct {
		name string
		make func() (Scheme, error)
		want string
	}{
		{name: "empty bearer", make: func() (Scheme, error) { return BearerScheme("") }, want: "bearerToken: required"},
		{name: "bearer with newline", make: func() (Scheme, error) { return BearerScheme(testSecret + "\n") }, want: "bearerToken: holds whitespace"},
		{name: "SSWS with CR LF", make: func() (Scheme, error) { return SSWSScheme(testAPIKey + "\r\nX: y") }, want: "sswsToken: holds whitespace or control characters"},
		{name: "API key bad name", make: func() (Scheme, error) { return APIKeyScheme("X Key", testAPIKey) }, want: `apiKey.header: "X Key" is not a valid header name`},
		{name: "API key reserved name", make: func() (Scheme, error) { return APIKeyScheme("content-type", testAPIKey) }, want: "apiKey.header: Content-Type is set by the operator"},
		{name: "API key empty", make: func() (Scheme, error) { return APIKeyScheme("X-Api-Key", "") }, want: "apiKey[X-Api-Key]: value required"},
		{name: "API key trailing newline", make: func() (Scheme, error) { return APIKeyScheme("X-Api-Key", testAPIKey+"\n") }, want: "apiKey[X-Api-Key]: value holds whitespace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tt.make()
			if err == nil || s != nil {
				t.Fatalf("got %v, %v; want an error", s, err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			assertNoSecret(t, err.Error())
		})
	}
}

// TestTokenSchemeUsesTheCache: each API call asks the cached source, and
// one token request serves them all.
func TestTokenSchemeUsesTheCache(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	c, clk := newTestCache(0)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
	srv, seen := headersSeen(t)
	hc := SchemeClient(nil, TokenScheme(c.TokenSource("k", src)))
	get := func() string {
		t.Helper()
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		return seen().Get("Authorization")
	}
	for range 5 {
		if got := get(); got != "Bearer at-1" {
			t.Fatalf("Authorization = %q, want Bearer at-1", got)
		}
	}
	clk.Advance(time.Hour)
	if got := get(); got != "Bearer at-2" {
		t.Fatalf("after expiry Authorization = %q, want Bearer at-2", got)
	}
	if n := c.Requests("k"); n != 2 {
		t.Errorf("token requests = %d, want 2", n)
	}
}

// closeRecorder is a request body that records being closed.
type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestSchemeErrorFailsTheRequest(t *testing.T) {
	srv, _ := headersSeen(t)
	f := newFakeTokenServer(t, "the-right-one")
	c, _ := newTestCache(0)
	hc := SchemeClient(nil, TokenScheme(c.TokenSource("k", ccSourceFor(f, v1alpha1.AuthStyleBasic))))
	body := &closeRecorder{Reader: strings.NewReader("{}")}
	req, err := http.NewRequest(http.MethodPost, srv.URL, body)
	if err != nil {
		t.Fatal(err)
	}
	_, err = hc.Do(req)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
		t.Fatalf("err = %v, want the token source's Unauthorized invalid_client", err)
	}
	if !body.closed {
		t.Error("request body not closed")
	}
	assertNoSecret(t, err.Error())

	empty := SchemeClient(nil, TokenScheme(staticTS("")))
	if _, err := empty.Get(srv.URL); provider.KindOf(err) != provider.KindUnauthorized {
		t.Errorf("empty token: err = %v, want Unauthorized", err)
	}
}

// staticTS is a token source handing out one token.
func staticTS(token string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token})
}
