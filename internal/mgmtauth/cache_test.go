package mgmtauth

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

//nolint:gosec // G101: fake credentials the tests look for in output
const (
	testClientID = "operator"
	// testSecret holds characters that Basic auth must form-encode.
	testSecret = "s3cr3t:+/&=never-shown"
	testAPIKey = "api-key-never-shown"
)

// newTestCache returns a cache on a fake clock.
func newTestCache(early time.Duration) (*Cache, *fakeClock) {
	c := NewCache(nil, early)
	clk := newFakeClock()
	c.now = clk.Now
	return c, clk
}

// ccSourceFor returns client credentials for the fake.
func ccSourceFor(f *fakeTokenServer, style v1alpha1.AuthStyle) Source {
	return Source{ClientCredentials: &ClientCredentials{
		TokenURL:     f.tokenURL(),
		ClientID:     testClientID,
		ClientSecret: testSecret,
		AuthStyle:    style,
	}}
}

func mustToken(t *testing.T, c *Cache, key string, src Source) string {
	t.Helper()
	tok, err := c.TokenSource(key, src).Token()
	if err != nil {
		t.Fatalf("Token: %v", err)
	}
	return tok.AccessToken
}

// assertNoSecret fails when msg holds any secret the tests use.
func assertNoSecret(t *testing.T, msg string) {
	t.Helper()
	for _, s := range []string{testSecret, url.QueryEscape(testSecret), testAPIKey} {
		if strings.Contains(msg, s) {
			t.Errorf("error message %q contains a secret", msg)
		}
	}
}

func TestWireFormat(t *testing.T) {
	tests := []struct {
		style           v1alpha1.AuthStyle
		wantContentType string
		wantBasic       bool
	}{
		{style: "", wantContentType: "application/x-www-form-urlencoded", wantBasic: true},
		{style: v1alpha1.AuthStyleBasic, wantContentType: "application/x-www-form-urlencoded", wantBasic: true},
		{style: v1alpha1.AuthStyleForm, wantContentType: "application/x-www-form-urlencoded"},
		{style: v1alpha1.AuthStyleJSON, wantContentType: "application/json"},
	}
	for _, tt := range tests {
		t.Run(string(tt.style), func(t *testing.T) {
			f := newFakeTokenServer(t, testSecret)
			src := ccSourceFor(f, tt.style)
			src.ClientCredentials.Scopes = []string{"clients:read", "clients:write"}
			src.ClientCredentials.Audience = "https://api.example.test/"
			src.ClientCredentials.ExtraParams = map[string]string{"tenant": "acme"}
			src.ClientCredentials.ExtraHeaders = map[string]string{"X-Api-Key": testAPIKey}
			c, _ := newTestCache(0)
			if got := mustToken(t, c, "k", src); got != "at-1" {
				t.Fatalf("token = %q, want at-1", got)
			}

			reqs := f.seen()
			if len(reqs) != 1 {
				t.Fatalf("requests = %d, want 1", len(reqs))
			}
			r := reqs[0]
			if r.method != http.MethodPost {
				t.Errorf("method = %s, want POST", r.method)
			}
			if !strings.HasPrefix(r.contentType, tt.wantContentType) {
				t.Errorf("content type = %q, want %q", r.contentType, tt.wantContentType)
			}
			if r.hasBasic != tt.wantBasic {
				t.Errorf("basic auth = %v, want %v", r.hasBasic, tt.wantBasic)
			}
			if tt.wantBasic {
				if r.basicUser != testClientID || r.basicPass != testSecret {
					t.Errorf("basic credentials do not match the client's")
				}
				if _, ok := r.params["client_secret"]; ok {
					t.Errorf("client_secret in the body as well as in the header")
				}
			} else if r.params["client_id"] != testClientID || r.params["client_secret"] != testSecret {
				t.Errorf("body credentials do not match the client's")
			}
			want := map[string]string{
				"grant_type": "client_credentials",
				"scope":      "clients:read clients:write",
				"audience":   "https://api.example.test/",
				"tenant":     "acme",
			}
			for k, v := range want {
				if r.params[k] != v {
					t.Errorf("param %s = %q, want %q", k, r.params[k], v)
				}
			}
			if got := r.header.Get("X-Api-Key"); got != testAPIKey {
				t.Errorf("X-Api-Key header missing on the token request")
			}
		})
	}
}

func TestCacheReusesTokenUntilEarlyRefresh(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	c, clk := newTestCache(time.Minute)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)

	for range 10 {
		if got := mustToken(t, c, "k", src); got != "at-1" {
			t.Fatalf("token = %q, want at-1", got)
		}
	}
	if n := c.Requests("k"); n != 1 {
		t.Fatalf("requests after 10 calls = %d, want 1", n)
	}

	// Just before expiry minus the early refresh: still the same token.
	clk.Advance(time.Hour - time.Minute - 2*time.Second)
	if got := mustToken(t, c, "k", src); got != "at-1" {
		t.Fatalf("token before refresh time = %q, want at-1", got)
	}
	// Past it: a new one.
	clk.Advance(4 * time.Second)
	if got := mustToken(t, c, "k", src); got != "at-2" {
		t.Fatalf("token after refresh time = %q, want at-2", got)
	}
	if n := c.Requests("k"); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}
}

func TestDayOfReconciles(t *testing.T) {
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleJSON} {
		t.Run(string(style), func(t *testing.T) {
			f := newFakeTokenServer(t, testSecret)
			c, clk := newTestCache(0)
			src := ccSourceFor(f, style)
			// A reconcile every 10s for a day, with one-hour tokens.
			for range 24 * 60 * 6 {
				mustToken(t, c, "k", src)
				clk.Advance(10 * time.Second)
			}
			// The first token, then one per hour, 60s before expiry.
			if n := c.Requests("k"); n != 25 {
				t.Errorf("token requests in a day = %d, want 25", n)
			}
		})
	}
}

func TestShortLivedTokenRefreshedAtHalfLife(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	f.set(func(f *fakeTokenServer) { f.expiresIn = 30 })
	// The early refresh (60s) is longer than the token lives (30s).
	c, clk := newTestCache(time.Minute)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)

	mustToken(t, c, "k", src)
	clk.Advance(10 * time.Second)
	mustToken(t, c, "k", src)
	if n := c.Requests("k"); n != 1 {
		t.Fatalf("requests within half-life = %d, want 1", n)
	}
	clk.Advance(6 * time.Second)
	mustToken(t, c, "k", src)
	if n := c.Requests("k"); n != 2 {
		t.Fatalf("requests after half-life = %d, want 2", n)
	}
}

func TestConcurrentTokenCallsMakeOneRequest(t *testing.T) {
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleJSON} {
		t.Run(string(style), func(t *testing.T) {
			f := newFakeTokenServer(t, testSecret)
			f.set(func(f *fakeTokenServer) { f.delay = 20 * time.Millisecond })
			c, _ := newTestCache(0)
			src := ccSourceFor(f, style)

			const callers = 50
			var (
				start sync.WaitGroup
				done  sync.WaitGroup
				mu    sync.Mutex
				got   = map[string]int{}
			)
			start.Add(1)
			for range callers {
				done.Go(func() {
					start.Wait()
					tok, err := c.TokenSource("k", src).Token()
					if err != nil {
						t.Errorf("Token: %v", err)
						return
					}
					mu.Lock()
					got[tok.AccessToken]++
					mu.Unlock()
				})
			}
			start.Done()
			done.Wait()

			if n := c.Requests("k"); n != 1 {
				t.Errorf("requests = %d, want 1", n)
			}
			if n := len(f.seen()); n != 1 {
				t.Errorf("token endpoint saw %d requests, want 1", n)
			}
			if got["at-1"] != callers {
				t.Errorf("tokens handed out = %v, want at-1 x %d", got, callers)
			}
		})
	}
}

func TestRefreshTokenUsedWhenIssued(t *testing.T) {
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleForm, v1alpha1.AuthStyleJSON} {
		t.Run(string(style), func(t *testing.T) {
			f := newFakeTokenServer(t, testSecret)
			f.set(func(f *fakeTokenServer) { f.issueRefresh = true })
			c, clk := newTestCache(0)
			src := ccSourceFor(f, style)
			src.ClientCredentials.ExtraParams = map[string]string{"tenant": "acme"}

			mustToken(t, c, "k", src)
			clk.Advance(time.Hour)
			if got := mustToken(t, c, "k", src); got != "at-2" {
				t.Fatalf("refreshed token = %q, want at-2", got)
			}
			reqs := f.seen()
			if len(reqs) != 2 {
				t.Fatalf("requests = %d, want 2", len(reqs))
			}
			r := reqs[1]
			if r.params["grant_type"] != "refresh_token" || r.params["refresh_token"] != "rt-1" {
				t.Errorf("second request: grant_type=%q refresh_token=%q, want refresh_token rt-1",
					r.params["grant_type"], r.params["refresh_token"])
			}
			if r.params["tenant"] != "acme" {
				t.Errorf("extra params missing on the refresh request")
			}

			// The server forgets its refresh tokens: fall back to the
			// client credentials grant.
			f.set(func(f *fakeTokenServer) { f.refreshTokens = map[string]bool{} })
			clk.Advance(time.Hour)
			if got := mustToken(t, c, "k", src); got != "at-3" {
				t.Fatalf("token after refused refresh = %q, want at-3", got)
			}
			reqs = f.seen()
			if len(reqs) != 4 {
				t.Fatalf("requests = %d, want 4 (refused refresh, then client credentials)", len(reqs))
			}
			if g := reqs[3].params["grant_type"]; g != "client_credentials" {
				t.Errorf("fallback grant_type = %q, want client_credentials", g)
			}
			if n := c.Requests("k"); n != 4 {
				t.Errorf("Requests = %d, want 4", n)
			}
		})
	}
}

func TestSourceChangeReplacesTokenSource(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	c, _ := newTestCache(0)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)

	ts1 := c.TokenSource("k", src)
	if _, err := ts1.Token(); err != nil {
		t.Fatal(err)
	}
	same := ccSourceFor(f, v1alpha1.AuthStyleBasic)
	if ts2 := c.TokenSource("k", same); ts2 != ts1 {
		t.Fatalf("an equal Source got a new token source")
	}

	// The credentials Secret is rotated: the old secret stops working.
	const rotated = "rotated-secret-never-shown"
	f.set(func(f *fakeTokenServer) { f.clientSecret = rotated })
	src.ClientCredentials.ClientSecret = rotated
	if got := mustToken(t, c, "k", src); got != "at-2" {
		t.Fatalf("token after rotation = %q, want at-2", got)
	}
	if n := c.Requests("k"); n != 2 {
		t.Fatalf("requests = %d, want 2", n)
	}

	// Another key is independent.
	mustToken(t, c, "other", src)
	if n := c.Requests("other"); n != 1 {
		t.Fatalf("requests for other key = %d, want 1", n)
	}

	c.Forget("k")
	if n := c.Requests("k"); n != 0 {
		t.Fatalf("requests after Forget = %d, want 0", n)
	}
	mustToken(t, c, "k", src)
	if n := c.Requests("k"); n != 1 {
		t.Fatalf("requests after Forget and Token = %d, want 1", n)
	}
}

func TestStaticSources(t *testing.T) {
	tests := []struct {
		name string
		src  Source
		want string
	}{
		{name: "initial access token", src: Source{InitialAccessToken: "iat-1"}, want: "iat-1"},
		{name: "bearer token", src: Source{BearerToken: "bearer-1"}, want: "bearer-1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, clk := newTestCache(0)
			tok, err := c.TokenSource("k", tt.src).Token()
			if err != nil {
				t.Fatal(err)
			}
			clk.Advance(24 * 365 * time.Hour)
			if tok.AccessToken != tt.want || tok.Type() != "Bearer" || !tok.Valid() {
				t.Errorf("token = %q (%s, valid %v), want %q Bearer valid", tok.AccessToken, tok.Type(), tok.Valid(), tt.want)
			}
			if n := c.Requests("k"); n != 0 {
				t.Errorf("requests = %d, want 0", n)
			}
		})
	}
}

func TestInvalidSource(t *testing.T) {
	c, _ := newTestCache(0)
	_, err := c.TokenSource("k", Source{ClientCredentials: &ClientCredentials{ClientSecret: testSecret}}).Token()
	if provider.KindOf(err) != provider.KindUnauthorized {
		t.Fatalf("kind = %s, want Unauthorized (err %v)", provider.KindOf(err), err)
	}
	if !strings.Contains(err.Error(), "clientCredentials.tokenURL: required") {
		t.Errorf("error %q does not name the field", err)
	}
	assertNoSecret(t, err.Error())
}

func TestServesCurrentTokenWhenEarlyRefreshFails(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	c, clk := newTestCache(time.Minute)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
	mustToken(t, c, "k", src)

	f.set(func(f *fakeTokenServer) { f.reply = &fakeReply{status: http.StatusServiceUnavailable} })
	clk.Advance(time.Hour - 30*time.Second)
	if got := mustToken(t, c, "k", src); got != "at-1" {
		t.Fatalf("token while refresh fails = %q, want the still valid at-1", got)
	}
	clk.Advance(time.Minute)
	_, err := c.TokenSource("k", src).Token()
	if provider.KindOf(err) != provider.KindTransient {
		t.Fatalf("after expiry: err = %v, want Transient", err)
	}
}

func TestTokenEndpointErrors(t *testing.T) {
	tests := []struct {
		name          string
		reply         fakeReply
		wantKind      provider.Kind
		wantCode      string
		wantRetry     time.Duration
		wantInMessage string
	}{
		{
			name:          "invalid_client",
			reply:         fakeReply{status: 401, body: `{"error":"invalid_client","error_description":"client authentication failed"}`},
			wantKind:      provider.KindUnauthorized,
			wantCode:      "invalid_client",
			wantInMessage: "client authentication failed",
		},
		{
			name:     "unauthorized_client",
			reply:    fakeReply{status: 400, body: `{"error":"unauthorized_client"}`},
			wantKind: provider.KindUnauthorized, wantCode: "unauthorized_client", wantInMessage: "HTTP 400",
		},
		{
			name:     "invalid_grant",
			reply:    fakeReply{status: 400, body: `{"error":"invalid_grant","error_description":"grant revoked"}`},
			wantKind: provider.KindUnauthorized, wantCode: "invalid_grant", wantInMessage: "grant revoked",
		},
		{
			name:     "invalid_scope",
			reply:    fakeReply{status: 400, body: `{"error":"invalid_scope","error_description":"clients:write not allowed"}`},
			wantKind: provider.KindUnauthorized, wantCode: "invalid_scope", wantInMessage: "scope",
		},
		{
			name:     "bare 401",
			reply:    fakeReply{status: 401, body: `Unauthorized`},
			wantKind: provider.KindUnauthorized, wantInMessage: "HTTP 401",
		},
		{
			name:     "rate limited",
			reply:    fakeReply{status: 429, header: map[string]string{"Retry-After": "7"}, body: `{"error":"too_many_requests"}`},
			wantKind: provider.KindRateLimited, wantCode: "too_many_requests", wantRetry: 7 * time.Second,
		},
		{
			name:     "unavailable",
			reply:    fakeReply{status: 503, body: `<html>down</html>`},
			wantKind: provider.KindTransient, wantInMessage: "HTTP 503",
		},
		{
			name:     "server_error",
			reply:    fakeReply{status: 500, body: `{"error":"server_error"}`},
			wantKind: provider.KindTransient, wantCode: "server_error",
		},
		{
			name:     "malformed JSON",
			reply:    fakeReply{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"access_token":`},
			wantKind: provider.KindTransient,
		},
		{
			name:     "no access token",
			reply:    fakeReply{status: 200, header: map[string]string{"Content-Type": "application/json"}, body: `{"token_type":"Bearer"}`},
			wantKind: provider.KindTransient,
		},
		{
			name: "server echoes the secret",
			reply: fakeReply{status: 401, body: `{"error":"invalid_client","error_description":"secret ` +
				testSecret + ` (` + url.QueryEscape(testSecret) + `) and key ` + testAPIKey + ` are wrong"}`},
			wantKind: provider.KindUnauthorized, wantCode: "invalid_client", wantInMessage: "[redacted]",
		},
		{
			name:     "server echoes the secret in a 500 body",
			reply:    fakeReply{status: 500, body: `client_secret=` + testSecret},
			wantKind: provider.KindTransient,
		},
	}
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleForm, v1alpha1.AuthStyleJSON} {
		for _, tt := range tests {
			t.Run(string(style)+"/"+tt.name, func(t *testing.T) {
				f := newFakeTokenServer(t, testSecret)
				f.set(func(f *fakeTokenServer) { f.reply = &tt.reply })
				c, _ := newTestCache(0)
				src := ccSourceFor(f, style)
				src.ClientCredentials.ExtraHeaders = map[string]string{"X-Api-Key": testAPIKey}

				_, err := c.TokenSource("k", src).Token()
				if err == nil {
					t.Fatal("Token succeeded, want an error")
				}
				var pe *provider.Error
				if !errors.As(err, &pe) {
					t.Fatalf("error %v is not a provider error", err)
				}
				if pe.Kind != tt.wantKind || pe.Code != tt.wantCode || pe.RetryAfter != tt.wantRetry {
					t.Errorf("got kind %s code %q retry %s, want %s %q %s", pe.Kind, pe.Code, pe.RetryAfter, tt.wantKind, tt.wantCode, tt.wantRetry)
				}
				if !strings.Contains(err.Error(), tt.wantInMessage) {
					t.Errorf("message %q does not mention %q", err, tt.wantInMessage)
				}
				assertNoSecret(t, err.Error())
			})
		}
	}
}

func TestWrongSecretIsUnauthorizedWithoutSecret(t *testing.T) {
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleForm, v1alpha1.AuthStyleJSON} {
		t.Run(string(style), func(t *testing.T) {
			f := newFakeTokenServer(t, "the-right-one")
			c, _ := newTestCache(0)
			_, err := c.TokenSource("k", ccSourceFor(f, style)).Token()
			if !errors.Is(err, provider.ErrUnauthorized) {
				t.Fatalf("err = %v, want Unauthorized", err)
			}
			if !strings.Contains(err.Error(), "invalid_client") {
				t.Errorf("message %q does not name the OAuth error code", err)
			}
			assertNoSecret(t, err.Error())
		})
	}
}

func TestNetworkFailuresAreTransient(t *testing.T) {
	tests := []struct {
		name  string
		setup func(f *fakeTokenServer) *http.Client
	}{
		{
			name: "connection refused",
			setup: func(f *fakeTokenServer) *http.Client {
				f.srv.Close()
				return nil
			},
		},
		{
			name: "timeout",
			setup: func(f *fakeTokenServer) *http.Client {
				// The fake answers only after the client gave up.
				f.set(func(f *fakeTokenServer) { f.delay = time.Minute })
				return &http.Client{Timeout: 50 * time.Millisecond}
			},
		},
	}
	for _, style := range []v1alpha1.AuthStyle{v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleJSON} {
		for _, tt := range tests {
			t.Run(string(style)+"/"+tt.name, func(t *testing.T) {
				f := newFakeTokenServer(t, testSecret)
				c := NewCache(tt.setup(f), 0)
				_, err := c.TokenSource("k", ccSourceFor(f, style)).Token()
				if !errors.Is(err, provider.ErrTransient) {
					t.Fatalf("err = %v, want Transient", err)
				}
				assertNoSecret(t, err.Error())
			})
		}
	}
}
