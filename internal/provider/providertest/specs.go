package providertest

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// ClientCredentialsSpecs returns a Harness.ValidSpec for a server that knows
// the scopes "read" and "write": a client_credentials client with
// client_secret_basic, named "conformance-<test name>-<n>" with n counting
// the calls, so that each call's ClientName is unique.
func ClientCredentialsSpecs() func(t *testing.T) provider.ClientSpec {
	var n atomic.Int64
	return func(t *testing.T) provider.ClientSpec {
		return provider.ClientSpec{
			ClientName:              fmt.Sprintf("conformance-%s-%d", t.Name(), n.Add(1)),
			GrantTypes:              []string{"client_credentials"},
			Scopes:                  []string{"read", "write"},
			TokenEndpointAuthMethod: "client_secret_basic",
		}
	}
}

// FragmentRedirectSpec is a Harness.InvalidSpec: an authorization_code
// client whose redirect URI has a fragment, which RFC 6749 §3.1.2 forbids.
func FragmentRedirectSpec(*testing.T) provider.ClientSpec {
	return provider.ClientSpec{
		ClientName:   "conformance-invalid",
		GrantTypes:   []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example/callback#fragment"},
	}
}
