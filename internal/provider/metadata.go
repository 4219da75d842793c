package provider

import "strings"

// PutMetadata sets in m the RFC 7591 §2 client metadata that spec holds:
// client_name, grant_types, scope (space separated), redirect_uris and
// token_endpoint_auth_method, each only when spec sets it, so that the
// server applies its defaults for the rest.
func PutMetadata(m map[string]any, spec ClientSpec) {
	if spec.ClientName != "" {
		m["client_name"] = spec.ClientName
	}
	if len(spec.GrantTypes) > 0 {
		m["grant_types"] = spec.GrantTypes
	}
	if len(spec.Scopes) > 0 {
		m["scope"] = strings.Join(spec.Scopes, " ")
	}
	if len(spec.RedirectURIs) > 0 {
		m["redirect_uris"] = spec.RedirectURIs
	}
	if spec.TokenEndpointAuthMethod != "" {
		m["token_endpoint_auth_method"] = spec.TokenEndpointAuthMethod
	}
}
