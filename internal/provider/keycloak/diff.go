package keycloak

import (
	"maps"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Names of the Keycloak fields Diff reports beside provider's Diff names.
const (
	DiffOptionalScopes = "providerOptions.keycloak.optionalClientScopes"
	DiffRoles          = "providerOptions.keycloak.serviceAccountRoles"
	DiffAttributes     = "providerOptions.keycloak.attributes"
)

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired. What
// Keycloak fills in is not drift: with no scopes asked for, the realm's
// default client scopes; client_secret_post reads back as
// client_secret_basic (one authenticator serves both); roles, scopes and
// attributes an administrator added beside the operator's.
func (p *Provider) Diff(desired provider.ClientSpec, obs provider.Client) []string {
	opts, err := optionsOf(desired)
	if err != nil {
		return []string{"providerOptions"}
	}
	got := obs.Spec
	var d []string
	add := func(name string, differs bool) {
		if differs {
			d = append(d, name)
		}
	}
	add(provider.DiffClientName, desired.ClientName != got.ClientName)
	add(provider.DiffDescription, desired.Description != got.Description)
	add(provider.DiffGrantTypes, !provider.SameSet(desired.GrantTypes, got.GrantTypes))
	add(provider.DiffScopes, len(desired.Scopes) > 0 && !provider.SameSet(desired.Scopes, got.Scopes))
	add(provider.DiffAudience, !provider.SameSet(desired.Audience, got.Audience))
	add(provider.DiffRedirectURIs, !provider.SameSet(desired.RedirectURIs, got.RedirectURIs))
	add(provider.DiffAuthMethod, authKind(desired.TokenEndpointAuthMethod) != authKind(got.TokenEndpointAuthMethod))
	add(provider.DiffOwner, p.owner != "" && got.Extra[AttributeOwner] != p.owner)
	add(provider.DiffJWKS, len(desired.JWKS) > 0 && !provider.SameSet(provider.KeyIDs(desired.JWKS), provider.KeyIDs(got.JWKS)))
	ex, _ := got.Options.(*observed)
	if ex == nil {
		return d
	}
	add(DiffOptionalScopes, len(opts.optional) > 0 && !provider.SameSet(opts.optional, ex.optional))
	for _, k := range slices.Sorted(maps.Keys(opts.attributes)) {
		add(DiffAttributes+"."+k, ex.attributes[k] != opts.attributes[k])
	}
	want := opts.roles()
	rolesDiffer := false
	for _, r := range want {
		rolesDiffer = rolesDiffer || !slices.Contains(ex.roles, r)
	}
	for _, r := range ex.managed {
		rolesDiffer = rolesDiffer || (!slices.Contains(want, r) && slices.Contains(ex.roles, r))
	}
	add(DiffRoles, rolesDiffer)
	return d
}

// authKind folds the auth methods one Keycloak authenticator serves.
func authKind(m string) string {
	if a, ok := authenticators[m]; ok {
		return a
	}
	if m == "" {
		return authenticators["client_secret_basic"]
	}
	return m
}
