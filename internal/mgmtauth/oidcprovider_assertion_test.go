package mgmtauth

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// TestRealAuthServerClientAssertions gets management tokens from the real
// npm oidc-provider with client assertions instead of a secret sent as
// such: private_key_jwt (RS256 and ES256, PEM and JWK, chosen by kid),
// client_secret_jwt, and a JWT read from a file. The server checks the
// signature against the client's registered jwks, iss, sub, aud, exp and
// that no jti is used twice.
func TestRealAuthServerClientAssertions(t *testing.T) {
	srv := authserver.StartT(t, authserver.Options{})
	ctx := t.Context()
	tokenURL := discoverTokenEndpoint(t, ctx, srv.Issuer)
	introID, introSecret := registerCC(t, ctx, srv, "client_secret_basic")

	rsaText := pkcs8PEM(t, testRSAKey())
	ecText := ecJWK(t, testECKey(), map[string]string{"kid": "ec-1"})
	rsaKey := mustSigningKey(t, PrivateKey{Key: rsaText, KeyID: "rsa-1"})
	ecKey := mustSigningKey(t, PrivateKey{Key: ecText})
	// One client with two registered keys: the kid says which one signed.
	keyClient, _ := registerAssertionClient(t, ctx, srv, "private_key_jwt", rsaKey.PublicJWK(), ecKey.PublicJWK())

	introspect := func(t *testing.T, token, wantClient, wantAud string) {
		t.Helper()
		info, err := srv.Introspect(ctx, introID, introSecret, token)
		if err != nil {
			t.Fatalf("introspecting: %v", err)
		}
		if info["active"] != true || info["client_id"] != wantClient || info["scope"] != "read write" {
			t.Errorf("introspection: active=%v client_id=%v scope=%v, want true %s \"read write\"", info["active"], info["client_id"], info["scope"], wantClient)
		}
		if wantAud != "" && info["aud"] != wantAud {
			t.Errorf("introspection: aud=%v, want %s", info["aud"], wantAud)
		}
	}

	tests := []struct {
		name     string
		key      PrivateKey
		audience string
		resource string
	}{
		{name: "RS256 PKCS#8 PEM, kid configured", key: PrivateKey{Key: rsaText, KeyID: "rsa-1"}, resource: "https://api.example.test/"},
		{name: "ES256 JWK, kid from the JWK, audience the issuer", key: PrivateKey{Key: ecText}, audience: srv.Issuer},
	}
	for _, tt := range tests {
		t.Run("private_key_jwt "+tt.name, func(t *testing.T) {
			c := NewCache(nil, 0)
			src := Source{ClientCredentials: &ClientCredentials{
				TokenURL: tokenURL, ClientID: keyClient, PrivateKey: &tt.key,
				Scopes: []string{"read", "write"}, AssertionAudience: tt.audience,
			}}
			if tt.resource != "" {
				src.ClientCredentials.Resources = []string{tt.resource}
			}
			var tok string
			for range 3 {
				tok = mustToken(t, c, "k", src)
			}
			if n := c.Requests("k"); n != 1 {
				t.Errorf("requests for 3 Token calls = %d, want 1", n)
			}
			introspect(t, tok, keyClient, tt.resource)

			// Two more logins: each assertion has a jti of its own, or
			// the server's replay check would refuse the second.
			for range 2 {
				c.Forget("k")
				mustToken(t, c, "k", src)
			}
		})
	}

	t.Run("client_secret_jwt", func(t *testing.T) {
		id, secret := registerAssertionClient(t, ctx, srv, "client_secret_jwt")
		c := NewCache(nil, 0)
		src := Source{ClientCredentials: &ClientCredentials{
			TokenURL: tokenURL, ClientID: id, ClientSecret: secret, AuthStyle: v1alpha1.AuthStyleSecretJWT, Scopes: []string{"read", "write"},
		}}
		introspect(t, mustToken(t, c, "k", src), id, "")

		// The secret must sign: a wrong one is refused, unnamed.
		src.ClientCredentials.ClientSecret = wrongSecret + strings.Repeat("x", 32)
		_, err := NewCache(nil, 0).TokenSource("w", src).Token()
		if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
			t.Fatalf("wrong secret: err = %v, want Unauthorized invalid_client", err)
		}
		assertNotIn(t, err.Error(), wrongSecret)
	})

	t.Run("assertion file re-read for every login", func(t *testing.T) {
		// The file holds a JWT the server trusts, as a projected token
		// would; here a private_key_jwt assertion of the client, signed
		// with real time since the server checks it against its clock.
		signer := newAssertionSigner(rsaKey, keyClient, keyClient, tokenURL, 0)
		fresh := func() string {
			a, err := signer.assertion(time.Now())
			if err != nil {
				t.Fatal(err)
			}
			return a
		}
		path := tokenFile(t, fresh())
		c := NewCache(nil, 0)
		clk := newFakeClock()
		c.now = clk.Now
		src := Source{ClientCredentials: &ClientCredentials{
			TokenURL: tokenURL, ClientID: keyClient, AssertionFile: path, Scopes: []string{"read", "write"},
		}}
		introspect(t, mustToken(t, c, "k", src), keyClient, "")

		// Rotated: the next login sends the new token. Sending the old
		// one again would be refused as a replay.
		writeFile(t, path, fresh())
		clk.Advance(time.Hour)
		introspect(t, mustToken(t, c, "k", src), keyClient, "")

		// Not rotated: the same token again is refused, which shows the
		// file's content is what goes out.
		clk.Advance(time.Hour)
		_, err := c.TokenSource("k", src).Token()
		if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
			t.Fatalf("replayed file token: err = %v, want Unauthorized invalid_client", err)
		}
		t.Logf("replayed file token: %v", err)
		if strings.Contains(err.Error(), "eyJ") {
			t.Errorf("message %q holds a JWT", err)
		}
	})

	refusals := []struct {
		name string
		cc   ClientCredentials
	}{
		{name: "a key the client did not register", cc: ClientCredentials{PrivateKey: &PrivateKey{Key: pkcs1PEM(otherRSAKey()), KeyID: "rsa-1"}}},
		{name: "an audience the server is not", cc: ClientCredentials{PrivateKey: &PrivateKey{Key: rsaText, KeyID: "rsa-1"}, AssertionAudience: "https://elsewhere.example.test/"}},
		{name: "another client's ID", cc: ClientCredentials{PrivateKey: &PrivateKey{Key: rsaText, KeyID: "rsa-1"}, ClientID: introID}},
	}
	for _, tt := range refusals {
		t.Run("refused: "+tt.name, func(t *testing.T) {
			cc := tt.cc
			cc.TokenURL, cc.Scopes = tokenURL, []string{"read"}
			if cc.ClientID == "" {
				cc.ClientID = keyClient
			}
			_, err := NewCache(nil, 0).TokenSource("k", Source{ClientCredentials: &cc}).Token()
			if pe := asProviderError(err); pe == nil || pe.Kind != provider.KindUnauthorized || pe.Code != "invalid_client" {
				t.Fatalf("err = %v, want Unauthorized invalid_client", err)
			}
			t.Logf("%s: %v", tt.name, err)
			assertNoKeyMaterial(t, err.Error(), cc.PrivateKey.Key)
		})
	}
}

// registerAssertionClient registers a client_credentials client that
// authenticates with method (private_key_jwt with the given public keys,
// or client_secret_jwt) and returns its ID and, for client_secret_jwt, its
// secret.
func registerAssertionClient(t *testing.T, ctx context.Context, srv *authserver.Server, method string, keys ...map[string]any) (string, string) {
	t.Helper()
	md := map[string]any{
		"client_name":                "mgmtauth " + method,
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{},
		"token_endpoint_auth_method": method,
		"scope":                      "read write",
	}
	if len(keys) > 0 {
		md["jwks"] = map[string]any{"keys": keys}
	}
	resp, err := srv.Register(ctx, md)
	if err != nil {
		t.Fatalf("registering a %s client: %v", method, err)
	}
	id, _ := resp["client_id"].(string)
	secret, _ := resp["client_secret"].(string)
	if id == "" || (method == "client_secret_jwt" && secret == "") {
		t.Fatalf("registration returned no client_id (or no secret for client_secret_jwt)")
	}
	return id, secret
}
