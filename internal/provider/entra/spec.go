package entra

import (
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// defaultScopeSuffix ends the scope a client_credentials client sends:
// RESOURCE/.default asks for every app role the client holds on RESOURCE.
const defaultScopeSuffix = "/.default"

// desired is a ClientSpec checked and split into what Entra holds.
type desired struct {
	spec provider.ClientSpec
	// public: no secret (tokenEndpointAuthMethod none).
	public bool
	// resources are the resource APIs of the RESOURCE/.default scopes, in
	// order, as written.
	resources []string
	// delegated are the other scopes, asked for at sign-in; Entra keeps no
	// list of them.
	delegated []string
	// roles are the app role values wanted per resource (of resources).
	roles map[string][]string
}

// grant types the adapter can register: Entra keeps no list; a secret
// allows client_credentials, redirect URIs allow the code flow.
var grantTypes = []string{"client_credentials", "authorization_code", "refresh_token"}

// checkSpec refuses what Entra cannot hold as asked, naming the field, and
// splits the scopes.
func checkSpec(spec provider.ClientSpec) (desired, error) {
	d := desired{spec: spec, roles: map[string][]string{}}
	for _, g := range spec.GrantTypes {
		if !slices.Contains(grantTypes, g) {
			return d, invalid("spec.grantTypes", "Entra ID cannot register grant type %q (the adapter registers %s)", g, strings.Join(grantTypes, ", "))
		}
	}
	switch spec.TokenEndpointAuthMethod {
	case "", "client_secret_basic", "client_secret_post":
	case "none":
		d.public = true
	default:
		return d, invalid("spec.tokenEndpointAuthMethod", "the entra adapter supports client_secret_basic, client_secret_post and none, not %q", spec.TokenEndpointAuthMethod)
	}
	if d.public && slices.Contains(spec.GrantTypes, "client_credentials") {
		return d, invalid("spec.grantTypes", "client_credentials needs a secret; a public client (tokenEndpointAuthMethod none) cannot use it")
	}
	if len(spec.Audience) > 0 {
		return d, invalid("spec.audience", "Entra ID has no audience per client: name the resource API in spec.scopes as RESOURCE/.default")
	}
	if spec.ClientSecret != "" {
		return d, &provider.Error{Kind: provider.KindUnsupported, Description: "spec.clientSecret: Entra ID generates client secrets; it cannot take one"}
	}
	if len(spec.Extra) > 0 {
		return d, invalid("spec.extraMetadata", "the entra adapter passes no extra metadata; use spec.providerOptions.entra")
	}
	machine := slices.Contains(spec.GrantTypes, "client_credentials")
	for _, s := range spec.Scopes {
		if r, ok := strings.CutSuffix(s, defaultScopeSuffix); ok && r != "" {
			if !slices.Contains(d.resources, r) {
				d.resources = append(d.resources, r)
			}
			continue
		}
		if machine {
			return d, invalid("spec.scopes", "%q: a client_credentials client at Entra ID asks for RESOURCE/.default (e.g. api://orders/.default); its app roles go in spec.providerOptions.entra.appRoles", s)
		}
		d.delegated = append(d.delegated, s)
	}
	if spec.Options != nil {
		o, ok := spec.Options.(*v1alpha1.EntraClientOptions)
		if !ok {
			return d, invalid("spec.providerOptions", "the entra adapter takes an entra block, not %T", spec.Options)
		}
		if o != nil {
			for _, ar := range o.AppRoles {
				if slices.Contains(d.resources, ar.Resource) {
					d.roles[ar.Resource] = slices.Compact(slices.Sorted(slices.Values(ar.Roles)))
				}
			}
		}
	}
	return d, nil
}

// options renders observed app roles as an options block (nil when none).
func options(roles map[string][]string) *v1alpha1.EntraClientOptions {
	if len(roles) == 0 {
		return nil
	}
	o := &v1alpha1.EntraClientOptions{}
	for _, r := range slices.Sorted(maps.Keys(roles)) {
		o.AppRoles = append(o.AppRoles, v1alpha1.EntraAppRoles{Resource: r, Roles: roles[r]})
	}
	return o
}

// rolesOf reads the wanted roles of a spec's options block, for Diff.
func rolesOf(d desired) map[string][]string {
	out := map[string][]string{}
	for r, v := range d.roles {
		if len(v) > 0 {
			out[r] = v
		}
	}
	return out
}

// observedRoles reads the app roles Observe reported in an options block.
func observedRoles(got provider.ClientSpec) map[string][]string {
	out := map[string][]string{}
	if o, ok := got.Options.(*v1alpha1.EntraClientOptions); ok && o != nil {
		for _, ar := range o.AppRoles {
			if len(ar.Roles) > 0 {
				out[ar.Resource] = ar.Roles
			}
		}
	}
	return out
}

// sameRoles compares two resource-to-roles maps as sets.
func sameRoles(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for r, v := range a {
		if !provider.SameSet(v, b[r]) {
			return false
		}
	}
	return true
}
