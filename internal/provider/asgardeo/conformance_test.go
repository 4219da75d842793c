package asgardeo_test

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo/asgardeofake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// ordersAPI is the API resource the conformance clients are authorized for.
const ordersAPI = "https://orders.example.com"

// fixture is a fake with a management application and the orders API.
type fixture struct {
	*asgardeofake.Running
}

const (
	mgmtID     = "operator-m2m"
	mgmtSecret = "operator-m2m-secret" //nolint:gosec // G101: the fake's made-up management secret
)

func newFixture(t *testing.T, o asgardeofake.Options) fixture {
	t.Helper()
	f := fixture{asgardeofake.StartT(t, o)}
	f.AddManagementApp(mgmtID, mgmtSecret, asgardeofake.ManagementScopes...)
	f.AddManagementApp("viewer", mgmtSecret, "internal_application_mgt_view")
	f.AddAPI(ordersAPI, "read", "write", "admin")
	return f
}

// login is the management login the operator does: client credentials with
// HTTP Basic at the organization's token endpoint, with the adapter's
// scopes.
func (f fixture) login(id string) oauth2.TokenSource {
	cc := clientcredentials.Config{ClientID: id, ClientSecret: mgmtSecret, TokenURL: f.Issuer,
		Scopes: asgardeo.ManagementScopes, AuthStyle: oauth2.AuthStyleInHeader}
	return cc.TokenSource(context.Background())
}

func (f fixture) adapter(t *testing.T, mutate func(*asgardeo.Config)) provider.Provider {
	t.Helper()
	// Its own transport: httptest.Server.Close closes the idle connections
	// of http.DefaultTransport, which broke a call of a parallel test.
	hc := &http.Client{Transport: &http.Transport{}}
	t.Cleanup(hc.CloseIdleConnections)
	cfg := asgardeo.Config{BaseURL: f.URL, Organization: f.Organization(), Token: f.login(mgmtID), Owner: "conformance", HTTPClient: hc}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := asgardeo.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// startWithAdapter starts the fake with its default options and builds
// the adapter against it, as most tests want.
func startWithAdapter(t *testing.T) (fixture, provider.Provider) {
	t.Helper()
	f := newFixture(t, asgardeofake.Options{})
	return f, f.adapter(t, nil)
}

// specs is the suite's ValidSpec: a machine client of the orders API.
func specs() func(t *testing.T) provider.ClientSpec {
	var n atomic.Int64
	return func(t *testing.T) provider.ClientSpec {
		return provider.ClientSpec{
			ClientName:              fmt.Sprintf("conformance-%s-%d", t.Name(), n.Add(1)),
			GrantTypes:              []string{"client_credentials"},
			Audience:                []string{ordersAPI},
			Scopes:                  []string{"read", "write", "admin"},
			TokenEndpointAuthMethod: "client_secret_basic",
		}
	}
}

func harness(f fixture) providertest.Harness {
	return providertest.Harness{
		New: func(t *testing.T) provider.Provider { return f.adapter(t, nil) },
		NewUnauthorized: func(t *testing.T) provider.Provider {
			return f.adapter(t, func(c *asgardeo.Config) { c.Token = f.login("viewer") })
		},
		NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
			return f.adapter(t, func(c *asgardeo.Config) { c.Owner, c.PageSize = o.Owner, o.PageSize })
		},
		// The suite's faulty server stands in for the whole server.
		NewAt: func(t *testing.T, url string) provider.Provider {
			return f.adapter(t, func(c *asgardeo.Config) { c.BaseURL = url })
		},
		CanAuthenticate: func(ctx context.Context, id, secret, scope string) error {
			_, err := f.Token(ctx, id, secret, scope)
			return err
		},
		ValidSpec:   specs(),
		InvalidSpec: providertest.FragmentRedirectSpec,
	}
}

// TestConformance runs the suite against the fake of a newer Identity
// Server, which has the multiple-secrets API: rotation overlaps.
func TestConformance(t *testing.T) {
	t.Parallel()
	providertest.Run(t, harness(newFixture(t, asgardeofake.Options{MultipleSecrets: true})))
}

// TestConformanceWithoutMultipleSecrets runs it against the fake of a
// server without that API (Asgardeo, older Identity Server): rotation
// regenerates, revoking the old secret.
func TestConformanceWithoutMultipleSecrets(t *testing.T) {
	t.Parallel()
	providertest.Run(t, harness(newFixture(t, asgardeofake.Options{Organization: "acme"})))
}
