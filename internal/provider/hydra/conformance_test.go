package hydra_test

import (
	"context"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/hydra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	hydrasrv "github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// TestConformance runs the provider conformance suite against a real Hydra
// v2.3.0 (hack/hydra.sh). Hydra's admin port has no authentication, so the
// refused-credentials case goes through a proxy that wants an API key, as
// Ory Network does. (Not checked against Hydra's OpenAPI document: the
// suite deletes a deleted client, and Hydra's 404 body for DELETE is not
// the genericError its document promises.)
func TestConformance(t *testing.T) {
	t.Parallel()
	srv := startHydra(t)
	const apiKey = "conformance-api-key" //nolint:gosec // G101: the test gateway's made-up bearer, not a credential
	gateway := srv.CountAdmin(t, hydrasrv.ProxyOptions{Bearer: apiKey})

	build := func(t *testing.T, key string, mutate func(*hydra.Config)) provider.Provider {
		cfg := hydra.Config{
			AdminURL:     gateway.URL,
			PublicIssuer: srv.Issuer,
			APIKey:       provider.StaticToken(key, "Bearer"),
			Owner:        "conformance",
		}
		if mutate != nil {
			mutate(&cfg)
		}
		p, err := hydra.New(cfg)
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return p
	}
	providertest.Run(t, providertest.Harness{
		New:             func(t *testing.T) provider.Provider { return build(t, apiKey, nil) },
		NewUnauthorized: func(t *testing.T) provider.Provider { return build(t, apiKey+"-wrong", nil) },
		NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
			return build(t, apiKey, func(c *hydra.Config) { c.Owner, c.PageSize = o.Owner, o.PageSize })
		},
		// The suite's faulty server stands in for the admin API.
		NewAt: func(t *testing.T, url string) provider.Provider {
			return build(t, apiKey, func(c *hydra.Config) { c.AdminURL = url })
		},
		CanAuthenticate: func(ctx context.Context, id, secret, scope string) error {
			_, err := srv.ClientCredentialsToken(ctx, id, secret, scope)
			return err
		},
		ValidSpec:   providertest.ClientCredentialsSpecs(),
		InvalidSpec: providertest.FragmentRedirectSpec,
	})
}
