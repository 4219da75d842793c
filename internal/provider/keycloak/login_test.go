package keycloak_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
)

// pemKey encodes a private key as PKCS#8 PEM.
func pemKey(t *testing.T, key any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// The operator logs in to Keycloak as its management client of realm
// master through internal/mgmtauth, as spec.credentials.clientCredentials
// says: with the secret as HTTP Basic or in the form, or with a private key
// (Keycloak's "Signed JWT" authenticator, private_key_jwt). Credentials
// Keycloak refuses are Unauthorized.
func TestManagementLogin(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	otherKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	const secret = "management-secret-of-the-test-1f2e"
	f.AddAdminClient("master", "op-secret", secret, operatorRoles...)
	f.AddAdminClientWithKey("master", "op-rsa", &rsaKey.PublicKey, operatorRoles...)
	f.AddAdminClientWithKey("master", "op-ec", &ecKey.PublicKey, operatorRoles...)
	tokenURL := f.URL + "/realms/master/protocol/openid-connect/token"
	cases := []struct {
		name  string
		creds mgmtauth.ClientCredentials
		ok    bool
	}{
		{"secret, Basic", mgmtauth.ClientCredentials{ClientID: "op-secret", ClientSecret: secret}, true},
		{"secret, Form", mgmtauth.ClientCredentials{ClientID: "op-secret", ClientSecret: secret, AuthStyle: v1alpha1.AuthStyleForm}, true},
		{"RSA private key", mgmtauth.ClientCredentials{ClientID: "op-rsa", PrivateKey: &mgmtauth.PrivateKey{Key: pemKey(t, rsaKey)}}, true},
		{"EC private key", mgmtauth.ClientCredentials{ClientID: "op-ec", PrivateKey: &mgmtauth.PrivateKey{Key: pemKey(t, ecKey)}}, true},
		{"wrong secret", mgmtauth.ClientCredentials{ClientID: "op-secret", ClientSecret: secret + "x"}, false},
		{"another key", mgmtauth.ClientCredentials{ClientID: "op-ec", PrivateKey: &mgmtauth.PrivateKey{Key: pemKey(t, otherKey)}}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.creds.TokenURL = tokenURL
			src := mgmtauth.NewCache(nil, 0).TokenSource("login", mgmtauth.Source{ClientCredentials: &c.creds})
			p := f.adapter(t, func(cfg *keycloak.Config) { cfg.Token = src })
			spec := machine(c.name, "read")
			res, err := p.Create(ctx(t), spec)
			if !c.ok {
				if !errors.Is(err, provider.ErrUnauthorized) {
					t.Errorf("Create with refused credentials: %v, want Unauthorized", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if err := p.Delete(ctx(t), res.Client.ClientID, res.State); err != nil {
				t.Errorf("Delete: %v", err)
			}
		})
	}
}
