package entra_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra/entrafake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// TestConformance runs the provider conformance suite against the fake
// tenant (entrafake, every Graph exchange checked against the Graph
// OpenAPI document), logged in through internal/mgmtauth with client
// credentials and scope https://graph.microsoft.com/.default.
func TestConformance(t *testing.T) {
	t.Parallel()
	srv := entrafake.Start(t)
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) provider.Provider { return newAdapter(t, srv, nil) },
		NewUnauthorized: func(t *testing.T) provider.Provider {
			return newAdapter(t, srv, func(c *config) { c.secret += "-wrong" })
		},
		NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
			return newAdapter(t, srv, func(c *config) { c.Owner, c.PageSize = o.Owner, o.PageSize })
		},
		// The suite's faulty server stands in for Graph; the login still
		// goes to the fake's token endpoint.
		NewAt: func(t *testing.T, url string) provider.Provider {
			return newAdapter(t, srv, func(c *config) { c.GraphURL = url })
		},
		CanAuthenticate: func(_ context.Context, id, secret, scope string) error {
			return srv.ClientCredentials(id, secret, scope)
		},
		ValidSpec:   validSpecs(),
		InvalidSpec: providertest.FragmentRedirectSpec,
	})
}

// config is an adapter's Config plus the management secret to log in with.
type config struct {
	entra.Config
	secret string
}

// newAdapter builds the adapter against srv, its management token from
// the fake's token endpoint through mgmtauth.
func newAdapter(t *testing.T, srv *entrafake.Server, mutate func(*config)) *entra.Provider {
	t.Helper()
	c := config{Config: entra.Config{GraphURL: srv.URL, Owner: "conformance"}, secret: srv.ManagementSecret}
	if mutate != nil {
		mutate(&c)
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	c.HTTPClient = hc
	c.Token = mgmtauth.NewCache(hc, time.Minute).TokenSource(t.Name(), mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
		TokenURL: srv.TokenURL(srv.URL), ClientID: srv.ManagementID, ClientSecret: c.secret,
		Scopes: []string{entrafake.GraphResource + "/.default"}, AuthStyle: v1alpha1.AuthStyleForm,
	}})
	p, err := entra.New(c.Config)
	if err != nil {
		t.Fatalf("entra.New: %v", err)
	}
	return p
}

// validSpecs are client_credentials clients for two resource APIs, each
// with an app role, so that a scope removed by an update is refused at the
// token endpoint (the fake's resources require an assignment).
func validSpecs() func(t *testing.T) provider.ClientSpec {
	var n atomic.Int64
	return func(t *testing.T) provider.ClientSpec {
		return provider.ClientSpec{
			ClientName:              fmt.Sprintf("conformance-%s-%d", t.Name(), n.Add(1)),
			GrantTypes:              []string{"client_credentials"},
			Scopes:                  []string{"api://fake-orders/.default", "api://fake-billing/.default"},
			TokenEndpointAuthMethod: "client_secret_basic",
			Options: &v1alpha1.EntraClientOptions{AppRoles: []v1alpha1.EntraAppRoles{
				{Resource: "api://fake-orders", Roles: []string{"Orders.Read"}},
				{Resource: "api://fake-billing", Roles: []string{"Billing.Read"}},
			}},
		}
	}
}
