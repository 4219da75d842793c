package auth0_test

import (
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// TestConformance runs the provider conformance suite against the fake
// Auth0 tenant (auth0fake), every Management API request and answer
// checked against Auth0's OpenAPI document. The capabilities are Auth0's:
// regenerate, list by paging, a secret of the caller's choosing; no
// overlap, no native disable, no chosen client ID.
func TestConformance(t *testing.T) {
	t.Parallel()
	srv := auth0fake.Start(t)
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) provider.Provider { return newAdapter(t, srv, nil) },
		NewUnauthorized: func(t *testing.T) provider.Provider {
			return newAdapter(t, srv, func(c *auth0.Config) { c.Token = managementToken(t, srv, "not-the-secret") })
		},
		NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
			return newAdapter(t, srv, func(c *auth0.Config) { c.Owner, c.PageSize = o.Owner, o.PageSize })
		},
		// The suite's faulty server stands in for the tenant.
		NewAt: func(t *testing.T, url string) provider.Provider {
			return newAdapter(t, srv, func(c *auth0.Config) {
				c.Domain = url[len("http://"):]
				c.Token = oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "faulty-server-token"})
			})
		},
		CanAuthenticate: canAuthenticate(srv),
		ValidSpec:       machineSpecs(srv),
		InvalidSpec:     providertest.FragmentRedirectSpec,
	})
}
