package asgardeo

import (
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// options are the adapter's settings of one client beyond the common
// fields, from spec.providerOptions.asgardeo.
type options struct {
	AccessTokenType string
	PKCEMandatory   *bool
	// APIs are the desired API authorizations, from authorizedAPIs or from
	// spec.audience and spec.scopes.
	APIs []apiGrant
}

// apiGrant is one API resource authorized to an application: by id or by
// identifier (the other filled in when the server says it), with scopes.
type apiGrant struct {
	ID         string   `json:"id,omitempty"`
	Identifier string   `json:"identifier,omitempty"`
	Scopes     []string `json:"scopes"`
}

// oidcScopes need no API authorization: every application may ask for
// them.
var oidcScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access", "groups", "roles"}

// clientOptions reads spec's options block and derives the API
// authorizations, refusing what cannot be mapped, naming the field.
func clientOptions(spec provider.ClientSpec) (options, error) {
	var o options
	var block *v1alpha1.AsgardeoClientOptions
	if spec.Options != nil {
		b, ok := spec.Options.(*v1alpha1.AsgardeoClientOptions)
		if !ok {
			return o, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions: the %s adapter takes an %s block, not %T", Name, Name, spec.Options)
		}
		block = b
	}
	apiScopes := slices.DeleteFunc(slices.Clone(spec.Scopes), func(s string) bool { return slices.Contains(oidcScopes, s) })
	if block != nil {
		o.AccessTokenType, o.PKCEMandatory = block.AccessTokenType, block.PKCEMandatory
	}
	if block != nil && len(block.AuthorizedAPIs) > 0 {
		if len(spec.Audience) > 0 {
			return o, provider.Errorf(provider.KindInvalidMetadata,
				"spec.audience: leave it empty when spec.providerOptions.%s.authorizedAPIs names the APIs", Name)
		}
		var all []string
		for i, a := range block.AuthorizedAPIs {
			if (a.ID == "") == (a.Identifier == "") {
				return o, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions.%s.authorizedAPIs[%d]: set exactly one of id and identifier", Name, i)
			}
			if len(a.Scopes) == 0 {
				return o, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions.%s.authorizedAPIs[%d].scopes: required", Name, i)
			}
			o.APIs = append(o.APIs, apiGrant{ID: a.ID, Identifier: a.Identifier, Scopes: sorted(a.Scopes)})
			all = append(all, a.Scopes...)
		}
		for _, s := range apiScopes {
			if !slices.Contains(all, s) {
				return o, provider.Errorf(provider.KindInvalidMetadata,
					"spec.scopes: %q is in no entry of spec.providerOptions.%s.authorizedAPIs", s, Name)
			}
		}
		return o, nil
	}
	switch {
	case len(spec.Audience) > 1:
		return o, provider.Errorf(provider.KindInvalidMetadata,
			"spec.audience: %d API identifiers do not say which scope is whose; list them in spec.providerOptions.%s.authorizedAPIs", len(spec.Audience), Name)
	case len(spec.Audience) == 1 && len(apiScopes) == 0:
		return o, provider.Errorf(provider.KindInvalidMetadata,
			"spec.scopes: an API is authorized with scopes; name the scopes of spec.audience %q", spec.Audience[0])
	case len(spec.Audience) == 1:
		o.APIs = []apiGrant{{Identifier: spec.Audience[0], Scopes: sorted(apiScopes)}}
	case len(apiScopes) > 0:
		return o, provider.Errorf(provider.KindInvalidMetadata,
			"spec.scopes: %s are granted through API authorization: set spec.audience to the API resource's identifier, or spec.providerOptions.%s.authorizedAPIs",
			strings.Join(apiScopes, ", "), Name)
	}
	return o, nil
}

// sorted returns a sorted copy of s without repeats.
func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
