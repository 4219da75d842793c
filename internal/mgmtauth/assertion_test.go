package mgmtauth

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// testAssertion is a token as a projected service-account token file holds
// it: three base64url parts. Its value stands for a secret.
const testAssertion = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLW5ldmVyLXNob3du"

// writeFile writes content to path, replacing it as the kubelet does (a new
// file renamed over the old one).
func writeFile(t *testing.T, path, content string) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// tokenFile returns the path of a file holding content, in a test dir.
func tokenFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "token")
	writeFile(t, path, content)
	return path
}

func TestPrivateKeyJWTWireFormat(t *testing.T) {
	rsaKey, ecKey := testRSAKey(), testECKey()
	tests := []struct {
		name      string
		key       string
		public    any
		style     v1alpha1.AuthStyle
		wantJSON  bool
		wantKeyID string
	}{
		{name: "RS256 PEM, form", key: pkcs8PEM(t, rsaKey), public: &rsaKey.PublicKey, wantKeyID: "k1"},
		{name: "ES256 JWK, form", key: ecJWK(t, ecKey, nil), public: &ecKey.PublicKey, style: v1alpha1.AuthStyleForm, wantKeyID: "k1"},
		{name: "ES256 SEC1, JSON", key: sec1PEM(t, ecKey), public: &ecKey.PublicKey, style: v1alpha1.AuthStyleJSON, wantJSON: true, wantKeyID: "k1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTokenServer(t, "no-secret-for-this-client")
			f.set(func(f *fakeTokenServer) { f.verifyAssertion = assertionVerifier(tt.public, testClientID, f.tokenURL()) })
			c, clk := newTestCache(0)
			src := Source{ClientCredentials: &ClientCredentials{
				TokenURL:   f.tokenURL(),
				ClientID:   testClientID,
				PrivateKey: &PrivateKey{Key: tt.key, KeyID: "k1"},
				Scopes:     []string{"okta.apps.manage", "okta.apps.read"},
				Resources:  []string{"https://api.example.test/", "https://other.example.test/"},
				AuthStyle:  tt.style,
			}}
			if got := mustToken(t, c, "k", src); got != "at-1" {
				t.Fatalf("token = %q, want at-1", got)
			}
			r := f.seen()[0]
			if r.hasBasic || r.params["client_secret"] != "" {
				t.Errorf("a secret was sent beside the assertion")
			}
			want := map[string]string{
				"grant_type":            "client_credentials",
				"client_id":             testClientID,
				"client_assertion_type": ClientAssertionTypeJWT,
				"scope":                 "okta.apps.manage okta.apps.read",
			}
			for k, v := range want {
				if r.params[k] != v {
					t.Errorf("param %s = %q, want %q", k, r.params[k], v)
				}
			}
			if tt.wantJSON {
				res, _ := r.json["resource"].([]any)
				if len(res) != 2 || !strings.HasPrefix(r.contentType, "application/json") {
					t.Errorf("JSON body resource = %v (content type %s), want an array of two", r.json["resource"], r.contentType)
				}
			} else if got := r.values["resource"]; len(got) != 2 || got[0] != "https://api.example.test/" || got[1] != "https://other.example.test/" {
				t.Errorf("form resource = %v, want both indicators", got)
			}
			j, err := verifyJWT(r.params["client_assertion"], tt.public)
			if err != nil {
				t.Fatal(err)
			}
			if j.header["kid"] != tt.wantKeyID {
				t.Errorf("kid = %v, want %s", j.header["kid"], tt.wantKeyID)
			}
			if j.unix("iat") != clk.Now().Unix() || j.unix("exp") != clk.Now().Add(DefaultAssertionLifetime).Unix() {
				t.Errorf("iat %d exp %d, want the cache clock's %d and +%s", j.unix("iat"), j.unix("exp"), clk.Now().Unix(), DefaultAssertionLifetime)
			}
		})
	}
}

func TestAssertionAudience(t *testing.T) {
	key := testECKey()
	const issuer = "https://as.example.test"
	tests := []struct {
		name     string
		audience string
		wantErr  bool
	}{
		{name: "configured to the issuer", audience: issuer},
		{name: "default is the token URL", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTokenServer(t, "unused")
			// This fake wants the issuer as the audience.
			f.set(func(f *fakeTokenServer) { f.verifyAssertion = assertionVerifier(&key.PublicKey, testClientID, issuer) })
			c, _ := newTestCache(0)
			src := Source{ClientCredentials: &ClientCredentials{
				TokenURL: f.tokenURL(), ClientID: testClientID, AssertionAudience: tt.audience,
				AssertionLifetime: time.Minute,
				PrivateKey:        &PrivateKey{Key: sec1PEM(t, key)},
			}}
			_, err := c.TokenSource("k", src).Token()
			if !tt.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
				t.Fatalf("err = %v, want Unauthorized invalid_client", err)
			}
		})
	}
}

func TestClientSecretJWT(t *testing.T) {
	f := newFakeTokenServer(t, testSecret)
	f.set(func(f *fakeTokenServer) {
		f.verifyAssertion = assertionVerifier([]byte(testSecret), testClientID, f.tokenURL())
		f.issueRefresh = true
	})
	c, clk := newTestCache(0)
	src := ccSourceFor(f, v1alpha1.AuthStyleSecretJWT)
	mustToken(t, c, "k", src)
	clk.Advance(time.Hour)
	// The refresh request authenticates with a new assertion (a new jti:
	// the fake refuses a replayed one).
	if got := mustToken(t, c, "k", src); got != "at-2" {
		t.Fatalf("token after refresh = %q, want at-2", got)
	}
	for i, r := range f.seen() {
		if r.hasBasic || r.params["client_secret"] != "" {
			t.Errorf("request %d sent the secret itself", i)
		}
		if r.params["client_assertion"] == "" {
			t.Errorf("request %d has no client assertion", i)
		}
	}
	if g := f.seen()[1].params["grant_type"]; g != "refresh_token" {
		t.Errorf("second grant_type = %q, want refresh_token", g)
	}
}

// TestFederatedClientAssertion is the Entra ID workload identity form:
// client credentials with the token in a file as the client assertion.
func TestFederatedClientAssertion(t *testing.T) {
	path := tokenFile(t, testAssertion+"\n")
	var current string
	f := newFakeTokenServer(t, "unused")
	f.set(func(f *fakeTokenServer) {
		f.verifyAssertion = func(a string) (string, error) {
			if a != current {
				return "", errors.New("not the current token")
			}
			return testClientID, nil
		}
	})
	setCurrent := func(s string) { f.set(func(*fakeTokenServer) { current = s }) }
	setCurrent(testAssertion)

	c, clk := newTestCache(0)
	src := Source{ClientCredentials: &ClientCredentials{
		TokenURL: f.tokenURL(), ClientID: testClientID, AssertionFile: path,
		Scopes: []string{"https://graph.microsoft.com/.default"},
	}}
	if got := mustToken(t, c, "k", src); got != "at-1" {
		t.Fatalf("token = %q", got)
	}
	r := f.seen()[0]
	if r.params["client_assertion"] != testAssertion || r.params["client_id"] != testClientID ||
		r.params["client_assertion_type"] != ClientAssertionTypeJWT || r.params["scope"] != "https://graph.microsoft.com/.default" {
		t.Errorf("request params %v", r.params)
	}

	// The kubelet rotates the token; the next fetch sends the new one.
	const rotated = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJyb3RhdGVkIn0.cm90YXRlZC1uZXZlci1zaG93bg"
	writeFile(t, path, rotated)
	setCurrent(rotated)
	clk.Advance(time.Hour)
	if got := mustToken(t, c, "k", src); got != "at-2" {
		t.Fatalf("token after rotation = %q, want at-2", got)
	}
	if a := f.seen()[1].params["client_assertion"]; a != rotated {
		t.Errorf("second request sent the old token")
	}
}

func TestJWTBearerGrant(t *testing.T) {
	tests := []struct {
		name       string
		clientID   string
		secret     string
		style      v1alpha1.AuthStyle
		wantBasic  bool
		wantID     bool
		wantSecret bool
	}{
		{name: "no client authentication"},
		{name: "client ID only", clientID: testClientID, wantID: true},
		{name: "client secret, Basic", clientID: testClientID, secret: testSecret, wantBasic: true},
		{name: "client secret, form", clientID: testClientID, secret: testSecret, style: v1alpha1.AuthStyleForm, wantID: true, wantSecret: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := tokenFile(t, testAssertion)
			f := newFakeTokenServer(t, testSecret)
			var grants []string
			f.set(func(f *fakeTokenServer) {
				f.acceptGrant = func(a string) error {
					grants = append(grants, a)
					return nil
				}
			})
			c, clk := newTestCache(0)
			src := Source{JWTBearer: &JWTBearer{
				TokenURL: f.tokenURL(), AssertionFile: path,
				ClientID: tt.clientID, ClientSecret: tt.secret, AuthStyle: tt.style,
				Scopes: []string{"clients:write"}, Audience: "https://api.example.test/",
				Resources:   []string{"https://api.example.test/"},
				ExtraParams: map[string]string{"tenant": "acme"},
			}}
			if got := mustToken(t, c, "k", src); got != "at-1" {
				t.Fatalf("token = %q", got)
			}
			r := f.seen()[0]
			want := map[string]string{
				"grant_type": GrantTypeJWTBearer, "assertion": testAssertion, "scope": "clients:write",
				"audience": "https://api.example.test/", "resource": "https://api.example.test/", "tenant": "acme",
			}
			for k, v := range want {
				if r.params[k] != v {
					t.Errorf("param %s = %q, want %q", k, r.params[k], v)
				}
			}
			if r.hasBasic != tt.wantBasic || (r.params["client_id"] != "") != tt.wantID || (r.params["client_secret"] != "") != tt.wantSecret {
				t.Errorf("basic %v, client_id %q, client_secret set %v; want %v %v %v",
					r.hasBasic, r.params["client_id"], r.params["client_secret"] != "", tt.wantBasic, tt.wantID, tt.wantSecret)
			}
			if _, ok := r.params["client_assertion"]; ok {
				t.Error("a client assertion beside the grant's assertion")
			}

			// Read again for every fetch: the rotated token goes out next.
			const rotated = "aaaa.bbbb.cccc"
			writeFile(t, path, rotated)
			clk.Advance(time.Hour)
			mustToken(t, c, "k", src)
			if len(grants) != 2 || grants[1] != rotated {
				t.Errorf("assertions presented = %d, the second the rotated one: %v", len(grants), grants[1:] != nil && grants[1] == rotated)
			}
		})
	}
}

// TestJWTBearerSignedAssertion is the JWT profile of servers such as
// ZITADEL: the assertion is signed with the operator's key.
func TestJWTBearerSignedAssertion(t *testing.T) {
	key := testRSAKey()
	const issuer = "https://zitadel.example.test"
	f := newFakeTokenServer(t, testSecret)
	var got parsedJWT
	f.set(func(f *fakeTokenServer) {
		f.acceptGrant = func(a string) error {
			j, err := verifyJWT(a, &key.PublicKey)
			got = j
			return err
		}
	})
	c, clk := newTestCache(0)
	src := Source{JWTBearer: &JWTBearer{
		TokenURL:          f.tokenURL(),
		PrivateKey:        &PrivateKey{Key: rsaJWK(key, map[string]string{"kid": "machine-key-1"})},
		Issuer:            "user-123",
		Subject:           "user-123",
		AssertionAudience: issuer,
		AssertionLifetime: 10 * time.Minute,
		Scopes:            []string{"openid", "urn:zitadel:iam:org:project:id:zitadel:aud"},
	}}
	mustToken(t, c, "k", src)
	if got.claim("iss") != "user-123" || got.claim("sub") != "user-123" || got.claim("aud") != issuer ||
		got.header["kid"] != "machine-key-1" || got.unix("exp") != clk.Now().Add(10*time.Minute).Unix() {
		t.Errorf("assertion header %v claims %v", got.header, got.claims)
	}
}

func TestRefreshTokenWithJWTBearer(t *testing.T) {
	path := tokenFile(t, testAssertion)
	f := newFakeTokenServer(t, testSecret)
	f.set(func(f *fakeTokenServer) {
		f.issueRefresh = true
		f.acceptGrant = func(string) error { return nil }
	})
	c, clk := newTestCache(0)
	src := Source{JWTBearer: &JWTBearer{TokenURL: f.tokenURL(), AssertionFile: path, ClientID: testClientID, ClientSecret: testSecret}}
	mustToken(t, c, "k", src)

	// The refresh token is used first: it needs no assertion, so it works
	// even while the token file is away.
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Hour)
	if got := mustToken(t, c, "k", src); got != "at-2" {
		t.Fatalf("refreshed token = %q, want at-2", got)
	}
	if r := f.seen()[1]; r.params["grant_type"] != "refresh_token" || r.params["refresh_token"] != "rt-1" || r.params["assertion"] != "" {
		t.Errorf("second request %v, want a refresh with rt-1 and no assertion", r.params)
	}

	// The server forgets its refresh tokens: a full login again, which
	// needs the file, whose absence is a clear Unauthorized error.
	f.set(func(f *fakeTokenServer) { f.refreshTokens = map[string]bool{} })
	clk.Advance(time.Hour)
	_, err := c.TokenSource("k", src).Token()
	if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized {
		t.Fatalf("err = %v, want Unauthorized", err)
	}
	if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "no such file") {
		t.Errorf("message %q does not say which file is missing", err)
	}
	writeFile(t, path, testAssertion)
	if got := mustToken(t, c, "k", src); got != "at-3" {
		t.Fatalf("token after the file came back = %q, want at-3", got)
	}
	if g := f.seen()[len(f.seen())-1].params["grant_type"]; g != GrantTypeJWTBearer {
		t.Errorf("last grant_type = %q, want the JWT bearer grant", g)
	}
}

func TestAssertionFileErrors(t *testing.T) {
	const secretish = "secret-content-never-shown"
	tests := []struct {
		name    string
		content *string
		want    string
	}{
		{name: "missing", want: "no such file or directory"},
		{name: "empty", content: new("\n"), want: "is empty"},
		{name: "not a JWT", content: new(secretish), want: "does not hold a JWT"},
		{name: "four parts", content: new("a.b.c.d"), want: "does not hold a JWT"},
		{name: "empty part", content: new("a..c"), want: "does not hold a JWT"},
		{name: "empty first and last part", content: new(".a."), want: "does not hold a JWT"},
		{name: "bad characters", content: new("a.b c." + secretish), want: "holds characters a JWT cannot hold"},
		{name: "too long", content: new(strings.Repeat("a", maxAssertionBytes+1)), want: "longer than 64 KiB"},
	}
	for _, tt := range tests {
		for _, kind := range []string{"clientCredentials", "jwtBearer"} {
			t.Run(kind+"/"+tt.name, func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "token")
				if tt.content != nil {
					writeFile(t, path, *tt.content)
				}
				f := newFakeTokenServer(t, testSecret)
				src := Source{JWTBearer: &JWTBearer{TokenURL: f.tokenURL(), AssertionFile: path}}
				if kind == "clientCredentials" {
					src = Source{ClientCredentials: &ClientCredentials{TokenURL: f.tokenURL(), ClientID: testClientID, AssertionFile: path}}
				}
				c, _ := newTestCache(0)
				_, err := c.TokenSource("k", src).Token()
				if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized {
					t.Fatalf("err = %v, want Unauthorized", err)
				}
				if !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), path) {
					t.Errorf("message %q does not say %q about %s", err, tt.want, path)
				}
				if strings.Contains(err.Error(), secretish) {
					t.Errorf("message %q holds the file's content", err)
				}
				if n := len(f.seen()); n != 0 {
					t.Errorf("%d requests sent without an assertion", n)
				}
			})
		}
	}
}

// echoServer answers every token request with invalid_client, quoting in
// its description everything it received: a server that echoes.
func echoServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		b, _ := json.Marshal(r.PostForm)
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": "got " + string(b) + " " + r.Header.Get("Authorization")})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestAssertionsRedacted(t *testing.T) {
	srv := echoServer(t)
	keyText := pkcs8PEM(t, testRSAKey())
	tests := []struct {
		name string
		src  func(path string) Source
	}{
		{name: "private_key_jwt", src: func(string) Source {
			return Source{ClientCredentials: &ClientCredentials{TokenURL: srv.URL, ClientID: testClientID, PrivateKey: &PrivateKey{Key: keyText}}}
		}},
		{name: "client_secret_jwt", src: func(string) Source {
			return Source{ClientCredentials: &ClientCredentials{TokenURL: srv.URL, ClientID: testClientID, ClientSecret: testSecret, AuthStyle: v1alpha1.AuthStyleSecretJWT}}
		}},
		{name: "federated assertion file", src: func(path string) Source {
			return Source{ClientCredentials: &ClientCredentials{TokenURL: srv.URL, ClientID: testClientID, AssertionFile: path}}
		}},
		{name: "JWT bearer from file", src: func(path string) Source {
			return Source{JWTBearer: &JWTBearer{TokenURL: srv.URL, AssertionFile: path, ClientID: testClientID, ClientSecret: testSecret}}
		}},
		{name: "JWT bearer signed", src: func(string) Source {
			return Source{JWTBearer: &JWTBearer{TokenURL: srv.URL, PrivateKey: &PrivateKey{Key: keyText}, Issuer: "i", Subject: "s"}}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestCache(0)
			_, err := c.TokenSource("k", tt.src(tokenFile(t, testAssertion))).Token()
			if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
				t.Fatalf("err = %v, want Unauthorized invalid_client", err)
			}
			msg := err.Error()
			if !strings.Contains(msg, redacted) {
				t.Errorf("message %q: the echoed credential was not redacted", msg)
			}
			// A JWT's header part is the same for every assertion of a
			// key; its signature is what must never show.
			for part := range strings.SplitSeq(testAssertion, ".") {
				if strings.Contains(msg, part) {
					t.Errorf("message %q holds the file's assertion", msg)
				}
			}
			if strings.Count(msg, "eyJ") > 0 {
				t.Errorf("message %q holds a JWT", msg)
			}
			assertNoSecret(t, msg)
			assertNoKeyMaterial(t, msg, keyText)
		})
	}
}

func TestAssertionSourcesTypedErrors(t *testing.T) {
	keyText := sec1PEM(t, testECKey())
	sources := map[string]func(tokenURL, path string) Source{
		"private_key_jwt": func(u, _ string) Source {
			return Source{ClientCredentials: &ClientCredentials{TokenURL: u, ClientID: testClientID, PrivateKey: &PrivateKey{Key: keyText}}}
		},
		"federated": func(u, p string) Source {
			return Source{ClientCredentials: &ClientCredentials{TokenURL: u, ClientID: testClientID, AssertionFile: p}}
		},
		"jwt bearer": func(u, p string) Source { return Source{JWTBearer: &JWTBearer{TokenURL: u, AssertionFile: p}} },
	}
	replies := []struct {
		name      string
		reply     fakeReply
		wantKind  provider.Kind
		wantCode  string
		wantRetry time.Duration
	}{
		{name: "invalid_client", reply: fakeReply{status: 401, body: `{"error":"invalid_client"}`}, wantKind: provider.KindUnauthorized, wantCode: "invalid_client"},
		{name: "invalid_grant", reply: fakeReply{status: 400, body: `{"error":"invalid_grant","error_description":"token expired"}`}, wantKind: provider.KindUnauthorized, wantCode: "invalid_grant"},
		{name: "rate limited", reply: fakeReply{status: 429, header: map[string]string{"Retry-After": "12"}}, wantKind: provider.KindRateLimited, wantRetry: 12 * time.Second},
		{name: "unavailable", reply: fakeReply{status: 503}, wantKind: provider.KindTransient},
	}
	for name, mk := range sources {
		for _, tt := range replies {
			t.Run(name+"/"+tt.name, func(t *testing.T) {
				f := newFakeTokenServer(t, testSecret)
				f.set(func(f *fakeTokenServer) { f.reply = &tt.reply })
				c, _ := newTestCache(0)
				_, err := c.TokenSource("k", mk(f.tokenURL(), tokenFile(t, testAssertion))).Token()
				pe := asProviderError(err)
				if pe == nil || pe.Kind != tt.wantKind || pe.Code != tt.wantCode || pe.RetryAfter != tt.wantRetry {
					t.Fatalf("err = %v, want %s %q retry %s", err, tt.wantKind, tt.wantCode, tt.wantRetry)
				}
			})
		}
	}
}

// TestLongSecretEchoedIsRedacted: a server quoting a secret longer than
// the description limit must not leave its first part in the message (the
// shortening would otherwise cut it before redaction could find it whole).
func TestLongSecretEchoedIsRedacted(t *testing.T) {
	long := strings.Repeat("long-secret-never-shown-", 20)
	srv := echoServer(t)
	c, _ := newTestCache(0)
	_, err := c.TokenSource("k", Source{ClientCredentials: &ClientCredentials{
		TokenURL: srv.URL, ClientID: testClientID, ClientSecret: long, AuthStyle: v1alpha1.AuthStyleForm,
	}}).Token()
	if err == nil {
		t.Fatal("want an error")
	}
	if strings.Contains(err.Error(), "long-secret-never-shown") {
		t.Errorf("message %q holds part of the secret", err)
	}
}
