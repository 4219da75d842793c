package keycloak_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// An administrator's changes outside the managed fields survive an update:
// it is a full-representation PUT of what was read, changed only where
// the operator manages.
func TestUpdateKeepsWhatAnAdministratorAdded(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machineID("extended", "read")
	res := providertest.MustCreate(t, p, spec)
	f.Edit(realm, "extended", func(rep map[string]any) {
		rep["rootUrl"] = "https://admin.example.com"
		rep["attributes"].(map[string]any)["admin.note"] = "kept by hand"
	})

	spec.ClientName, spec.Scopes = "extended, renamed", []string{"read", "write"}
	if _, err := p.Update(ctx(t), "extended", res.State, spec); err != nil {
		t.Fatal(err)
	}
	got, _ := f.Client(realm, "extended")
	attrs := got.Rep["attributes"].(map[string]any)
	if got.Rep["rootUrl"] != "https://admin.example.com" || attrs["admin.note"] != "kept by hand" {
		t.Errorf("the update lost what the administrator added: rootUrl %v, admin.note %v", got.Rep["rootUrl"], attrs["admin.note"])
	}
	if got.Rep["name"] != "extended, renamed" || !slices.Equal(got.DefaultScopes, []string{"read", "write"}) {
		t.Errorf("the update did not reach Keycloak: name %v, default scopes %v", got.Rep["name"], got.DefaultScopes)
	}
	if attrs[keycloak.AttributeOwner] != "conformance" {
		t.Errorf("ownership attribute = %v", attrs[keycloak.AttributeOwner])
	}
	if got.Secret != res.Client.ClientSecret {
		t.Error("the update changed the secret")
	}
}

// Scopes are the client's default client scopes, exactly: not the realm's
// defaults beside them. A scope the realm lacks is refused, naming it,
// before anything is created.
func TestScopesAreDefaultClientScopes(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machineID("scoped", "read")
	res := providertest.MustCreate(t, p, spec)
	if got, _ := f.Client(realm, "scoped"); !slices.Equal(got.DefaultScopes, []string{"read"}) {
		t.Errorf("default client scopes = %v, want [read]", got.DefaultScopes)
	}
	if err := f.canAuthenticate(ctx(t), "scoped", res.Client.ClientSecret, "read"); err != nil {
		t.Errorf("the client gets no token for its scope: %v", err)
	}

	bad := machine("unknown scope", "read", "payments")
	bad.ClientID = "unknown-scope"
	_, err := p.Create(ctx(t), bad)
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), `"payments"`) || !strings.Contains(err.Error(), "spec.scopes") {
		t.Errorf("Create with a scope the realm lacks: %v; want InvalidMetadata naming spec.scopes and \"payments\"", err)
	}
	if _, found := f.Client(realm, "unknown-scope"); found {
		t.Error("a client with an unknown scope was created")
	}
}

// The audience is an audience protocol mapper per audience; the adapter
// removes only its own mappers.
func TestAudienceIsAMapper(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machine("aud", "read")
	spec.ClientID, spec.Audience = "aud", []string{"https://orders.example.com", "https://billing.example.com"}
	res := providertest.MustCreate(t, p, spec)
	got, _ := f.Client(realm, "aud")
	if !sameSet(got.Audiences, spec.Audience) {
		t.Fatalf("audience mappers for %v, want %v", got.Audiences, spec.Audience)
	}
	spec.Audience = []string{"https://billing.example.com"}
	if _, err := p.Update(ctx(t), "aud", res.State, spec); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.Client(realm, "aud"); !sameSet(got.Audiences, spec.Audience) {
		t.Errorf("audience mappers after the update: %v, want %v", got.Audiences, spec.Audience)
	}
	observed, err := p.Observe(ctx(t), "aud", res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); len(d) != 0 {
		t.Errorf("Diff right after the update = %v", d)
	}
}

// Service-account roles: the adapter gives the roles the options name and
// takes away only those it gave; a role an administrator gave stays.
func TestServiceAccountRolesAddedAndRemovedExactly(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machineID("roles", "read")
	spec.Options = &v1alpha1.KeycloakClientOptions{
		ServiceAccountRealmRoles:  []string{"reporting"},
		ServiceAccountClientRoles: []v1alpha1.KeycloakClientRoles{{ClientID: "orders-api", Roles: []string{"orders.read", "orders.write"}}},
	}
	res := providertest.MustCreate(t, p, spec)
	got, _ := f.Client(realm, "roles")
	if !slices.Equal(got.RealmRoles, []string{"default-roles-apps", "reporting"}) || !slices.Equal(got.ClientRoles, []string{"orders-api/orders.read", "orders-api/orders.write"}) {
		t.Fatalf("service-account roles: realm %v, client %v", got.RealmRoles, got.ClientRoles)
	}
	observed, err := p.Observe(ctx(t), "roles", res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); len(d) != 0 {
		t.Errorf("Diff right after Create = %v, want none", d)
	}

	f.GrantRealmRole(realm, "roles", "billing") // by hand
	spec.Options = &v1alpha1.KeycloakClientOptions{
		ServiceAccountClientRoles: []v1alpha1.KeycloakClientRoles{{ClientID: "orders-api", Roles: []string{"orders.read"}}},
	}
	observed, err = p.Observe(ctx(t), "roles", res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); !slices.Contains(d, keycloak.DiffRoles) {
		t.Errorf("Diff after the options dropped roles = %v, want %s", d, keycloak.DiffRoles)
	}
	up, err := p.Update(ctx(t), "roles", res.State, spec)
	if err != nil {
		t.Fatal(err)
	}
	got, _ = f.Client(realm, "roles")
	if !slices.Equal(got.RealmRoles, []string{"billing", "default-roles-apps"}) || !slices.Equal(got.ClientRoles, []string{"orders-api/orders.read"}) {
		t.Errorf("after the update: realm roles %v (want the default and the hand-given billing), client roles %v", got.RealmRoles, got.ClientRoles)
	}
	observed, err = p.Observe(ctx(t), "roles", up.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); len(d) != 0 {
		t.Errorf("Diff after the update = %v, want none (the hand-given role is not the operator's)", d)
	}

	spec.Options = &v1alpha1.KeycloakClientOptions{ServiceAccountRealmRoles: []string{"no-such-role"}}
	_, err = p.Update(ctx(t), "roles", up.State, spec)
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "no-such-role") || !strings.Contains(err.Error(), "serviceAccountRealmRoles") {
		t.Errorf("Update with a role the realm lacks: %v; want InvalidMetadata naming the field and the role", err)
	}
}

// A create the operator did not see finish (the process died after
// Keycloak made the client) is found again by its clientId: the retry
// takes the client over and reads its secret, and no second client is made.
func TestCreateAfterACrashFindsTheClient(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	lost := f.adapter(t, func(c *keycloak.Config) {
		c.HTTPClient = &http.Client{Transport: dropAnswer{method: http.MethodPost, path: "/clients"}}
	})
	spec := machine("crash", "read")
	spec.ClientID = "uid-1234-1"
	if _, err := lost.Create(ctx(t), spec); err == nil {
		t.Fatal("Create whose answer was lost succeeded")
	}
	if _, found := f.Client(realm, spec.ClientID); !found {
		t.Fatal("the fake did not make the client (the test's crash point is wrong)")
	}
	p := f.adapter(t, nil)
	res := providertest.MustCreate(t, p, spec)
	if res.Client.ClientID != spec.ClientID {
		t.Fatalf("the retried Create made %q", res.Client.ClientID)
	}
	if err := f.canAuthenticate(ctx(t), spec.ClientID, res.Client.ClientSecret, "read"); err != nil {
		t.Errorf("the secret the retried Create returned gets no token: %v", err)
	}
	if n := strings.Count(strings.Join(f.ClientIDs(realm), " "), spec.ClientID); n != 1 {
		t.Errorf("%d clients with the clientId, want 1", n)
	}
}

// dropAnswer is a transport that sends every request, and loses the answer
// to method path (below the realm) as a crash would.
type dropAnswer struct{ method, path string }

func (d dropAnswer) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && r.Method == d.method && strings.HasSuffix(r.URL.Path, "/admin/realms/"+realm+d.path) {
		_ = resp.Body.Close()
		return nil, errors.New("connection reset")
	}
	return resp, err
}

// With the realm's secret rotation, the previous secret works during the
// grace period and is refused once Keycloak's rotated secret expires.
func TestRotatedSecretExpiresOnItsOwn(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	f.SetSecretRotation(realm, &keycloakfake.Rotation{Expiration: 30 * 24 * time.Hour, RotatedExpiration: time.Hour})
	p := f.adapter(t, func(c *keycloak.Config) { c.RotatedSecretLifetime = time.Hour })
	spec := machineID("overlap", "read")
	res := providertest.MustCreate(t, p, spec)
	old := res.Client.ClientSecret
	rot, err := p.RotateSecret(ctx(t), "overlap", res.State)
	if err != nil {
		t.Fatal(err)
	}
	for name, s := range map[string]string{"old": old, "new": rot.Client.ClientSecret} {
		if err := f.canAuthenticate(ctx(t), "overlap", s, "read"); err != nil {
			t.Errorf("the %s secret during the overlap: %v", name, err)
		}
	}
	f.Advance(time.Hour + time.Minute)
	if err := f.canAuthenticate(ctx(t), "overlap", old, "read"); err == nil {
		t.Error("the old secret still works after Keycloak's rotated secret expired")
	}
	if err := f.canAuthenticate(ctx(t), "overlap", rot.Client.ClientSecret, "read"); err != nil {
		t.Errorf("the new secret after the old one expired: %v", err)
	}
	if rot.Client.SecretExpiresAt.IsZero() {
		t.Error("RotateSecret reported no expiry of the new secret")
	}
}

// Without the realm's secret rotation there is no rotated secret to revoke.
func TestRevokeWithoutRotationIsUnsupported(t *testing.T) {
	t.Parallel()
	f := startFake(t, keycloakfake.Options{})
	err := f.adapter(t, nil).RevokeRotatedSecrets(ctx(t), "any", nil)
	if !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("RevokeRotatedSecrets without rotation: %v, want Unsupported", err)
	}
}

// A 429 from a proxy in front of Keycloak is RateLimited with its delay, on
// every call, not only Create.
func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machineID("limited", "read")
	res := providertest.MustCreate(t, p, spec)
	f.LimitNext(1, "GET /admin/realms/apps/clients/")
	_, err := p.Observe(ctx(t), "limited", res.State)
	if !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 7*time.Second {
		t.Errorf("Observe answered 429: %v (retry after %s), want RateLimited after 7s", err, provider.RetryAfter(err))
	}
}

// A resync with nothing changed writes nothing: what Keycloak fills in
// (the client_secret_post/basic authenticator, defaults of fields the
// operator does not send) is not drift.
func TestUnchangedClientIsNotDrift(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	for _, spec := range []provider.ClientSpec{
		machine("post", "read", "write"),
		{ClientName: "no scopes", GrantTypes: []string{"client_credentials"}},
		{ClientName: "web", GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"https://app.example.com/cb"}, TokenEndpointAuthMethod: "client_secret_post"},
		{ClientName: "spa", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://spa.example.com/cb"}, TokenEndpointAuthMethod: "none"},
	} {
		res := providertest.MustCreate(t, p, spec)
		f.ResetRequests()
		observed, err := p.Observe(ctx(t), res.Client.ClientID, res.State)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Diff(spec, observed); len(d) != 0 {
			t.Errorf("%s: Diff right after Create = %v", spec.ClientName, d)
		}
		if _, err := p.Update(ctx(t), res.Client.ClientID, res.State, spec); err != nil {
			t.Fatal(err)
		}
		if w := f.Writes(); len(w) != 0 {
			t.Errorf("%s: an Update with nothing changed wrote %v", spec.ClientName, w)
		}
	}
}

// Errors never hold a secret the adapter sent, even when Keycloak echoes it.
func TestErrorsHoldNoSecret(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machine("dup", "read")
	spec.ClientID, spec.ClientSecret = "dup", "the-supplied-secret-0123456789"
	providertest.MustCreate(t, p, spec)
	other := f.adapter(t, func(c *keycloak.Config) { c.Owner = "someone-else" })
	_, err := other.Create(ctx(t), spec)
	if !errors.Is(err, provider.ErrConflict) {
		t.Fatalf("Create of a clientId another owner holds: %v, want Conflict", err)
	}
	if strings.Contains(err.Error(), spec.ClientSecret) || strings.Contains(err.Error(), "kc-admin-") {
		t.Errorf("the error holds a secret: %v", err)
	}
}

func sameSet(a, b []string) bool { return provider.SameSet(a, b) }

// What one resync costs Keycloak: Observe of a client_credentials client
// is five reads (the client, its default and optional scopes, its secret,
// its service account's roles) and no write.
func TestObserveIsFiveReads(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machineID("cost", "read")
	res := providertest.MustCreate(t, p, spec)
	f.ResetRequests()
	if _, err := p.Observe(ctx(t), "cost", res.State); err != nil {
		t.Fatal(err)
	}
	got := f.Requests()
	if len(got) != 5 || len(f.Writes()) != 0 {
		t.Errorf("Observe made %d requests, want 5 reads: %v", len(got), got)
	}
}
