package auth0_test

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
)

// TestManagementLoginWithPrivateKeyJWT: the operator's M2M application
// logs in with a client assertion instead of a secret (Auth0's Private Key
// JWT), its aud the tenant URL; an assertion for another audience is
// refused, and the adapter reports it as Unauthorized.
func TestManagementLoginWithPrivateKeyJWT(t *testing.T) {
	t.Parallel()
	srv := auth0fake.Start(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	keyPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	srv.RegisterPublicKey(&key.PublicKey)

	login := func(aud string) *auth0.Provider {
		cache := mgmtauth.NewCache(nil, 0)
		ts := cache.TokenSource(t.Name()+aud, mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
			TokenURL: srv.TokenURL, ClientID: srv.ManagementClientID,
			PrivateKey: &mgmtauth.PrivateKey{Key: keyPEM, KeyID: "operator-1"}, AssertionAudience: aud,
			Audience: srv.ManagementAudience, AuthStyle: v1alpha1.AuthStyleForm,
		}})
		return newAdapter(t, srv, func(c *auth0.Config) { c.Token = ts })
	}
	c := mustCreate(t, login(srv.Issuer), machine(srv, "keyed", "read"))
	token(t, srv, c.ClientID, c.ClientSecret, "read")

	_, err = login(srv.TokenURL).Create(t.Context(), machine(srv, "wrong-aud", "read"))
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("an assertion for the token URL instead of the tenant: %v, want Unauthorized", err)
	}
}

// TestManagementLoginWithAJSONBody: Auth0 also takes the token request as
// one JSON object (authStyle JSON).
func TestManagementLoginWithAJSONBody(t *testing.T) {
	t.Parallel()
	srv := auth0fake.Start(t)
	cache := mgmtauth.NewCache(nil, 0)
	ts := cache.TokenSource(t.Name(), mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
		TokenURL: srv.TokenURL, ClientID: srv.ManagementClientID, ClientSecret: srv.ManagementClientSecret,
		Audience: srv.ManagementAudience, AuthStyle: v1alpha1.AuthStyleJSON,
	}})
	p := newAdapter(t, srv, func(c *auth0.Config) { c.Token = ts })
	c := mustCreate(t, p, machine(srv, "json-login", "read"))
	token(t, srv, c.ClientID, c.ClientSecret, "read")
}
