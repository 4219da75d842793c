package hydra

import (
	"context"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Factory builds the adapter for an AuthServer's hydra block: the admin URL
// from the block, the issuer from discovery, spec.credentials (an Ory
// Network API key as a bearer token) as the admin API's authentication.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, block *v1alpha1.HydraProvider) (*Provider, error) {
	return New(Config{
		AdminURL: block.AdminURL, PublicIssuer: cfg.Endpoints.Issuer,
		HTTPClient: cfg.HTTPClient, APIKey: cfg.Management, Owner: cfg.Owner,
	})
})
