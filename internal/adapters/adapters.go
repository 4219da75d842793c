// Package adapters lists the provider adapters compiled into the manager:
// cmd/main.go and the envtest suite register the same ones from here. The
// controllers never import an adapter.
package adapters

import (
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/dynamicregistration"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/hydra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/preregistered"
)

// Registry is a registry holding every adapter, one line each.
func Registry() *provider.Registry {
	r := provider.NewRegistry()
	r.Register(dynamicregistration.Name, dynamicregistration.New)
	r.Register(hydra.Name, hydra.Factory)
	r.Register(okta.Name, okta.Factory)
	r.Register(auth0.Name, auth0.Factory)
	r.Register(asgardeo.Name, asgardeo.Factory)
	r.Register(entra.Name, entra.Factory)
	r.Register(keycloak.Name, keycloak.Factory)
	r.Register(preregistered.Name, preregistered.Factory)
	return r
}
