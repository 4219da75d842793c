package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
)

// TestOAuthClientsAtKeycloak runs OAuthClients against a fake Keycloak
// (keycloakfake, every admin request and answer checked against Keycloak's
// OpenAPI document) through the keycloak adapter. The operator logs in as
// a management client of the master realm holding the realm-management
// roles docs/providers/keycloak.md lists, and manages clients in realm
// "apps": apply → a working token with the manifest's scopes, scope and
// role changes reaching Keycloak, drift corrected, a client deleted at
// Keycloak registered again, rotation with Keycloak's secret rotation
// (both secrets valid during the grace period, the old one revoked by the
// operator when it ends), disable and enable, and
// both deletion policies.
func TestOAuthClientsAtKeycloak(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	kc := startKeycloak(t)
	fake, realm, tokenURL := kc.fake, kc.realm, kc.tokenURL
	ns := createNamespace(t)
	kc.authServer(t, ns, "keycloak")
	works := kc.works
	remote := func(id string) keycloakfake.ClientView {
		t.Helper()
		v, found := fake.Client(realm, id)
		if !found {
			t.Fatalf("client %q is not at Keycloak", id)
		}
		return v
	}

	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, Scopes: []string{"read"},
		Rotation: &v1alpha1.RotationPolicy{GracePeriod: &metav1.Duration{Duration: 15 * time.Second}},
		ProviderOptions: &v1alpha1.ProviderOptions{Keycloak: &v1alpha1.KeycloakClientOptions{
			ServiceAccountRealmRoles: []string{"reporting"},
			Attributes:               map[string]string{"access.token.lifespan": "300"},
		}},
	})
	oac := waitReady(t, ns, "billing")
	s := secretOf(t, ns, "billing")
	id, secret := string(s.Data["client_id"]), string(s.Data["client_secret"])
	if want := string(oac.UID) + "-1"; id != want {
		t.Errorf("clientId %q, want the operator's choice %q", id, want)
	}
	if string(s.Data["token_url"]) != tokenURL {
		t.Errorf("token_url %q, want the realm's %q", s.Data["token_url"], tokenURL)
	}
	if err := works(id, secret, "read"); err != nil {
		t.Fatalf("the delivered credentials get no token: %v", err)
	}
	v := remote(id)
	if !slices.Equal(v.DefaultScopes, []string{"read"}) || !slices.Contains(v.RealmRoles, "reporting") ||
		v.Rep["attributes"].(map[string]any)["access.token.lifespan"] != "300" {
		t.Errorf("client at Keycloak: default scopes %v, realm roles %v, attributes %v", v.DefaultScopes, v.RealmRoles, v.Rep["attributes"])
	}

	t.Run("a resync with nothing changed writes nothing to Keycloak", func(t *testing.T) {
		fake.ResetRequests()
		waitQuietResyncs(t, "Keycloak", func() int {
			return countOf(fake.Requests(), "GET /admin/realms/"+realm+"/clients/"+v.ID)
		}, fake.Writes)
	})

	t.Run("a scope and a role change reach Keycloak", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Scopes = []string{"read", "write"}
		c.Spec.ProviderOptions.Keycloak.ServiceAccountRealmRoles = nil
		c.Spec.ProviderOptions.Keycloak.ServiceAccountClientRoles = []v1alpha1.KeycloakClientRoles{{ClientID: "orders-api", Roles: []string{"orders.read"}}}
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the new scope and roles at Keycloak", func() (bool, string) {
			v := remote(id)
			return slices.Equal(v.DefaultScopes, []string{"read", "write"}) && !slices.Contains(v.RealmRoles, "reporting") &&
					slices.Equal(v.ClientRoles, []string{"orders-api/orders.read"}),
				fmt.Sprintf("scopes %v, realm roles %v, client roles %v", v.DefaultScopes, v.RealmRoles, v.ClientRoles)
		})
		waitReady(t, ns, "billing")
		if err := works(id, secret, "read write"); err != nil {
			t.Errorf("no token for the added scope: %v", err)
		}
	})

	t.Run("drift at Keycloak is corrected", func(t *testing.T) {
		fake.RemoveDefaultScope(realm, id, "write")
		fake.Edit(realm, id, func(rep map[string]any) {
			rep["name"] = "renamed by hand"
			rep["attributes"].(map[string]any)["admin.note"] = "kept"
		})
		waitFor(t, "the client corrected at Keycloak", func() (bool, string) {
			v := remote(id)
			return slices.Equal(v.DefaultScopes, []string{"read", "write"}) && v.Rep["name"] == ns+"/billing",
				fmt.Sprintf("scopes %v, name %v", v.DefaultScopes, v.Rep["name"])
		})
		if note := remote(id).Rep["attributes"].(map[string]any)["admin.note"]; note != "kept" {
			t.Errorf("the correction dropped an attribute the administrator added: %v", note)
		}
	})

	t.Run("rotation overlaps: the old secret works until the grace period ends, then is revoked", func(t *testing.T) {
		before := string(secretOf(t, ns, "billing").Data["client_secret"])
		requestRotation(t, ns, "billing", "keycloak-1")
		waitFor(t, "the rotated secret", func() (bool, string) {
			return string(secretOf(t, ns, "billing").Data["client_secret"]) != before, "same secret"
		})
		s := secretOf(t, ns, "billing")
		after := string(s.Data["client_secret"])
		seen.add(after)
		if got := string(s.Data["client_id"]); got != id {
			t.Errorf("rotation changed the client: %s → %s", id, got)
		}
		if err := works(id, after, "read"); err != nil {
			t.Errorf("the new secret gets no token: %v", err)
		}
		if err := works(id, before, "read"); err != nil {
			t.Errorf("the old secret stopped working during the overlap: %v", err)
		}
		// The fake's clock stands still: Keycloak's own expiry of the
		// rotated secret (24h) is not what ends it here.
		waitFor(t, "the old secret revoked after the grace period", func() (bool, string) {
			return works(id, before, "read") != nil && remote(id).RotatedSecret == "", "the old secret still works"
		})
		if err := works(id, after, "read"); err != nil {
			t.Errorf("the new secret stopped working when the old one was revoked: %v", err)
		}
		secret = after
	})

	t.Run("deleted at Keycloak, registered again", func(t *testing.T) {
		if !fake.DeleteClient(realm, id) {
			t.Fatal("the client was not at Keycloak")
		}
		waitFor(t, "a new client", func() (bool, string) {
			c := getClient(t, ns, "billing")
			return c.Status.ClientID != "" && c.Status.ClientID != id, "client " + c.Status.ClientID
		})
		waitReady(t, ns, "billing")
		s := secretOf(t, ns, "billing")
		id, secret = string(s.Data["client_id"]), string(s.Data["client_secret"])
		seen.add(secret)
		if err := works(id, secret, "read write"); err != nil {
			t.Errorf("the new credentials get no token: %v", err)
		}
		if v := remote(id); !slices.Equal(v.ClientRoles, []string{"orders-api/orders.read"}) {
			t.Errorf("the new client's roles: %v", v.ClientRoles)
		}
	})

	t.Run("disabled with Keycloak's own switch, then enabled", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Disabled = true
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitReason(t, ns, "billing", v1alpha1.ReasonDisabled)
		if v := remote(id); v.Rep["enabled"] != false {
			t.Errorf("the client is enabled at Keycloak: %v", v.Rep["enabled"])
		}
		if err := works(id, secret, "read"); err == nil {
			t.Error("a disabled client's credentials still get tokens")
		}
		c = getClient(t, ns, "billing")
		c.Spec.Disabled = false
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitReady(t, ns, "billing")
		s := deliveredSecret(t, ns, "billing")
		if got := string(s.Data["client_id"]); got != id {
			t.Errorf("enabling registered another client: %s → %s", id, got)
		}
		if err := works(id, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the re-enabled client gets no token: %v", err)
		}
	})

	t.Run("a scope the realm lacks is refused, naming it", func(t *testing.T) {
		newClient(t, ns, "unknown-scope", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, Scopes: []string{"payments"}})
		cond := waitReason(t, ns, "unknown-scope", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, `"payments"`) {
			t.Errorf("condition %q does not name the scope", cond.Message)
		}
		deleteClient(t, ns, "unknown-scope")
	})

	t.Run("deletionPolicy Orphan keeps the client at Keycloak", func(t *testing.T) {
		newClient(t, ns, "kept", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, Scopes: []string{"read"},
			DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
		c := waitReady(t, ns, "kept")
		s := deliveredSecret(t, ns, "kept")
		deleteClient(t, ns, "kept")
		if err := works(c.Status.ClientID, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the orphaned client no longer works: %v", err)
		}
		fake.DeleteClient(realm, c.Status.ClientID)
	})

	t.Run("deleting the OAuthClient deletes its client at Keycloak", func(t *testing.T) {
		deleteClient(t, ns, "billing")
		if _, found := fake.Client(realm, id); found {
			t.Errorf("client %q is still at Keycloak", id)
		}
		if left := slices.DeleteFunc(fake.ClientIDs(realm), func(c string) bool { return c == "orders-api" }); len(left) > 0 {
			t.Errorf("clients left at Keycloak: %v", left)
		}
	})
}

// keycloakEnv is a fake Keycloak (keycloakfake, behind the contract check)
// with realm "apps" (client scopes read, write and the realm default
// profile; realm role reporting; client orders-api with roles orders.read
// and orders.write; the secret-rotation policy keeping a rotated secret
// 24h) and the operator's management client in realm master.
type keycloakEnv struct {
	fake                          *keycloakfake.Server
	base, realm, issuer, tokenURL string
}

// keycloakMgmtSecret is the fake's made-up secret of the operator's
// management client.
const keycloakMgmtSecret = "keycloak-operator-secret-5d1c"

func startKeycloak(t *testing.T) *keycloakEnv {
	t.Helper()
	const realm = "apps"
	fake := keycloakfake.New(keycloakfake.Options{})
	fake.AddRealm(realm)
	for _, s := range []string{"read", "write"} {
		fake.AddClientScope(realm, s, false)
	}
	fake.AddClientScope(realm, "profile", true)
	fake.AddRealmRole(realm, "reporting")
	fake.AddClientWithRoles(realm, "orders-api", "orders.read", "orders.write")
	fake.SetSecretRotation(realm, &keycloakfake.Rotation{Expiration: 90 * 24 * time.Hour, RotatedExpiration: 24 * time.Hour})
	fake.AddAdminClient("master", "oauth-client-operator", keycloakMgmtSecret,
		keycloakfake.RoleManageClients, keycloakfake.RoleViewClients, keycloakfake.RoleQueryClients,
		keycloakfake.RoleManageUsers, keycloakfake.RoleViewUsers)
	seen.add(keycloakMgmtSecret)
	base := keycloakfake.Start(t, fake)
	issuer := base + "/realms/" + realm
	return &keycloakEnv{fake: fake, base: base, realm: realm, issuer: issuer, tokenURL: issuer + "/protocol/openid-connect/token"}
}

// authServer creates AuthServer name in ns for the fake's realm, logging in
// as the management client of realm master, and waits until it is Ready.
func (k *keycloakEnv) authServer(t *testing.T, ns, name string) {
	t.Helper()
	createSecret(t, ns, name+"-mgmt", map[string]string{"secret": keycloakMgmtSecret})
	readyServer(t, ns, name, v1alpha1.AuthServerSpec{
		IssuerURL: k.issuer,
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			TokenURL:     k.base + "/realms/master/protocol/openid-connect/token",
			ClientID:     "oauth-client-operator",
			ClientSecret: &v1alpha1.SecretKeySelector{Name: name + "-mgmt", Key: "secret"},
		}},
		ProviderBlocks: v1alpha1.ProviderBlocks{Keycloak: &v1alpha1.KeycloakProvider{
			BaseURL: k.base, Realm: k.realm,
			SecretRotation: &v1alpha1.KeycloakSecretRotation{RotatedSecretLifetime: metav1.Duration{Duration: 24 * time.Hour}},
		}},
	})
}

// works is nil when the credentials get a token with scope at the realm.
func (k *keycloakEnv) works(id, secret, scope string) error {
	return keycloakfake.ClientCredentials(context.Background(), k.tokenURL, id, secret, scope)
}
