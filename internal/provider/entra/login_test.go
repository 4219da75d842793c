package entra_test

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is the SHA-1 thumbprint by definition; it identifies the certificate
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra/entrafake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// testKey is one RSA key for the tests of this binary (2048-bit keys are
// slow to make): the service account's signing key in one test, the
// certificate's in another.
var testKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

const (
	saIssuer  = "https://kubernetes.default.svc.cluster.local"
	saSubject = "system:serviceaccount:oauth-client-operator-system:oauth-client-operator-controller-manager"
)

// fromFactory builds the adapter the way the AuthServer controller does:
// the entra block, the discovered endpoints, a management token source.
func fromFactory(t *testing.T, srv *entrafake.Server, ts oauth2.TokenSource) (provider.Provider, error) {
	t.Helper()
	return entra.Factory(t.Context(), provider.Config{
		Endpoints:  provider.Endpoints{Issuer: srv.Issuer(srv.URL), Token: srv.TokenURL(srv.URL)},
		HTTPClient: &http.Client{Timeout: 10 * time.Second},
		Management: ts,
		Block:      &v1alpha1.EntraProvider{TenantID: srv.Tenant, GraphURL: srv.URL},
		Owner:      "login-test",
	})
}

// login is a management token source with the given client authentication.
func login(t *testing.T, srv *entrafake.Server, clientID string, cc mgmtauth.ClientCredentials) oauth2.TokenSource {
	t.Helper()
	cc.TokenURL, cc.ClientID = srv.TokenURL(srv.URL), clientID
	cc.Scopes = []string{entrafake.GraphResource + "/.default"}
	if cc.AuthStyle == "" {
		cc.AuthStyle = v1alpha1.AuthStyleForm
	}
	return mgmtauth.NewCache(&http.Client{Timeout: 10 * time.Second}, time.Minute).TokenSource(t.Name(), mgmtauth.Source{ClientCredentials: &cc})
}

// TestFederatedLogin: the operator logs in with a service-account token as
// its client assertion (no management secret); an assertion with another
// audience is refused with Entra's reason.
func TestFederatedLogin(t *testing.T) {
	srv := entrafake.Start(t)
	key := testKey()
	const appID = "7d1c2f43-8a5b-4c6e-9f01-23456789abcd"
	srv.AddManagementApp(entrafake.ManagementApp{ClientID: appID, Federated: []entrafake.Federated{{
		Issuer: saIssuer, Subject: saSubject, Audience: entrafake.FederatedAudience,
		Keys: map[string]crypto.PublicKey{"sa-key": &key.PublicKey},
	}}})
	dir := t.TempDir()
	tokenFile := func(name, aud string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(signJWT(t, key, "sa-key", saIssuer, saSubject, aud)), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}

	p, err := fromFactory(t, srv, login(t, srv, appID, mgmtauth.ClientCredentials{AssertionFile: tokenFile("good", entrafake.FederatedAudience)}))
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Create(t.Context(), ordersSpec("federated"))
	if err != nil {
		t.Fatalf("Create logged in with a federated assertion: %v", err)
	}
	if err := srv.ClientCredentials(res.Client.ClientID, res.Client.ClientSecret, "api://fake-orders/.default"); err != nil {
		t.Errorf("the client made with a federated login gets no token: %v", err)
	}

	p, err = fromFactory(t, srv, login(t, srv, appID, mgmtauth.ClientCredentials{AssertionFile: tokenFile("wrong-aud", "https://kubernetes.default.svc")}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Create(t.Context(), ordersSpec("federated-wrong"))
	if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "AADSTS700212") {
		t.Errorf("Create with an assertion of another audience: error = %v, want Unauthorized with AADSTS700212 (the audience)", err)
	}
}

// TestCertificateLogin: private_key_jwt with the certificate's thumbprint
// (x5t), as Entra finds certificate credentials.
func TestCertificateLogin(t *testing.T) {
	srv := entrafake.Start(t)
	key := testKey()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oauth-client-operator"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha1.Sum(der) //nolint:gosec // the x5t thumbprint
	const appID = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
	srv.AddManagementApp(entrafake.ManagementApp{ClientID: appID,
		Certificates: map[string]crypto.PublicKey{base64.RawURLEncoding.EncodeToString(sum[:]): &key.PublicKey}})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	ts := login(t, srv, appID, mgmtauth.ClientCredentials{PrivateKey: &mgmtauth.PrivateKey{Key: string(keyPEM), Certificate: string(certPEM)}})
	p, err := fromFactory(t, srv, ts)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Create(t.Context(), ordersSpec("certificate")); err != nil {
		t.Errorf("Create logged in with a certificate: %v", err)
	}
}

// TestFactoryChecksTheBlock: the issuer must be on the cloud's login host
// and the tenant's; the credentials must be there.
func TestFactoryChecksTheBlock(t *testing.T) {
	const tenant = "11111111-2222-4333-8444-555555555555"
	ts := oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "unused"})
	cases := []struct {
		name, issuer, want string
		block              v1alpha1.EntraProvider
		ts                 oauth2.TokenSource
	}{
		{"global", "https://login.microsoftonline.com/" + tenant + "/v2.0", "", v1alpha1.EntraProvider{TenantID: tenant}, ts},
		{"a domain tenant", "https://login.microsoftonline.com/" + tenant + "/v2.0", "", v1alpha1.EntraProvider{TenantID: "contoso.onmicrosoft.com"}, ts},
		{"US government", "https://login.microsoftonline.us/" + tenant + "/v2.0", "", v1alpha1.EntraProvider{TenantID: tenant, Cloud: v1alpha1.EntraCloudUSGovernment}, ts},
		{"the wrong cloud", "https://login.microsoftonline.com/" + tenant + "/v2.0", "spec.issuerURL", v1alpha1.EntraProvider{TenantID: tenant, Cloud: v1alpha1.EntraCloudChina}, ts},
		{"another tenant", "https://login.microsoftonline.com/99999999-2222-4333-8444-555555555555/v2.0", "spec.issuerURL", v1alpha1.EntraProvider{TenantID: tenant}, ts},
		{"no credentials", "https://login.microsoftonline.com/" + tenant + "/v2.0", "spec.credentials", v1alpha1.EntraProvider{TenantID: tenant}, nil},
		{"a graph URL with /v1.0", "https://login.microsoftonline.com/" + tenant + "/v2.0", "spec.entra.graphURL", v1alpha1.EntraProvider{TenantID: tenant, GraphURL: "https://graph.example/v1.0"}, ts},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			block := c.block
			_, err := entra.Factory(t.Context(), provider.Config{Endpoints: provider.Endpoints{Issuer: c.issuer}, Management: c.ts, Block: &block})
			switch {
			case c.want == "" && err != nil:
				t.Errorf("Factory: %v", err)
			case c.want != "" && (!errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.want)):
				t.Errorf("Factory: error = %v, want InvalidMetadata naming %s", err, c.want)
			}
		})
	}
}

// signJWT signs an RS256 JWT with the claims of a service-account token.
func signJWT(t *testing.T, key *rsa.PrivateKey, kid, iss, sub, aud string) string {
	t.Helper()
	now := time.Now()
	jwt, err := fakeauth.SignRS256(key, map[string]any{"kid": kid, "typ": "JWT"},
		map[string]any{"iss": iss, "sub": sub, "aud": []string{aud}, "iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}
