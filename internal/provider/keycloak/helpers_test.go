package keycloak_test

import (
	"context"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
)

// realm is the realm the tests create clients in.
const realm = "apps"

// operatorRoles are the realm-management roles docs/providers/keycloak.md
// tells users to give the operator's service account.
var operatorRoles = []string{
	keycloakfake.RoleManageClients, keycloakfake.RoleViewClients, keycloakfake.RoleQueryClients,
	keycloakfake.RoleManageUsers, keycloakfake.RoleViewUsers,
}

// fakeKeycloak is a fake Keycloak (keycloakfake) behind the contract
// check against Keycloak's OpenAPI document, with realm "apps" holding the
// client scopes read and write (and the realm defaults profile and email),
// realm roles reporting and billing, and client "orders-api" with roles
// orders.read and orders.write.
type fakeKeycloak struct {
	*keycloakfake.Server
	URL   string
	token string // an admin token with operatorRoles
}

// startFake starts the fake on loopback.
func startFake(t *testing.T, o keycloakfake.Options) *fakeKeycloak {
	t.Helper()
	fake := keycloakfake.New(o)
	fake.AddRealm(realm)
	fake.AddClientScope(realm, "read", false)
	fake.AddClientScope(realm, "write", false)
	fake.AddClientScope(realm, "profile", true)
	fake.AddClientScope(realm, "email", true)
	fake.AddRealmRole(realm, "reporting")
	fake.AddRealmRole(realm, "billing")
	fake.AddClientWithRoles(realm, "orders-api", "orders.read", "orders.write")
	return &fakeKeycloak{Server: fake, URL: keycloakfake.Start(t, fake), token: fake.AdminToken(operatorRoles...)}
}

// tokenURL is the realm's token endpoint.
func (f *fakeKeycloak) tokenURL() string {
	return f.URL + "/realms/" + realm + "/protocol/openid-connect/token"
}

// canAuthenticate is the conformance suite's CanAuthenticate.
func (f *fakeKeycloak) canAuthenticate(ctx context.Context, id, secret, scope string) error {
	return keycloakfake.ClientCredentials(ctx, f.tokenURL(), id, secret, scope)
}

// adapter builds the adapter against the fake; base is the fake's base
// URL without the admin prefix.
func (f *fakeKeycloak) adapter(t *testing.T, mutate func(*keycloak.Config)) *keycloak.Provider {
	t.Helper()
	cfg := keycloak.Config{BaseURL: f.URL, Realm: realm, Token: provider.StaticToken(f.token, "Bearer"), Owner: "conformance"}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := keycloak.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// startWithAdapter starts the fake with its default options and builds
// the adapter against it, as most tests want.
func startWithAdapter(t *testing.T) (*fakeKeycloak, *keycloak.Provider) {
	t.Helper()
	f := startFake(t, keycloakfake.Options{})
	return f, f.adapter(t, nil)
}

// ctx is a context for one call.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// machine is a client_credentials client spec.
func machine(name string, scopes ...string) provider.ClientSpec {
	return provider.ClientSpec{ClientName: name, GrantTypes: []string{"client_credentials"}, Scopes: scopes, TokenEndpointAuthMethod: "client_secret_basic"}
}

// machineID is machine with id as both its name and its chosen client ID.
func machineID(id string, scopes ...string) provider.ClientSpec {
	spec := machine(id, scopes...)
	spec.ClientID = id
	return spec
}
