package controllers

import (
	"slices"
	"sort"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// drift lists the fields in which the server's registration differs from the
// desired one. Lists compare as sets. A field the server does not report at
// all (nil) is not drift: otherwise a server that ignores a field would be
// updated on every resync.
func drift(desired, observed provider.ClientSpec) []string {
	var fields []string
	add := func(name string, differs bool) {
		if differs {
			fields = append(fields, name)
		}
	}
	add("clientName", desired.ClientName != observed.ClientName)
	add("grantTypes", !sameSet(desired.GrantTypes, observed.GrantTypes))
	add("scopes", !sameSet(desired.Scopes, observed.Scopes))
	add("redirectURIs", !sameSet(desired.RedirectURIs, observed.RedirectURIs))
	add("tokenEndpointAuthMethod", observed.TokenEndpointAuthMethod != "" && desired.TokenEndpointAuthMethod != observed.TokenEndpointAuthMethod)
	add("audience", observed.Audience != nil && !sameSet(desired.Audience, observed.Audience))
	for _, k := range sortedKeys(desired.Extra) {
		// A server may drop metadata it does not know; only a key it
		// reports with another value is drift.
		if got, reported := observed.Extra[k]; reported && got != desired.Extra[k] {
			fields = append(fields, "extraMetadata."+k)
		}
	}
	return fields
}

// sameSet compares two string lists ignoring order and duplicates; nil and
// empty are equal.
func sameSet(a, b []string) bool {
	return slices.Equal(normalize(a), normalize(b))
}

func normalize(s []string) []string {
	out := slices.Clone(s)
	sort.Strings(out)
	return slices.Compact(out)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
