package hydra_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/discovery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/dynamicregistration"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	hydrasrv "github.com/oauth-client-operator/oauth-client-operator/internal/testutil/hydra"
)

// newDynamicRegistration builds the RFC 7591/7592 adapter for srv from its
// discovery document, as an AuthServer with a dynamicRegistration block
// does. Hydra's registration is open: no initial access token.
func newDynamicRegistration(t *testing.T, srv *hydrasrv.Server) provider.Provider {
	t.Helper()
	ep, err := discovery.Fetch(t.Context(), nil, srv.Issuer)
	if err != nil {
		t.Fatalf("discovering %s: %v", srv.Issuer, err)
	}
	p, err := dynamicregistration.New(t.Context(), provider.Config{Endpoints: ep})
	if err != nil {
		t.Fatalf("dynamicregistration.New: %v", err)
	}
	return p
}

// TestDynamicRegistrationConformance runs the conformance suite with the
// dynamic-registration adapter against the same real Hydra.
func TestDynamicRegistrationConformance(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Hydra")
	}
	srv := hydrasrv.StartT(t, hydrasrv.Options{})
	var n atomic.Int64
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) provider.Provider { return newDynamicRegistration(t, srv) },
		CanAuthenticate: func(ctx context.Context, id, secret, scope string) error {
			_, err := srv.ClientCredentialsToken(ctx, id, secret, scope)
			return err
		},
		ValidSpec: func(t *testing.T) provider.ClientSpec {
			return provider.ClientSpec{
				ClientName:              fmt.Sprintf("dcr-conformance-%s-%d", t.Name(), n.Add(1)),
				GrantTypes:              []string{"client_credentials"},
				Scopes:                  []string{"read", "write"},
				TokenEndpointAuthMethod: "client_secret_basic",
			}
		},
		InvalidSpec: func(*testing.T) provider.ClientSpec {
			return provider.ClientSpec{
				ClientName:   "dcr-conformance-invalid",
				GrantTypes:   []string{"authorization_code"},
				RedirectURIs: []string{"https://app.example/callback#fragment"},
			}
		},
	})
}
