package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// TestOAuthClientsAtHydra runs OAuthClients against a real Ory Hydra v2.3.0
// through the hydra adapter (the admin API): apply → a working token with
// the manifest's scopes, a quiet resync, the client recreated when deleted
// at the server, rotation, and deletion.
func TestOAuthClientsAtHydra(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	h, admin, ns := startCountedHydra(t)

	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read", "write"},
	})
	oac := waitReady(t, ns, "billing")
	s := secretOf(t, ns, "billing")
	id, secret := string(s.Data["client_id"]), string(s.Data["client_secret"])
	if want := string(oac.UID) + "-1"; id != want || oac.Status.ClientID != id {
		t.Errorf("client ID %q (status %q), want the operator's choice %q", id, oac.Status.ClientID, want)
	}
	if string(s.Data["token_url"]) != h.TokenURL {
		t.Errorf("token_url %q, want Hydra's %q", s.Data["token_url"], h.TokenURL)
	}
	if _, err := h.ClientCredentialsToken(ctx, id, secret, "read write"); err != nil {
		t.Fatalf("the delivered credentials get no token: %v", err)
	}
	got, found, err := h.AdminClient(ctx, id)
	if err != nil || !found || !strings.HasPrefix(fmt.Sprint(got["owner"]), v1alpha1.ManagedByValue+"/") {
		t.Errorf("client at Hydra: found %v, owner %v, err %v; want the operator's owner marker", found, got["owner"], err)
	}

	t.Run("50 Ready clients: a full resync writes nothing to Hydra or the API server", func(t *testing.T) {
		quietNS := hydraNamespace(t, h, admin.URL)
		const n = 50
		for i := range n {
			spec := v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read"}}
			if i%2 == 0 {
				spec.Scopes = nil // Hydra gives these its default scope: not drift
			}
			newClient(t, quietNS, fmt.Sprintf("q%02d", i), spec)
		}
		ids := map[string]bool{}
		versions := map[string]string{}
		for i := range n {
			name := fmt.Sprintf("q%02d", i)
			c := waitReady(t, quietNS, name)
			ids[c.Status.ClientID] = true
			sec := deliveredSecret(t, quietNS, name)
			versions["Secret/"+name] = sec.ResourceVersion
		}
		for i := range n {
			name := fmt.Sprintf("q%02d", i)
			c := getClient(t, quietNS, name)
			versions["OAuthClient/"+name] = c.ResourceVersion
			versions["record/"+name] = recordVersion(t, c)
		}
		admin.Reset()
		// Hydra can list, so a resync reads the clients with one paged List
		// per server and period (listresync.go); three Lists are two whole
		// periods, in which every client was resynced at least once more.
		waitForLists(t, admin, 3)
		if w := admin.Writes(); len(w) > 0 {
			t.Errorf("resyncs wrote to Hydra: %v", w)
		}
		for i := range n {
			name := fmt.Sprintf("q%02d", i)
			c := getClient(t, quietNS, name)
			now := map[string]string{"Secret/" + name: secretOf(t, quietNS, name).ResourceVersion,
				"OAuthClient/" + name: c.ResourceVersion, "record/" + name: recordVersion(t, c)}
			for k, v := range now {
				if versions[k] != v {
					t.Errorf("a resync wrote %s (resourceVersion %s → %s)", k, versions[k], v)
				}
			}
		}
		for i := range n {
			if err := k8s.Delete(ctx, getClient(t, quietNS, fmt.Sprintf("q%02d", i))); err != nil {
				t.Fatal(err)
			}
		}
		for i := range n {
			waitGone(t, &v1alpha1.OAuthClient{}, quietNS, fmt.Sprintf("q%02d", i))
		}
	})

	t.Run("drift at the server is corrected", func(t *testing.T) {
		cur := getClient(t, ns, "billing").Status.ClientID
		status, _, err := h.Admin(ctx, http.MethodPatch, "/admin/clients/"+cur,
			[]map[string]any{{"op": "replace", "path": "/scope", "value": "read"}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("admin PATCH: %d %v", status, err)
		}
		waitFor(t, "the scope corrected at Hydra", func() (bool, string) {
			got, _, err := h.AdminClient(ctx, cur)
			return err == nil && got["scope"] == "read write", fmt.Sprintf("scope %v (%v)", got["scope"], err)
		})
	})

	t.Run("deleted at the server, registered again", func(t *testing.T) {
		if status, _, err := h.Admin(ctx, http.MethodDelete, "/admin/clients/"+id, nil); err != nil || status != http.StatusNoContent {
			t.Fatalf("deleting the client at Hydra: %d %v", status, err)
		}
		waitFor(t, "a new client", func() (bool, string) {
			c := getClient(t, ns, "billing")
			return c.Status.ClientID != "" && c.Status.ClientID != id, "client " + c.Status.ClientID
		})
		s := deliveredSecret(t, ns, "billing")
		if _, err := h.ClientCredentialsToken(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the new credentials get no token: %v", err)
		}
	})

	t.Run("rotation on request replaces the client and keeps the old one for the grace period", func(t *testing.T) {
		before := secretOf(t, ns, "billing")
		oldID, oldSecret := string(before.Data["client_id"]), string(before.Data["client_secret"])
		requestRotation(t, ns, "billing", "hydra-1")
		waitFor(t, "the rotated credentials", func() (bool, string) {
			s := secretOf(t, ns, "billing")
			return string(s.Data["client_id"]) != oldID, "client " + string(s.Data["client_id"])
		})
		s := deliveredSecret(t, ns, "billing")
		if _, err := h.ClientCredentialsToken(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the rotated credentials get no token: %v", err)
		}
		if _, err := h.ClientCredentialsToken(ctx, oldID, oldSecret, "read"); err != nil {
			t.Errorf("the old credentials stopped working inside the grace period: %v", err)
		}
	})

	t.Run("dynamic registration at the same Hydra: a voided registration access token is reported", func(t *testing.T) {
		hydraServer(t, h, ns, "hydra-dcr", v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}})
		newClient(t, ns, "dcr", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra-dcr"}})
		c := waitReady(t, ns, "dcr")
		s := deliveredSecret(t, ns, "dcr")
		if _, err := h.ClientCredentialsToken(ctx, c.Status.ClientID, string(s.Data["client_secret"]), ""); err != nil {
			t.Fatalf("the delivered credentials get no token: %v", err)
		}
		// (That Hydra's default scope is not drift for this adapter is
		// tested against the real Hydra in internal/provider/hydra.)
		// Someone replaces the client through the admin API: its
		// registration access token is void, and Hydra answers 401.
		status, _, err := h.Admin(ctx, http.MethodPut, "/admin/clients/"+c.Status.ClientID, map[string]any{
			"client_name": "replaced by hand", "grant_types": []string{"client_credentials"}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("admin PUT: %d %v", status, err)
		}
		// A change of the manifest makes the operator read the client.
		changed := getClient(t, ns, "dcr")
		changed.Spec.Description = "read again"
		if err := k8s.Update(ctx, changed); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the ClientRecreated warning", func() (bool, string) {
			for _, e := range eventsFor(t, ns, "dcr") {
				if strings.Contains(e, "ClientRecreated") && strings.Contains(e, "delete it at the server") {
					return true, ""
				}
			}
			return false, strings.Join(eventsFor(t, ns, "dcr"), "; ")
		})
		seen.add(string(secretOf(t, ns, "dcr").Data["client_secret"]))
		deleteClient(t, ns, "dcr")
		// The replaced client stays: the operator cannot delete it without
		// its token (the event said so); the test removes it.
		_, _, _ = h.Admin(ctx, http.MethodDelete, "/admin/clients/"+c.Status.ClientID, nil)
	})

	t.Run("providerOptions reach Hydra; another kind's options are refused before anything is registered", func(t *testing.T) {
		newClient(t, ns, "themed", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read"},
			ProviderOptions: &v1alpha1.ProviderOptions{Hydra: &v1alpha1.HydraClientOptions{
				AccessTokenStrategy: "jwt", ClientURI: "https://billing.example.com"}}})
		c := waitReady(t, ns, "themed")
		seen.add(string(secretOf(t, ns, "themed").Data["client_secret"]))
		got, found, err := h.AdminClient(ctx, c.Status.ClientID)
		if err != nil || !found || got["access_token_strategy"] != "jwt" || got["client_uri"] != "https://billing.example.com" {
			t.Errorf("client at Hydra: found %v (%v), access_token_strategy %v, client_uri %v", found, err, got["access_token_strategy"], got["client_uri"])
		}
		before, err := h.AdminClientCount(ctx)
		if err != nil {
			t.Fatal(err)
		}
		newClient(t, ns, "mismatched", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra-dcr"},
			ProviderOptions: &v1alpha1.ProviderOptions{Hydra: &v1alpha1.HydraClientOptions{AccessTokenStrategy: "jwt"}}})
		cond := waitReason(t, ns, "mismatched", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, "spec.providerOptions.hydra") {
			t.Errorf("condition %q does not name spec.providerOptions.hydra", cond.Message)
		}
		if after, err := h.AdminClientCount(ctx); err != nil || after != before {
			t.Errorf("clients at Hydra %d → %d (%v): a client with refused options was registered", before, after, err)
		}
		for _, name := range []string{"themed", "mismatched"} {
			deleteClient(t, ns, name)
		}
	})

	t.Run("rotation with Regenerate: the same client, a new secret, the old one refused", func(t *testing.T) {
		newClient(t, ns, "regen", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read"},
			Rotation: &v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyRegenerate}})
		c := waitReady(t, ns, "regen")
		old := string(secretOf(t, ns, "regen").Data["client_secret"])
		seen.add(old)
		requestRotation(t, ns, "regen", "regen-1")
		waitFor(t, "the regenerated secret", func() (bool, string) {
			return string(secretOf(t, ns, "regen").Data["client_secret"]) != old, "same secret"
		})
		s := deliveredSecret(t, ns, "regen")
		if got := string(s.Data["client_id"]); got != c.Status.ClientID {
			t.Errorf("Regenerate changed the client: %s → %s", c.Status.ClientID, got)
		}
		if _, err := h.ClientCredentialsToken(ctx, c.Status.ClientID, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the regenerated secret gets no token: %v", err)
		}
		if _, err := h.ClientCredentialsToken(ctx, c.Status.ClientID, old, "read"); err == nil {
			t.Error("the old secret still gets a token after Regenerate")
		}
	})

	t.Run("deletionPolicy Orphan keeps the client at Hydra and the Secret", func(t *testing.T) {
		newClient(t, ns, "kept", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read"},
			DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
		c := waitReady(t, ns, "kept")
		seen.add(string(secretOf(t, ns, "kept").Data["client_secret"]))
		deleteClient(t, ns, "kept")
		s := secretOf(t, ns, "kept")
		if len(s.OwnerReferences) != 0 {
			t.Errorf("the orphaned Secret still has owners %v", s.OwnerReferences)
		}
		if _, err := h.ClientCredentialsToken(ctx, c.Status.ClientID, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the orphaned client no longer works: %v", err)
		}
		if status, _, err := h.Admin(ctx, http.MethodDelete, "/admin/clients/"+c.Status.ClientID, nil); err != nil || status != http.StatusNoContent {
			t.Errorf("removing the orphaned client: %d %v", status, err)
		}
	})

	t.Run("deleting the OAuthClient deletes its clients at Hydra", func(t *testing.T) {
		for _, name := range []string{"billing", "regen"} {
			deleteClient(t, ns, name)
		}
		waitFor(t, "no client left at Hydra", func() (bool, string) {
			n, err := h.AdminClientCount(ctx)
			return err == nil && n == 0, fmt.Sprintf("%d clients (%v)", n, err)
		})
	})
}

// When Hydra stops, the AuthServer's Ready condition follows what its
// OAuthClients see at once, not at its next periodic check (an hour here).
func TestAuthServerFollowsItsClientsWhenHydraStops(t *testing.T) {
	ctx := context.Background()
	h := hydraForTest(t)
	withTimings(t, time.Hour, time.Hour)
	ns := hydraNamespace(t, h, h.AdminURL)
	newClient(t, ns, "app", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read"}})
	waitReady(t, ns, "app")
	seen.add(string(secretOf(t, ns, "app").Data["client_secret"]))

	if err := h.Stop(); err != nil {
		t.Fatal(err)
	}
	requestRotation(t, ns, "app", "while-hydra-is-down")
	// The client sees the server fail, and its server says so at once
	// (after which the client waits for it: ServerNotReady).
	waitReason(t, ns, "app", v1alpha1.ReasonServerUnavailable, v1alpha1.ReasonServerNotReady)
	waitServer(t, &v1alpha1.AuthServer{}, ns, "hydra", v1alpha1.ReasonDiscoveryFailed)

	if err := h.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	waitServer(t, &v1alpha1.AuthServer{}, ns, "hydra", v1alpha1.ReasonReady)
	waitFor(t, "the rotation once Hydra is back", func() (bool, string) {
		c := getClient(t, ns, "app")
		ready, msg := isReady(c.Status.Conditions, c.Generation)
		return ready && c.Status.SecretVersion == 2, msg
	})
	seen.add(string(secretOf(t, ns, "app").Data["client_secret"]))
}

// recordVersion is the resourceVersion of oac's private record.
func recordVersion(t *testing.T, oac *v1alpha1.OAuthClient) string {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}, &s); err != nil {
		t.Fatal(err)
	}
	return s.ResourceVersion
}

// waitForLists waits until Hydra behind admin was asked for n listings of
// clients since admin's last Reset.
func waitForLists(t *testing.T, admin *hydra.CountingProxy, n int) {
	t.Helper()
	waitFor(t, fmt.Sprintf("%d listings", n), func() (bool, string) {
		got := 0
		for _, r := range admin.Requests() {
			if r.Method == http.MethodGet && r.Path == "/admin/clients" {
				got++
			}
		}
		return got >= n, fmt.Sprintf("%d listings", got)
	})
}
