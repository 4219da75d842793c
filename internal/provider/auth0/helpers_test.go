package auth0_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
)

// managementToken is the operator's login at the fake tenant, as the
// AuthServer controller builds it: client credentials in the form body
// with the Management API's audience.
func managementToken(t *testing.T, srv *auth0fake.Server, secret string) oauth2.TokenSource {
	t.Helper()
	cache := mgmtauth.NewCache(nil, 0)
	return cache.TokenSource(t.Name()+secret, mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
		TokenURL: srv.TokenURL, ClientID: srv.ManagementClientID, ClientSecret: secret,
		Audience: srv.ManagementAudience, AuthStyle: v1alpha1.AuthStyleForm,
	}})
}

// newAdapter builds the adapter for the fake tenant; mutate may change the
// config first.
func newAdapter(t *testing.T, srv *auth0fake.Server, mutate func(*auth0.Config)) *auth0.Provider {
	t.Helper()
	// Its own transport, not http.DefaultTransport, whose idle connections
	// httptest.Server.Close closes under a parallel test's call.
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	cfg := auth0.Config{Domain: srv.Domain, Token: managementToken(t, srv, srv.ManagementClientSecret), Owner: "oauth-client-operator/test", HTTPClient: hc}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := auth0.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// startWithAdapter starts a fake tenant and builds the adapter for it, as
// most tests want.
func startWithAdapter(t *testing.T) (*auth0fake.Server, *auth0.Provider) {
	t.Helper()
	srv := auth0fake.Start(t)
	return srv, newAdapter(t, srv, nil)
}

// canAuthenticate gets a client_credentials token at the fake for its API,
// the way the client's auth method says.
func canAuthenticate(srv *auth0fake.Server) func(ctx context.Context, id, secret, scope string) error {
	return func(ctx context.Context, id, secret, scope string) error {
		c, ok := srv.Client(id)
		if !ok {
			return fmt.Errorf("no client %q at the fake", id)
		}
		_, err := srv.ClientCredentialsToken(ctx, id, secret, srv.API, scope, c.AuthMethod == "client_secret_basic")
		return err
	}
}

// machineSpecs returns specs of client_credentials clients for the fake's
// API, with unique names.
func machineSpecs(srv *auth0fake.Server) func(t *testing.T) provider.ClientSpec {
	var n atomic.Int64
	return func(t *testing.T) provider.ClientSpec {
		return provider.ClientSpec{
			ClientName:              fmt.Sprintf("conformance-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), n.Add(1)),
			GrantTypes:              []string{"client_credentials"},
			Scopes:                  []string{"read", "write"},
			Audience:                []string{srv.API},
			TokenEndpointAuthMethod: "client_secret_basic",
		}
	}
}
