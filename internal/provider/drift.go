package provider

import (
	"maps"
	"slices"
)

// Names of the fields Drift and the adapters' Diff report (ClientSpec's
// names, as the OAuthClient spells them).
const (
	DiffClientName   = "clientName"
	DiffDescription  = "description"
	DiffGrantTypes   = "grantTypes"
	DiffScopes       = "scopes"
	DiffAudience     = "audience"
	DiffRedirectURIs = "redirectURIs"
	DiffAuthMethod   = "tokenEndpointAuthMethod"
	DiffOwner        = "owner"
	DiffJWKS         = "jwks"
)

// Drift lists the fields in which the server's registration differs from the
// desired one. Lists compare as sets. A field the server does not report at
// all (nil) is not drift: otherwise a server that ignores a field would be
// updated on every resync.
func Drift(desired, observed ClientSpec) []string {
	var fields []string
	add := func(name string, differs bool) {
		if differs {
			fields = append(fields, name)
		}
	}
	add(DiffClientName, desired.ClientName != observed.ClientName)
	add(DiffGrantTypes, !SameSet(desired.GrantTypes, observed.GrantTypes))
	add(DiffScopes, !SameSet(desired.Scopes, observed.Scopes))
	add(DiffRedirectURIs, !SameSet(desired.RedirectURIs, observed.RedirectURIs))
	add(DiffAuthMethod, observed.TokenEndpointAuthMethod != "" && desired.TokenEndpointAuthMethod != observed.TokenEndpointAuthMethod)
	add(DiffAudience, observed.Audience != nil && !SameSet(desired.Audience, observed.Audience))
	add(DiffJWKS, observed.JWKS != nil && !SameSet(KeyIDs(desired.JWKS), KeyIDs(observed.JWKS)))
	for _, k := range slices.Sorted(maps.Keys(desired.Extra)) {
		// A server may drop metadata it does not know; only a key it
		// reports with another value is drift.
		if got, reported := observed.Extra[k]; reported && got != desired.Extra[k] {
			fields = append(fields, "extraMetadata."+k)
		}
	}
	return fields
}

// SameSet compares two string lists ignoring order and duplicates; nil and
// empty are equal.
func SameSet(a, b []string) bool {
	return slices.Equal(normalize(a), normalize(b))
}

func normalize(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
