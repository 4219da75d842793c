package okta_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta/oktafake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

const (
	apiToken     = "okta-fake-api-token-0123456789" //nolint:gosec // G101: the fake org's made-up API token
	serviceAppID = "0oaoperatorservice"
)

// managementScopes are the scopes the operator's service app asks for.
var managementScopes = []string{"okta.apps.read", "okta.apps.manage", "okta.authorizationServers.read", "okta.authorizationServers.manage"}

// org is a fake Okta org behind the contract checker, with the operator's
// service app registered for private_key_jwt.
type org struct {
	fake *oktafake.Fake
	url  string
	// login is the service app's token source (private_key_jwt at the
	// org authorization server).
	login oauth2.TokenSource
}

var (
	keyOnce sync.Once
	key     *rsa.PrivateKey
	keyPEM  string
)

// serviceKey is one RSA key for every test of the binary (2048-bit keys
// are slow to make).
func serviceKey(t *testing.T) (string, *rsa.PublicKey) {
	t.Helper()
	keyOnce.Do(func() {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			panic(err)
		}
		der, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			panic(err)
		}
		keyPEM = string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	})
	return keyPEM, &key.PublicKey
}

// newOrg starts a fake org; every request the adapter sends and every
// answer the fake gives is checked against Okta's management API document.
func newOrg(t *testing.T, opts ...contract.Option) *org {
	t.Helper()
	allow := append([]contract.Option{
		// Okta's token endpoints and metadata are in its OAuth document, not
		// the management one.
		contract.Outside("POST", "/oauth2/v1/token"),
		contract.Outside("POST", "/oauth2/{authServerId}/v1/token"),
		contract.Outside("GET", "/oauth2/{authServerId}/.well-known/openid-configuration"),
		contract.Outside("GET", "/oauth2/{authServerId}/.well-known/oauth-authorization-server"),
	}, opts...)
	spec := contract.Load(t, "okta/management-minimal.yaml", allow...)
	fake := oktafake.New(oktafake.Options{APIToken: apiToken})
	pemKey, pub := serviceKey(t)
	fake.AddServiceApp(serviceAppID, pub, managementScopes...)
	srv := httptest.NewServer(spec.Handler(t, fake))
	t.Cleanup(srv.Close)
	cache := mgmtauth.NewCache(srv.Client(), 0)
	login := cache.TokenSource("okta", mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
		TokenURL: srv.URL + "/oauth2/v1/token", ClientID: serviceAppID,
		PrivateKey: &mgmtauth.PrivateKey{Key: pemKey}, Scopes: managementScopes,
	}})
	return &org{fake: fake, url: srv.URL, login: login}
}

// adapter builds the adapter for the org, logged in as the service app.
func (o *org) adapter(t *testing.T, mutate func(*okta.Config)) *okta.Provider {
	t.Helper()
	// Its own transport, not http.DefaultTransport, whose idle connections
	// httptest.Server.Close closes under a parallel test's call.
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	cfg := okta.Config{OrgURL: o.url, Token: o.login, Owner: "okta-tests", HTTPClient: hc}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := okta.New(cfg)
	if err != nil {
		t.Fatalf("okta.New: %v", err)
	}
	return p
}

// token asks the default authorization server for a token.
func (o *org) token(ctx context.Context, id, secret, scope string) error {
	return oktafake.ClientCredentials(ctx, nil, o.url+"/oauth2/default/v1/token", id, secret, scope)
}

// oktaToken asks the token endpoint tokenURL for a token.
func oktaToken(ctx context.Context, tokenURL, id, secret, scope string) error {
	return oktafake.ClientCredentials(ctx, nil, tokenURL, id, secret, scope)
}

// dpop is a token source whose tokens are DPoP-bound, as Okta issues them
// to a service app that requires DPoP.
type dpop struct{}

func (dpop) Token() (*oauth2.Token, error) {
	return &oauth2.Token{AccessToken: "dpop-bound", TokenType: "DPoP"}, nil
}
