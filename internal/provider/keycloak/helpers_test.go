package keycloak_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
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

// keycloakSpec loads Keycloak's document with what the fake needs beside it.
func keycloakSpec(t *testing.T, prefix string) *contract.Spec {
	t.Helper()
	opts := []contract.Option{
		// Keycloak answers an unknown client with 404, an admin token it
		// does not know with 401, and a proxy in front may answer 429; its
		// document lists neither.
		contract.AllowStatus("GET", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound, http.StatusTooManyRequests),
		contract.AllowStatus("DELETE", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound),
		contract.AllowStatus("PUT", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound),
		contract.AllowStatus("GET", "/admin/realms/{realm}/client-scopes", http.StatusUnauthorized, http.StatusTooManyRequests),
		contract.AllowStatus("POST", "/admin/realms/{realm}/clients", http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests),
		// Keycloak's invalidateRotatedSecret returns nothing, which its
		// JAX-RS answers as 204; the document says 200.
		contract.AllowStatus("DELETE", "/admin/realms/{realm}/clients/{client-uuid}/client-secret/rotated", http.StatusNoContent),
		// The token endpoint and discovery are not in the admin document.
		contract.Outside("POST", prefix+"/realms/{realm}/protocol/openid-connect/token"),
		contract.Outside("GET", prefix+"/realms/{realm}/.well-known/openid-configuration"),
	}
	if prefix != "" {
		opts = append(opts, contract.BasePath(prefix))
	}
	return contract.Load(t, "keycloak/openapi-26.6.0.json", opts...)
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
	srv := httptest.NewServer(keycloakSpec(t, o.Prefix).Handler(t, fake))
	t.Cleanup(srv.Close)
	return &fakeKeycloak{Server: fake, URL: srv.URL + o.Prefix, token: fake.AdminToken(operatorRoles...)}
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
	cfg := keycloak.Config{BaseURL: f.URL, Realm: realm, Token: keycloak.StaticToken(f.token), Owner: "conformance"}
	if mutate != nil {
		mutate(&cfg)
	}
	p, err := keycloak.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
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
