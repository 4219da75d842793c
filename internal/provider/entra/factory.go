package entra

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// cloud is where a Microsoft cloud signs in and serves Graph.
type cloud struct {
	login, graph string
}

// clouds are the national clouds by the block's cloud value.
var clouds = map[v1alpha1.EntraCloud]cloud{
	v1alpha1.EntraCloudGlobal:       {login: "login.microsoftonline.com", graph: "https://graph.microsoft.com"},
	v1alpha1.EntraCloudUSGovernment: {login: "login.microsoftonline.us", graph: "https://graph.microsoft.us"},
	v1alpha1.EntraCloudChina:        {login: "login.chinacloudapi.cn", graph: "https://microsoftgraph.chinacloudapi.cn"},
}

// Factory builds the adapter for an AuthServer's entra block: Graph's URL
// from the cloud (or graphURL), spec.credentials (client credentials with
// scope GRAPH/.default) as Graph's authentication. The issuer must be the
// tenant's, on the cloud's login host, so that the token URL delivered to
// workloads is the tenant's v2.0 token endpoint.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, b *v1alpha1.EntraProvider) (*Provider, error) {
	graph := b.GraphURL
	if graph == "" {
		name := b.Cloud
		if name == "" {
			name = v1alpha1.EntraCloudGlobal
		}
		c, ok := clouds[name]
		if !ok {
			return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.cloud: unknown cloud %q (Global, USGovernment, China)", Name, name)
		}
		graph = c.graph
		if err := checkIssuer(cfg.Endpoints.Issuer, b.TenantID, c.login); err != nil {
			return nil, err
		}
	}
	if cfg.Management == nil {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"spec.credentials: the entra adapter needs clientCredentials for the operator's app registration, with scopes [%s/.default]", graph)
	}
	var lifetime time.Duration
	if b.SecretLifetime != nil {
		lifetime = b.SecretLifetime.Duration
	}
	return New(Config{GraphURL: graph, HTTPClient: cfg.HTTPClient, Token: cfg.Management, Owner: cfg.Owner, SecretLifetime: lifetime})
})

// checkIssuer refuses an issuer that is not on the cloud's login host or,
// for a tenant given by GUID, not the tenant's.
func checkIssuer(issuer, tenant, loginHost string) error {
	u, err := url.Parse(issuer)
	if err != nil || u.Host != loginHost {
		return provider.Errorf(provider.KindInvalidMetadata,
			"spec.issuerURL: %q is not on the login host of spec.%s.cloud (%s); use https://%s/%s/v2.0", issuer, Name, loginHost, loginHost, tenant)
	}
	if guid.MatchString(tenant) && !strings.Contains(strings.ToLower(u.Path), "/"+strings.ToLower(tenant)+"/") {
		return provider.Errorf(provider.KindInvalidMetadata,
			"spec.issuerURL: %q is not the issuer of tenant %s (spec.%s.tenantID); use https://%s/%s/v2.0", issuer, tenant, Name, loginHost, tenant)
	}
	return nil
}
