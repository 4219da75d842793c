package keycloak

import (
	"context"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Factory builds the adapter for an AuthServer's keycloak block, with
// spec.credentials (client credentials of the operator's service account)
// as the admin API's token.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, b *v1alpha1.KeycloakProvider) (*Provider, error) {
	c := Config{
		BaseURL: b.BaseURL, AdminPathPrefix: b.AdminPathPrefix, Realm: b.Realm,
		HTTPClient: cfg.HTTPClient, Token: cfg.Management, Owner: cfg.Owner,
	}
	if r := b.SecretRotation; r != nil {
		if r.RotatedSecretLifetime.Duration <= 0 {
			return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.secretRotation.rotatedSecretLifetime: must be positive", Name)
		}
		c.RotatedSecretLifetime = r.RotatedSecretLifetime.Duration
	}
	return New(c)
})
