package dynamicregistration

import (
	"context"
	"fmt"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/discovery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// TestConformance runs the provider conformance suite against the real
// oidc-provider (hack/authserver), with registration protected by an initial
// access token, with and without registration access token rotation on
// update.
func TestConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the real authorization server")
	}
	for _, rotate := range []bool{true, false} {
		t.Run(fmt.Sprintf("rotate=%t", rotate), func(t *testing.T) { conformance(t, rotate) })
	}
}

func conformance(t *testing.T, rotate bool) {
	const iat = "conformance-initial-access-token"
	srv := authserver.StartT(t, authserver.Options{
		InitialAccessToken:            iat,
		Scopes:                        []string{"read", "write", "admin"},
		RotateRegistrationAccessToken: &rotate,
	})

	ep, err := discovery.Fetch(t.Context(), nil, srv.Issuer)
	if err != nil {
		t.Fatalf("discovering %s: %v", srv.Issuer, err)
	}
	build := func(t *testing.T, token string, ep provider.Endpoints) provider.Provider {
		p, err := New(t.Context(), provider.Config{
			Endpoints:  ep,
			Management: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token}),
		})
		if err != nil {
			t.Fatalf("New: %v", err)
		}
		return p
	}
	providertest.Run(t, providertest.Harness{
		New:             func(t *testing.T) provider.Provider { return build(t, iat, ep) },
		NewUnauthorized: func(t *testing.T) provider.Provider { return build(t, iat+"-wrong", ep) },
		// The suite's faulty server stands in for the registration endpoint.
		NewAt: func(t *testing.T, url string) provider.Provider {
			at := ep
			at.Registration = url
			return build(t, iat, at)
		},
		CanAuthenticate: func(ctx context.Context, id, secret, scope string) error {
			_, err := srv.ClientCredentialsToken(ctx, id, secret, scope)
			return err
		},
		ValidSpec:   providertest.ClientCredentialsSpecs(),
		InvalidSpec: providertest.FragmentRedirectSpec,
	})
}
