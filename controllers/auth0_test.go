package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
)

// TestOAuthClientsAtAuth0 runs OAuthClients against a fake Auth0 tenant
// (auth0fake, every Management API call checked against Auth0's OpenAPI
// document) through the auth0 adapter, logged in as a machine-to-machine
// application: apply → a working token for the API with the manifest's
// scopes, a quiet resync, a scope change, drift corrected, the client
// recreated when deleted at the server, rotation (Replace by default,
// Regenerate on request), disable and enable by the delete fallback,
// several client grants from providerOptions, a refused spec, and the
// Orphan and Delete policies. It has its own namespace and tenant and runs
// in parallel with the other adapters' tests; the crash after Auth0's
// answer is TestAuth0CrashBetweenTheAnswerAndTheRecord.
func TestOAuthClientsAtAuth0(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	srv, ns, spec, works, delivered := auth0Fixture(t)

	newClient(t, ns, "billing", spec("read", "write"))
	oac := waitReady(t, ns, "billing")
	s := delivered("billing")
	id := string(s.Data["client_id"])
	if oac.Status.ClientID != id || string(s.Data["token_url"]) != srv.TokenURL {
		t.Errorf("client %q (status %q), token_url %q; want Auth0's %q", id, oac.Status.ClientID, s.Data["token_url"], srv.TokenURL)
	}
	works(t, s, "read write")
	at, ok := srv.Client(id)
	if !ok || at.AppType != auth0.AppNonInteractive || !strings.HasPrefix(at.Metadata[auth0.MetadataOwner], v1alpha1.ManagedByValue+"/") {
		t.Errorf("client at Auth0: found %v, app_type %q, metadata %v; want a non_interactive client with the operator's marker", ok, at.AppType, at.Metadata)
	}

	t.Run("a resync writes nothing to Auth0", func(t *testing.T) {
		srv.ResetRequests()
		waitQuietResyncs(t, "Auth0", func() (n int) {
			for _, r := range srv.Requests() {
				// A resync reads the client alone, or lists the tenant's
				// clients (Auth0 can list: one page serves every client).
				if r.Method == http.MethodGet && (r.Path == "/api/v2/clients/"+id || r.Path == "/api/v2/clients") {
					n++
				}
			}
			return n
		}, srv.ManagementWrites)
	})

	t.Run("a scope change reaches the client grant", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Scopes = []string{"read"}
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the grant's scopes", func() (bool, string) {
			got := srv.Grants(id)[srv.API]
			return slices.Equal(got, []string{"read"}), fmt.Sprint(got)
		})
		if _, err := srv.ClientCredentialsToken(ctx, id, string(s.Data["client_secret"]), srv.API, "write", true); err == nil {
			t.Error("the removed scope is still granted")
		}
	})

	t.Run("drift at the server is corrected", func(t *testing.T) {
		if !srv.SetGrantScopes(id, srv.API, []string{"read", "admin"}) {
			t.Fatal("no grant to change")
		}
		waitFor(t, "the grant corrected", func() (bool, string) {
			got := srv.Grants(id)[srv.API]
			return slices.Equal(got, []string{"read"}), fmt.Sprint(got)
		})
	})

	t.Run("deleted at the server, registered again", func(t *testing.T) {
		srv.DeleteClient(id)
		waitFor(t, "a new client", func() (bool, string) {
			c := getClient(t, ns, "billing")
			return c.Status.ClientID != "" && c.Status.ClientID != id, "client " + c.Status.ClientID
		})
		waitReady(t, ns, "billing")
		works(t, delivered("billing"), "read")
	})

	t.Run("rotation on request replaces the client and keeps the old one for the grace period", func(t *testing.T) {
		before := delivered("billing")
		oldID := string(before.Data["client_id"])
		requestRotation(t, ns, "billing", "auth0-1")
		waitFor(t, "the rotated credentials", func() (bool, string) {
			s := secretOf(t, ns, "billing")
			return string(s.Data["client_id"]) != oldID, "client " + string(s.Data["client_id"])
		})
		works(t, delivered("billing"), "read")
		works(t, before, "read")
	})

	t.Run("rotation with Regenerate: the same client, a new secret, the old one refused", func(t *testing.T) {
		regen := spec("read")
		regen.Rotation = &v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyRegenerate}
		newClient(t, ns, "regen", regen)
		c := waitReady(t, ns, "regen")
		before := delivered("regen")
		requestRotation(t, ns, "regen", "regen-1")
		waitFor(t, "the regenerated secret", func() (bool, string) {
			return string(secretOf(t, ns, "regen").Data["client_secret"]) != string(before.Data["client_secret"]), "same secret"
		})
		after := delivered("regen")
		if got := string(after.Data["client_id"]); got != c.Status.ClientID {
			t.Errorf("Regenerate changed the client: %s → %s", c.Status.ClientID, got)
		}
		works(t, after, "read")
		if _, err := srv.ClientCredentialsToken(ctx, c.Status.ClientID, string(before.Data["client_secret"]), srv.API, "read", true); err == nil {
			t.Error("the old secret still gets a token after Regenerate")
		}
	})

	t.Run("disabled: deleted at Auth0 (no switch); enabled: registered again", func(t *testing.T) {
		c := getClient(t, ns, "regen")
		was := c.Status.ClientID
		c.Spec.Disabled = true
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		cond := waitReason(t, ns, "regen", v1alpha1.ReasonDisabled)
		if !strings.Contains(cond.Message, "no switch") {
			t.Errorf("Disabled says %q, want it to say the client was deleted for want of a switch", cond.Message)
		}
		if _, ok := srv.Client(was); ok {
			t.Errorf("the disabled client %s is still at Auth0", was)
		}
		c = getClient(t, ns, "regen")
		c.Spec.Disabled = false
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "a new client after enable", func() (bool, string) {
			c := getClient(t, ns, "regen")
			ready, msg := isReady(c.Status.Conditions, c.Generation)
			return ready && c.Status.ClientID != was, msg
		})
		works(t, delivered("regen"), "read")
	})

	t.Run("providerOptions.auth0.clientGrants reach Auth0; a client without an API is refused naming spec.audience", func(t *testing.T) {
		other := "https://billing.example.com"
		srv.AddAPI(other)
		newClient(t, ns, "multi", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "auth0"}, Scopes: []string{"read"},
			ProviderOptions: &v1alpha1.ProviderOptions{Auth0: &v1alpha1.Auth0ClientOptions{ClientGrants: []v1alpha1.Auth0ClientGrant{
				{Audience: srv.API, Scopes: []string{"read"}}, {Audience: other, Scopes: []string{"invoices:read"}}}}}})
		c := waitReady(t, ns, "multi")
		s := delivered("multi")
		if _, err := srv.ClientCredentialsToken(ctx, c.Status.ClientID, string(s.Data["client_secret"]), other, "invoices:read", true); err != nil {
			t.Errorf("no token for the second grant's API: %v", err)
		}
		works(t, s, "read")

		before := len(srv.ClientIDs())
		newClient(t, ns, "nowhere", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "auth0"}, Scopes: []string{"read"}})
		cond := waitReason(t, ns, "nowhere", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, "spec.audience") {
			t.Errorf("condition %q does not name spec.audience", cond.Message)
		}
		if after := len(srv.ClientIDs()); after != before {
			t.Errorf("clients at Auth0 %d → %d: a refused client was registered", before, after)
		}
		for _, name := range []string{"multi", "nowhere"} {
			deleteClient(t, ns, name)
		}
	})

	t.Run("deletionPolicy Orphan keeps the client at Auth0 and the Secret", func(t *testing.T) {
		kept := spec("read")
		kept.DeletionPolicy = v1alpha1.DeletionPolicyOrphan
		newClient(t, ns, "kept", kept)
		c := waitReady(t, ns, "kept")
		delivered("kept")
		deleteClient(t, ns, "kept")
		s := secretOf(t, ns, "kept")
		if len(s.OwnerReferences) != 0 {
			t.Errorf("the orphaned Secret still has owners %v", s.OwnerReferences)
		}
		works(t, s, "read")
		srv.DeleteClient(c.Status.ClientID)
	})

	t.Run("deleting the OAuthClient deletes its clients and grants at Auth0", func(t *testing.T) {
		for _, name := range []string{"billing", "regen"} {
			deleteClient(t, ns, name)
		}
		waitFor(t, "no client left at Auth0", func() (bool, string) {
			ids := srv.ClientIDs()
			return len(ids) == 0, fmt.Sprint(ids)
		})
	})
}

// TestAuth0CrashBetweenTheAnswerAndTheRecord stops the manager right after
// Auth0 made a client (at registration, and at a Replace rotation) and
// before the record holds it: the restarted operator takes over the client
// it made. It restarts the manager and arms crash points, so it runs alone,
// not in parallel.
func TestAuth0CrashBetweenTheAnswerAndTheRecord(t *testing.T) {
	srv, ns, spec, works, delivered := auth0Fixture(t)
	named := func(name string) int {
		n := 0
		for _, id := range srv.ClientIDs() {
			if c, ok := srv.Client(id); ok && c.Name == name {
				n++
			}
		}
		return n
	}
	for _, point := range []string{crashpoint.AfterRemoteCreate, crashpoint.AfterReplaceCreate} {
		t.Run(point, func(t *testing.T) {
			crashpoint.Reset()
			defer crashpoint.Reset()
			name := "crash-" + strings.TrimPrefix(point, "after-")
			crashSpec := spec("read")
			crashSpec.Rotation = rotation(0, 2*time.Second)
			if point == crashpoint.AfterReplaceCreate {
				newClient(t, ns, name, crashSpec)
				waitReady(t, ns, name)
				delivered(name)
				crashpoint.Arm(point)
				requestRotation(t, ns, name, "crash")
			} else {
				crashpoint.Arm(point)
				newClient(t, ns, name, crashSpec)
			}
			waitFor(t, "the crash point", func() (bool, string) { return crashpoint.Hits(point) == 1, "not reached" })
			go func() { time.Sleep(200 * time.Millisecond); crashpoint.Release() }()
			restartManager(t, 0)
			waitFor(t, "Ready after the crash", func() (bool, string) {
				c := getClient(t, ns, name)
				ready, why := isReady(c.Status.Conditions, c.Generation)
				return ready && (point != crashpoint.AfterReplaceCreate || c.Status.SecretVersion == 2), why
			})
			works(t, delivered(name), "read")
			// The replaced client retires after its 2s grace period.
			waitFor(t, "one client at Auth0", func() (bool, string) {
				n := named(ns + "/" + name)
				return n == 1, fmt.Sprintf("%d clients named %s/%s", n, ns, name)
			})
			deleteClient(t, ns, name)
		})
	}
}

// auth0Fixture starts a fake tenant and an AuthServer "auth0" for it in a
// new namespace, and returns them with the helpers the Auth0 tests share:
// spec (an OAuthClientSpec for the tenant's API with scopes), works (fails
// t unless a Secret's credentials get a token for the API with scope, the
// way a workload does: HTTP Basic, the default auth method) and delivered
// (the client's Secret, its secret noted for the leak scan).
func auth0Fixture(t *testing.T) (srv *auth0fake.Server, ns string, spec func(scopes ...string) v1alpha1.OAuthClientSpec,
	works func(t *testing.T, s *corev1.Secret, scope string), delivered func(name string) *corev1.Secret) {
	t.Helper()
	ctx := context.Background()
	srv = auth0fake.Start(t)
	ns = createNamespace(t)
	auth0Server(t, srv, ns, "auth0")
	spec = func(scopes ...string) v1alpha1.OAuthClientSpec {
		return v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "auth0"}, Scopes: scopes, Audience: []string{srv.API}}
	}
	works = func(t *testing.T, s *corev1.Secret, scope string) {
		t.Helper()
		if _, err := srv.ClientCredentialsToken(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), srv.API, scope, true); err != nil {
			t.Errorf("the delivered credentials get no token with scope %q: %v", scope, err)
		}
	}
	delivered = func(name string) *corev1.Secret {
		s := deliveredSecret(t, ns, name)
		return s
	}
	return srv, ns, spec, works, delivered
}

// auth0Server creates AuthServer name in ns for the fake tenant, logged in
// with the tenant's machine-to-machine application, and waits until it is
// Ready.
func auth0Server(t *testing.T, srv *auth0fake.Server, ns, name string) {
	t.Helper()
	seen.add(srv.ManagementClientSecret)
	createSecret(t, ns, name+"-management", map[string]string{"client_secret": srv.ManagementClientSecret})
	readyServer(t, ns, name, v1alpha1.AuthServerSpec{
		IssuerURL: srv.Issuer,
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			ClientID:     srv.ManagementClientID,
			ClientSecret: &v1alpha1.SecretKeySelector{Name: name + "-management", Key: "client_secret"},
			Audience:     srv.ManagementAudience,
			AuthStyle:    v1alpha1.AuthStyleForm,
		}},
		ProviderBlocks: v1alpha1.ProviderBlocks{Auth0: &v1alpha1.Auth0Provider{Domain: srv.Domain}},
	})
}
