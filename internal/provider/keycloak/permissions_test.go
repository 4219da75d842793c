package keycloak_test

import (
	"errors"
	"maps"
	"os"
	"regexp"
	"slices"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// The roles docs/providers/keycloak.md lists for the operator's service
// account are the roles the fake checks, no more and no fewer. Every test
// of this package runs with a token holding only those roles, and the fake
// refuses any call a role does not allow: so the adapter calls nothing
// beyond them.
func TestDocumentedRolesAreTheOnesChecked(t *testing.T) {
	doc, err := os.ReadFile("../../../docs/providers/keycloak.md")
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, m := range regexp.MustCompile("(?m)^\\| `([a-z-]+)` \\| realm-management \\|").FindAllSubmatch(doc, -1) {
		listed = append(listed, string(m[1]))
	}
	slices.Sort(listed)
	checked := slices.Compact(slices.Sorted(maps.Values(keycloakfake.Permissions)))
	if !slices.Equal(listed, checked) {
		t.Errorf("docs/providers/keycloak.md lists the roles %v; the fake checks %v", listed, checked)
	}
	ours := slices.Sorted(slices.Values(operatorRoles))
	if !slices.Equal(ours, checked) {
		t.Errorf("the tests' token holds %v; the fake checks %v", ours, checked)
	}
}

// Without the user-management roles, clients without service-account
// roles are still managed; asking for roles is refused as Unauthorized.
func TestUserRolesAreNeededOnlyForServiceAccountRoles(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	clientsOnly := f.AdminToken(keycloakfake.RoleManageClients, keycloakfake.RoleViewClients, keycloakfake.RoleQueryClients)
	p := f.adapter(t, func(c *keycloak.Config) { c.Token = provider.StaticToken(clientsOnly, "Bearer") })
	spec := machineID("plain", "read")
	res := providertest.MustCreate(t, p, spec)
	if _, err := p.RotateSecret(ctx(t), "plain", res.State); err != nil {
		t.Errorf("RotateSecret with the client roles only: %v", err)
	}
	if err := p.Delete(ctx(t), "plain", res.State); err != nil {
		t.Errorf("Delete with the client roles only: %v", err)
	}
	spec.ClientID = "with-roles"
	spec.Options = &v1alpha1.KeycloakClientOptions{ServiceAccountRealmRoles: []string{"reporting"}}
	_, err := p.Create(ctx(t), spec)
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("Create with service-account roles but no user roles: %v, want Unauthorized", err)
	}
	if _, found := f.Client(realm, "with-roles"); found {
		t.Error("the client whose roles could not be given was left behind")
	}
}
