package auth0

import (
	"context"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Factory builds the adapter for an AuthServer's auth0 block: the tenant
// domain from the block, spec.credentials (the operator's machine-to-machine
// application, audience https://DOMAIN/api/v2/) as the Management API token.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, block *v1alpha1.Auth0Provider) (*Provider, error) {
	if cfg.Management == nil {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"spec.credentials: Auth0's Management API needs a token; set spec.credentials.clientCredentials for the operator's machine-to-machine application, with audience https://%s/api/v2/", block.Domain)
	}
	return New(Config{Domain: block.Domain, HTTPClient: cfg.HTTPClient, Token: cfg.Management, Owner: cfg.Owner})
})
