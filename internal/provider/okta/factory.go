package okta

import (
	"context"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Factory builds the adapter for an AuthServer's okta block. The
// AuthServer's issuerURL must be the issuer of the block's authorization
// server, so that the token URL delivered to workloads is the one whose
// policies the adapter manages.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, block *v1alpha1.OktaProvider) (*Provider, error) {
	p, err := New(Config{
		OrgURL: block.OrgURL, AuthorizationServerID: block.AuthorizationServerID,
		HTTPClient: cfg.HTTPClient, Token: cfg.Management, Owner: cfg.Owner,
	})
	if err != nil {
		return nil, err
	}
	if got := strings.TrimSuffix(cfg.Endpoints.Issuer, "/"); got != "" && got != p.Issuer() {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"spec.issuerURL: the server's issuer is %q, but spec.okta names authorization server %q of %s, whose issuer is %q: make them agree",
			cfg.Endpoints.Issuer, p.authServer, p.org, p.Issuer())
	}
	return p, nil
})
