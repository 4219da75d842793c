package okta_test

import (
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// TestConformance runs the provider conformance suite against the fake
// Okta org (oktafake), the adapter logged in as a service app with a
// private_key_jwt assertion, every exchange checked against Okta's
// management API document. Okta answers a refused token with 401, which
// its document lists for the secrets API only.
func TestConformance(t *testing.T) {
	t.Parallel()
	o := newOrg(t, contract.AllowStatus("POST", "/api/v1/apps", 401))
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) provider.Provider { return o.adapter(t, nil) },
		NewUnauthorized: func(t *testing.T) provider.Provider {
			return o.adapter(t, func(c *okta.Config) { c.Token = okta.APIToken("not-the-api-token") })
		},
		NewWith: func(t *testing.T, opts providertest.Options) provider.Provider {
			return o.adapter(t, func(c *okta.Config) { c.Owner, c.PageSize = opts.Owner, opts.PageSize })
		},
		NewAt: func(t *testing.T, url string) provider.Provider {
			return o.adapter(t, func(c *okta.Config) { c.OrgURL = url })
		},
		CanAuthenticate: o.token,
		ValidSpec:       providertest.ClientCredentialsSpecs(),
		InvalidSpec:     providertest.FragmentRedirectSpec,
	})
}

// TestConformanceWithAPIToken runs the suite's core with an API token
// (Authorization: SSWS) instead of a service app.
func TestConformanceWithAPIToken(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	build := func(t *testing.T, opts providertest.Options) provider.Provider {
		return o.adapter(t, func(c *okta.Config) {
			c.Token, c.Owner, c.PageSize = okta.APIToken(apiToken), opts.Owner, opts.PageSize
		})
	}
	providertest.Run(t, providertest.Harness{
		New:             func(t *testing.T) provider.Provider { return build(t, providertest.Options{Owner: "okta-tests"}) },
		NewWith:         build,
		CanAuthenticate: o.token,
		ValidSpec:       providertest.ClientCredentialsSpecs(),
		InvalidSpec:     providertest.FragmentRedirectSpec,
	})
}
