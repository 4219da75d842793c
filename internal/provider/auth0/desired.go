package auth0

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Auth0's application types the adapter registers.
const (
	AppNonInteractive = "non_interactive"
	AppRegularWeb     = "regular_web"
	AppSPA            = "spa"
	AppNative         = "native"
)

// The client_metadata keys the adapter writes. Auth0 allows letters,
// digits and a few signs in keys (no dot), at most 10 keys, values of at
// most 255 characters.
const (
	// MetadataOwner holds the ownership marker; List matches it.
	MetadataOwner = "oauth-client-operator/owner"
	// MetadataCreate holds a random key of the Create that made the client,
	// so a create whose answer was lost is found again and undone.
	MetadataCreate = "oauth-client-operator/create"
)

// Auth0's limits on a client, checked before anything is sent.
const (
	maxDescriptionLen = 140
	maxMetadataKeys   = 10
	maxMetadataLen    = 255
)

// desired is what the adapter makes of a ClientSpec: the client, its app
// type, and its client grants (audience → scopes).
type desired struct {
	spec    provider.ClientSpec
	appType string
	grants  map[string][]string
}

// resolve checks spec against what Auth0 can hold, naming the field at
// fault, and works out the app type and the client grants: from
// providerOptions.auth0 when it says, else from the grant types and the
// common audience and scopes.
func resolve(spec provider.ClientSpec) (desired, error) {
	d := desired{spec: spec, grants: map[string][]string{}}
	var opts *v1alpha1.Auth0ClientOptions
	if spec.Options != nil {
		o, ok := spec.Options.(*v1alpha1.Auth0ClientOptions)
		if !ok {
			return d, invalid("spec.providerOptions: the auth0 adapter takes an auth0 block, not %T", spec.Options)
		}
		opts = o
	}
	if spec.ClientID != "" {
		return d, provider.Errorf(provider.KindUnsupported, "Auth0 chooses the client_id itself; a chosen one cannot be registered")
	}
	switch spec.TokenEndpointAuthMethod {
	case "", "client_secret_basic", "client_secret_post", "none":
	default:
		return d, invalid("spec.tokenEndpointAuthMethod %q: Auth0 takes client_secret_basic, client_secret_post or none", spec.TokenEndpointAuthMethod)
	}
	if spec.ClientName == "" || strings.ContainsAny(spec.ClientName, "<>") {
		return d, invalid("spec.clientName %q: Auth0 wants a non-empty name without < or >", spec.ClientName)
	}
	if n := utf8.RuneCountInString(spec.Description); n > maxDescriptionLen {
		return d, invalid("spec.description: Auth0 holds at most %d characters, this one has %d", maxDescriptionLen, n)
	}
	if err := checkExtra(spec.Extra); err != nil {
		return d, err
	}

	d.appType = defaultAppType(spec)
	if opts != nil && opts.AppType != "" {
		d.appType = opts.AppType
	}
	switch {
	case opts != nil && len(opts.ClientGrants) > 0:
		if len(spec.Audience) > 0 {
			return d, invalid("spec.audience and spec.providerOptions.auth0.clientGrants: set one of them; with clientGrants, each grant names its audience")
		}
		for i, g := range opts.ClientGrants {
			if g.Audience == "" {
				return d, invalid("spec.providerOptions.auth0.clientGrants[%d].audience: required", i)
			}
			if _, dup := d.grants[g.Audience]; dup {
				return d, invalid("spec.providerOptions.auth0.clientGrants[%d].audience %q: given twice", i, g.Audience)
			}
			d.grants[g.Audience] = normalize(g.Scopes)
		}
	case len(spec.Audience) == 1:
		d.grants[spec.Audience[0]] = normalize(spec.Scopes)
	case len(spec.Audience) > 1:
		return d, invalid("spec.audience: Auth0 grants a client one API per client grant; give one audience, or several in spec.providerOptions.auth0.clientGrants")
	}
	if slices.Contains(spec.GrantTypes, "client_credentials") && len(d.grants) == 0 {
		return d, invalid("spec.audience: Auth0 issues client_credentials tokens only for an API the client has a client grant for; set spec.audience to the API's identifier (or spec.providerOptions.auth0.clientGrants)")
	}
	return d, nil
}

// defaultAppType is the app type for spec's grant types and auth method.
func defaultAppType(spec provider.ClientSpec) string {
	switch {
	case spec.TokenEndpointAuthMethod == "none":
		return AppSPA
	case len(spec.GrantTypes) > 0 && !slices.ContainsFunc(spec.GrantTypes, func(g string) bool { return g != "client_credentials" }):
		return AppNonInteractive
	default:
		return AppRegularWeb
	}
}

// checkExtra refuses extra metadata Auth0's client_metadata cannot hold.
func checkExtra(extra map[string]string) error {
	if len(extra) > maxMetadataKeys-2 {
		return invalid("spec.extraMetadata: Auth0 holds %d client_metadata keys and the operator uses 2; give at most %d", maxMetadataKeys, maxMetadataKeys-2)
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		switch {
		case k == MetadataOwner || k == MetadataCreate:
			return invalid("spec.extraMetadata.%s: the operator's own key", k)
		case k == "" || len(k) > maxMetadataLen || strings.ContainsAny(k, ".\n\r"):
			return invalid("spec.extraMetadata %q: Auth0 wants keys of 1 to %d letters, digits and :,-+=_*?\"/\\()<>@ or space", k, maxMetadataLen)
		case len(extra[k]) > maxMetadataLen:
			return invalid("spec.extraMetadata.%s: Auth0 holds values of at most %d characters", k, maxMetadataLen)
		}
	}
	return nil
}

// needsSecret reports whether a client with this auth method
// authenticates with a secret.
func needsSecret(method string) bool { return method != "none" }

func invalid(format string, args ...any) error {
	return provider.Errorf(provider.KindInvalidMetadata, format, args...)
}

// normalize sorts and de-duplicates a list, never nil.
func normalize(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	out = slices.Compact(out)
	if out == nil {
		out = []string{}
	}
	return out
}

// grantField names a client grant in a Diff.
func grantField(audience string) string { return fmt.Sprintf("clientGrants[%s]", audience) }
