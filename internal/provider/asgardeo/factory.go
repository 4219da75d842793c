package asgardeo

import (
	"context"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Factory builds the adapter for an AuthServer's asgardeo block: the base
// URL and organization from the block, spec.credentials (the management
// application's client credentials) as the management API's token.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, block *v1alpha1.AsgardeoProvider) (*Provider, error) {
	return New(Config{
		BaseURL: block.BaseURL, Organization: block.Organization,
		HTTPClient: cfg.HTTPClient, Token: cfg.Management, Owner: cfg.Owner,
	})
})
