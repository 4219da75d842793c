package keycloak

import (
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// options are the spec.providerOptions.keycloak settings, in plain values.
type options struct {
	realmRoles  []string
	clientRoles map[string][]string // by the other client's clientId
	optional    []string
	attributes  map[string]string
}

// optionsOf reads spec.Options; a block of another kind is refused, naming
// the field.
func optionsOf(spec provider.ClientSpec) (options, error) {
	if spec.Options == nil {
		return options{}, nil
	}
	o, ok := spec.Options.(*v1alpha1.KeycloakClientOptions)
	if !ok {
		return options{}, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions: the keycloak adapter takes a keycloak block, not %T", spec.Options)
	}
	if o == nil {
		return options{}, nil
	}
	out := options{realmRoles: slices.Clone(o.ServiceAccountRealmRoles), optional: slices.Clone(o.OptionalClientScopes), attributes: maps.Clone(o.Attributes)}
	for k := range out.attributes {
		if managedAttribute(k) {
			return options{}, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions.keycloak.attributes: %q is an attribute the operator manages", k)
		}
	}
	for _, cr := range o.ServiceAccountClientRoles {
		if out.clientRoles == nil {
			out.clientRoles = map[string][]string{}
		}
		out.clientRoles[cr.ClientID] = append(out.clientRoles[cr.ClientID], cr.Roles...)
	}
	if (len(out.realmRoles) > 0 || len(out.clientRoles) > 0) && !slices.Contains(spec.GrantTypes, grantClientCredentials) {
		return options{}, provider.Errorf(provider.KindInvalidMetadata,
			"spec.providerOptions.keycloak: service-account roles need the client_credentials grant (a client without it has no service account)")
	}
	return out, nil
}

// managedAttribute reports whether the adapter sets attribute k itself.
func managedAttribute(k string) bool {
	return k == AttributeOwner || k == attrDevice || k == attrRefresh || k == attrTokenExchange ||
		strings.HasPrefix(k, "client.secret.") || strings.HasPrefix(k, "oauth.clientoperator.io/")
}

// roleRef names one service-account role: a realm role (Client empty) or
// a role of the client whose clientId is Client.
type roleRef struct {
	Client string `json:"client,omitempty"`
	Name   string `json:"name"`
}

func (r roleRef) String() string {
	if r.Client == "" {
		return "realm role " + r.Name
	}
	return "role " + r.Name + " of client " + r.Client
}

// roles are the service-account roles the options ask for, sorted.
func (o options) roles() []roleRef {
	var r []roleRef
	for _, n := range o.realmRoles {
		r = append(r, roleRef{Name: n})
	}
	for c, names := range o.clientRoles {
		for _, n := range names {
			r = append(r, roleRef{Client: c, Name: n})
		}
	}
	return sortRoles(r)
}

func sortRoles(r []roleRef) []roleRef {
	slices.SortFunc(r, func(a, b roleRef) int {
		if c := strings.Compare(a.Client, b.Client); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return slices.Compact(r)
}
