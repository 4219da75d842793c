package keycloak_test

import (
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// harness connects the conformance suite to the adapter at a fake
// Keycloak; rotated is the realm's rotated secret lifetime (0: the realm
// has no secret-rotation policy).
func harness(f *fakeKeycloak, rotated time.Duration) providertest.Harness {
	with := func(mutate func(*keycloak.Config)) func(*keycloak.Config) {
		return func(c *keycloak.Config) {
			c.RotatedSecretLifetime = rotated
			if mutate != nil {
				mutate(c)
			}
		}
	}
	return providertest.Harness{
		New: func(t *testing.T) provider.Provider { return f.adapter(t, with(nil)) },
		NewUnauthorized: func(t *testing.T) provider.Provider {
			return f.adapter(t, with(func(c *keycloak.Config) { c.Token = provider.StaticToken("not-a-token-keycloak-issued", "Bearer") }))
		},
		NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
			return f.adapter(t, with(func(c *keycloak.Config) { c.Owner, c.PageSize = o.Owner, o.PageSize }))
		},
		// The suite's faulty server stands in for Keycloak.
		NewAt: func(t *testing.T, url string) provider.Provider {
			return f.adapter(t, with(func(c *keycloak.Config) { c.BaseURL = url }))
		},
		CanAuthenticate: f.canAuthenticate,
		ValidSpec:       providertest.ClientCredentialsSpecs(),
		InvalidSpec:     providertest.FragmentRedirectSpec,
	}
}

// TestConformance runs the conformance suite against a fake Keycloak
// (keycloakfake, checked against Keycloak's OpenAPI document) whose realm
// has no secret-rotation policy: a regenerated secret replaces the old one
// at once.
func TestConformance(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	providertest.Run(t, harness(f, 0))
}

// TestConformanceWithSecretRotation runs the suite against a fake Keycloak
// whose realm has a client policy with the secret-rotation executor: the
// previous secret stays valid until revoked, and every secret expires.
func TestConformanceWithSecretRotation(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	f.SetSecretRotation(realm, &keycloakfake.Rotation{Expiration: 30 * 24 * time.Hour, RotatedExpiration: 24 * time.Hour})
	providertest.Run(t, harness(f, 24*time.Hour))
}

// TestConformanceUnderAuthPrefix runs the suite against a fake Keycloak
// serving the paths of a WildFly distribution (/auth/admin, /auth/realms).
func TestConformanceUnderAuthPrefix(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{Prefix: "/auth"})
	base := f.URL[:len(f.URL)-len("/auth")]
	h := harness(f, 0)
	newAt := func(t *testing.T, mutate func(*keycloak.Config)) provider.Provider {
		return f.adapter(t, func(c *keycloak.Config) {
			c.BaseURL, c.AdminPathPrefix = base, "/auth"
			if mutate != nil {
				mutate(c)
			}
		})
	}
	h.New = func(t *testing.T) provider.Provider { return newAt(t, nil) }
	h.NewWith = func(t *testing.T, o providertest.Options) provider.Provider {
		return newAt(t, func(c *keycloak.Config) { c.Owner, c.PageSize = o.Owner, o.PageSize })
	}
	h.NewUnauthorized, h.NewAt = nil, nil
	providertest.Run(t, h)
}
