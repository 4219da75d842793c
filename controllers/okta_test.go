package controllers_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta/oktafake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// TestOAuthClientsAtFakeOkta runs OAuthClients against the fake Okta org
// (oktafake: Okta cannot run here) through the okta adapter, logged in
// with an API token; every management request and answer is checked
// against Okta's management API document. Apply → a working token with the
// manifest's scopes; a quiet resync; a scope change reaching the access
// policy; drift corrected; an app deleted at Okta registered again;
// rotation with two secrets at once; disable and enable with Okta's own
// switch; the Delete and Orphan deletion policies.
func TestOAuthClientsAtFakeOkta(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	const apiToken = "okta-envtest-api-token-42" //nolint:gosec // G101: the fake org's made-up API token
	seen.add(apiToken)
	fake, srv := startFakeOkta(t, apiToken)
	tokenURL := srv.URL + "/oauth2/default/v1/token"
	token := func(s *corev1.Secret, scope string) error {
		return oktafake.ClientCredentials(ctx, nil, tokenURL, string(s.Data["client_id"]), string(s.Data["client_secret"]), scope)
	}

	ns := oktaNamespace(t, srv, apiToken)

	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Name: "okta"}, ClientName: "billing", Scopes: []string{"read", "write"},
		Rotation: rotation(0, 3*time.Second),
	})
	oac := waitReady(t, ns, "billing")
	s := secretOf(t, ns, "billing")
	id := string(s.Data["client_id"])
	if want := string(oac.UID) + "-1"; id != want {
		t.Errorf("client ID %q, want the operator's choice %q", id, want)
	}
	if got := string(s.Data["token_url"]); got != tokenURL {
		t.Errorf("token_url %q, want the default authorization server's %q", got, tokenURL)
	}
	if err := token(s, "read write"); err != nil {
		t.Fatalf("the delivered credentials get no token: %v", err)
	}
	if err := token(s, "admin"); err == nil {
		t.Error("the client gets a scope its manifest does not list")
	}
	if owner := fake.Owner(id); !strings.HasPrefix(owner, v1alpha1.ManagedByValue+"/") {
		t.Errorf("app profile owner %q, want the operator's marker", owner)
	}

	t.Run("a resync writes nothing to Okta", func(t *testing.T) {
		writes, reads := fake.Writes(), fake.Requests()
		waitFor(t, "two resyncs", func() (bool, string) {
			n := fake.Requests() - reads
			return n >= 6, fmt.Sprintf("%d requests", n)
		})
		if w := fake.Writes() - writes; w != 0 {
			t.Errorf("resyncs made %d writes", w)
		}
	})

	t.Run("a scope change reaches the access policy", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Scopes = []string{"read", "admin"}
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "scope admin granted and write refused", func() (bool, string) {
			return token(s, "admin") == nil && token(s, "write") != nil, "not yet"
		})
	})

	t.Run("drift at Okta is corrected", func(t *testing.T) {
		fake.SetLabel(id, "renamed in the console")
		waitFor(t, "the label restored", func() (bool, string) {
			l := fake.Label(id)
			return l == "billing", "label " + l
		})
	})

	t.Run("rotation adds a second secret, keeps both working for the grace period, then deletes the old one", func(t *testing.T) {
		old := secretOf(t, ns, "billing")
		requestRotation(t, ns, "billing", "okta-1")
		waitVersion(t, ns, "billing", 2)
		s = secretOf(t, ns, "billing")
		if got := string(s.Data["client_id"]); got != id {
			t.Errorf("Overlap rotation changed the client: %s → %s", id, got)
		}
		if err := token(s, "read"); err != nil {
			t.Errorf("the new secret gets no token: %v", err)
		}
		if err := token(old, "read"); err != nil {
			t.Errorf("the old secret stopped working at once: %v", err)
		}
		if n := fake.Secrets(id); n != 2 {
			t.Errorf("the app holds %d secrets during the overlap, want 2", n)
		}
		waitFor(t, "the old secret deleted after the grace period", func() (bool, string) {
			n := fake.Secrets(id)
			return n == 1, fmt.Sprintf("%d secrets", n)
		})
		if err := token(old, "read"); err == nil {
			t.Error("the old secret still gets a token after its grace period")
		}
		if err := token(s, "read"); err != nil {
			t.Errorf("the new secret gets no token after the overlap: %v", err)
		}
		// A second rotation is not refused: Okta holds one secret again.
		requestRotation(t, ns, "billing", "okta-2")
		waitVersion(t, ns, "billing", 3)
		s = secretOf(t, ns, "billing")
		if err := token(s, "read"); err != nil {
			t.Errorf("the third secret gets no token: %v", err)
		}
	})

	t.Run("disable deactivates the app, enable activates it", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Disabled = true
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitReason(t, ns, "billing", v1alpha1.ReasonDisabled)
		if st := fake.Status(id); st != "INACTIVE" {
			t.Errorf("app status %q after disable, want INACTIVE", st)
		}
		if err := token(s, "read"); err == nil {
			t.Error("a disabled client still gets tokens")
		}
		c = getClient(t, ns, "billing")
		c.Spec.Disabled = false
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitReady(t, ns, "billing")
		s = secretOf(t, ns, "billing")
		if got := string(s.Data["client_id"]); got != id {
			t.Errorf("enabling changed the client: %s → %s", id, got)
		}
		if err := token(s, "read"); err != nil {
			t.Errorf("the enabled client gets no token: %v", err)
		}
	})

	t.Run("deleted at Okta, registered again", func(t *testing.T) {
		fake.RemoveApp(id)
		waitFor(t, "an app for the client again", func() (bool, string) {
			c := getClient(t, ns, "billing")
			ready, why := isReady(c.Status.Conditions, c.Generation)
			return ready && fake.Has(c.Status.ClientID), why
		})
		s = secretOf(t, ns, "billing")
		id = string(s.Data["client_id"])
		if err := token(s, "read admin"); err != nil {
			t.Errorf("the new credentials get no token: %v", err)
		}
	})

	t.Run("deletionPolicy Orphan keeps the app", func(t *testing.T) {
		newClient(t, ns, "kept", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "okta"}, Scopes: []string{"read"},
			DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
		waitReady(t, ns, "kept")
		kept := deliveredSecret(t, ns, "kept")
		deleteClient(t, ns, "kept")
		if err := token(kept, "read"); err != nil {
			t.Errorf("the orphaned client no longer works: %v", err)
		}
	})

	t.Run("deleting the OAuthClient deletes its app and access policy", func(t *testing.T) {
		deleteClient(t, ns, "billing")
		waitFor(t, "the app and its policy gone", func() (bool, string) {
			return !fake.Has(id) && fake.Policies(id) == 0, fmt.Sprintf("app %t, %d policies", fake.Has(id), fake.Policies(id))
		})
	})
}

// startFakeOkta serves a fake Okta org behind Okta's management API
// document.
func startFakeOkta(t *testing.T, apiToken string) (*oktafake.Fake, *httptest.Server) {
	t.Helper()
	spec := contract.Load(t, "okta/management-minimal.yaml",
		contract.Outside("POST", "/oauth2/v1/token"),
		contract.Outside("POST", "/oauth2/{authServerId}/v1/token"),
		contract.Outside("GET", "/oauth2/{authServerId}/.well-known/openid-configuration"),
		contract.Outside("GET", "/oauth2/{authServerId}/.well-known/oauth-authorization-server"),
		contract.Outside("GET", "/.well-known/oauth-authorization-server/oauth2/{authServerId}"))
	fake := oktafake.New(oktafake.Options{APIToken: apiToken})
	srv := httptest.NewServer(spec.Handler(t, fake))
	t.Cleanup(srv.Close)
	return fake, srv
}

// oktaNamespace creates a namespace with AuthServer "okta" for the fake
// org srv, logged in with the API token apiToken, and waits until it is
// Ready.
func oktaNamespace(t *testing.T, srv *httptest.Server, apiToken string) string {
	t.Helper()
	ns := createNamespace(t)
	createSecret(t, ns, "okta-api", map[string]string{"token": apiToken})
	readyServer(t, ns, "okta", v1alpha1.AuthServerSpec{
		IssuerURL:      srv.URL + "/oauth2/default",
		Credentials:    &v1alpha1.ManagementCredentials{SSWSToken: &v1alpha1.SecretKeySelector{Name: "okta-api", Key: "token"}},
		ProviderBlocks: v1alpha1.ProviderBlocks{Okta: &v1alpha1.OktaProvider{OrgURL: srv.URL}},
	})
	return ns
}

// TestFakeOktaWithAServiceApp logs the operator in as Okta recommends: a
// service app with a private_key_jwt assertion at the org authorization
// server, granted the okta.* scopes of docs/providers/okta.md.
func TestFakeOktaWithAServiceApp(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	fake, srv := startFakeOkta(t, "")
	pemKey, public := rsaKey(t)
	seen.add(pemKey)
	scopes := []string{"okta.apps.read", "okta.apps.manage", "okta.authorizationServers.read", "okta.authorizationServers.manage"}
	fake.AddServiceApp("0oaoperator", public, scopes...)

	ns := createNamespace(t)
	createSecret(t, ns, "okta-operator", map[string]string{"key.pem": pemKey})
	readyServer(t, ns, "okta", v1alpha1.AuthServerSpec{
		IssuerURL: srv.URL + "/oauth2/default",
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			TokenURL: srv.URL + "/oauth2/v1/token", ClientID: "0oaoperator", Scopes: scopes,
			PrivateKey: &v1alpha1.PrivateKeySelector{SecretKeySelector: v1alpha1.SecretKeySelector{Name: "okta-operator", Key: "key.pem"}},
		}},
		ProviderBlocks: v1alpha1.ProviderBlocks{Okta: &v1alpha1.OktaProvider{OrgURL: srv.URL}},
	})
	newClient(t, ns, "worker", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "okta"}, Scopes: []string{"read"}})
	waitReady(t, ns, "worker")
	s := deliveredSecret(t, ns, "worker")
	if err := oktafake.ClientCredentials(ctx, nil, srv.URL+"/oauth2/default/v1/token", string(s.Data["client_id"]), string(s.Data["client_secret"]), "read"); err != nil {
		t.Errorf("the delivered credentials get no token: %v", err)
	}
	deleteClient(t, ns, "worker")
	if fake.Apps() != 0 {
		t.Errorf("%d apps left after the OAuthClient was deleted", fake.Apps())
	}
}
