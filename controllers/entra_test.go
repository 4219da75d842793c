package controllers_test

import (
	"context"
	"crypto"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra/entrafake"
)

// TestOAuthClientsAtEntraFake runs OAuthClients through the entra adapter
// against a FAKE Microsoft Entra ID tenant (entrafake, every Graph
// exchange checked against the Graph OpenAPI document): apply → a working
// token for the resource; a scope change reaches the tenant; drift is
// corrected; an application deleted at the tenant is registered again;
// rotation overlaps, the old secret refused after the grace period;
// disable and enable switch the service principal; Delete and Orphan.
func TestOAuthClientsAtEntraFake(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	srv := entrafake.Start(t)
	ns := createNamespace(t)
	createSecret(t, ns, "entra-operator", map[string]string{"client-secret": srv.ManagementSecret})
	seen.add(srv.ManagementSecret)
	readyServer(t, ns, "entra", v1alpha1.AuthServerSpec{
		IssuerURL: srv.Issuer(srv.URL),
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			ClientID: srv.ManagementID, ClientSecret: &v1alpha1.SecretKeySelector{Name: "entra-operator", Key: "client-secret"},
			AuthStyle: v1alpha1.AuthStyleForm, Scopes: []string{entrafake.GraphResource + "/.default"},
		}},
		ProviderBlocks: v1alpha1.ProviderBlocks{Entra: &v1alpha1.EntraProvider{TenantID: srv.Tenant, GraphURL: srv.URL}},
	})
	ref := v1alpha1.ServerReference{Name: "entra"}
	roles := func(rs ...v1alpha1.EntraAppRoles) *v1alpha1.ProviderOptions {
		return &v1alpha1.ProviderOptions{Entra: &v1alpha1.EntraClientOptions{AppRoles: rs}}
	}
	orders := v1alpha1.EntraAppRoles{Resource: "api://fake-orders", Roles: []string{"Orders.Read"}}
	billing := v1alpha1.EntraAppRoles{Resource: "api://fake-billing", Roles: []string{"Billing.Read"}}
	works := func(t *testing.T, s *corev1.Secret, scope string) error {
		t.Helper()
		return srv.ClientCredentials(string(s.Data["client_id"]), string(s.Data["client_secret"]), scope)
	}

	newClient(t, ns, "orders", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"api://fake-orders/.default"},
		ProviderOptions: roles(orders), Rotation: rotation(0, 2*time.Second)})
	oac := waitReady(t, ns, "orders")
	s := secretOf(t, ns, "orders")
	id := string(s.Data["client_id"])
	if oac.Status.ClientID != id || string(s.Data["token_url"]) != srv.TokenURL(srv.URL) || string(s.Data["scope"]) != "api://fake-orders/.default" {
		t.Errorf("Secret: client_id %q (status %q), token_url %q, scope %q; want the tenant's v2.0 token endpoint and the resource's .default scope",
			id, oac.Status.ClientID, s.Data["token_url"], s.Data["scope"])
	}
	if err := works(t, s, "api://fake-orders/.default"); err != nil {
		t.Fatalf("the delivered credentials get no token: %v", err)
	}

	t.Run("a scope change reaches the tenant", func(t *testing.T) {
		c := getClient(t, ns, "orders")
		c.Spec.Scopes = []string{"api://fake-orders/.default", "api://fake-billing/.default"}
		c.Spec.ProviderOptions = roles(orders, billing)
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the Billing.Read role at the tenant", func() (bool, string) {
			got := srv.AssignedRoles(id, "api://fake-billing")
			return len(got) == 1 && got[0] == "Billing.Read", strings.Join(got, ",")
		})
		if err := works(t, secretOf(t, ns, "orders"), "api://fake-billing/.default"); err != nil {
			t.Errorf("no token for the added resource: %v", err)
		}
	})

	t.Run("drift at the tenant is corrected", func(t *testing.T) {
		srv.SetDisplayName(id, "renamed in the portal")
		waitFor(t, "the display name put back", func() (bool, string) {
			c, err := entraApp(srv, id)
			return err == nil && c == ns+"/orders", c
		})
	})

	t.Run("rotation overlaps: the same client, a new secret, the old ones refused after the grace period; a second rotation waits for it", func(t *testing.T) {
		before := secretOf(t, ns, "orders")
		old := string(before.Data["client_secret"])
		requestRotation(t, ns, "orders", "entra-1")
		waitFor(t, "the rotated secret", func() (bool, string) {
			return string(secretOf(t, ns, "orders").Data["client_secret"]) != old, "same secret"
		})
		now := secretOf(t, ns, "orders")
		if string(now.Data["client_id"]) != id {
			t.Errorf("overlap rotation changed the client: %s → %s", id, now.Data["client_id"])
		}
		if err := works(t, now, "api://fake-orders/.default"); err != nil {
			t.Errorf("the new secret gets no token: %v", err)
		}
		// A second rotation asked for at once waits for the first one's
		// grace period (the application keeps two secrets at most).
		second := string(now.Data["client_secret"])
		requestRotation(t, ns, "orders", "entra-2")
		waitFor(t, "the second rotation", func() (bool, string) {
			return string(secretOf(t, ns, "orders").Data["client_secret"]) != second, "same secret"
		})
		waitFor(t, "the old secrets removed after the grace period", func() (bool, string) {
			c := getClient(t, ns, "orders")
			ready, why := isReady(c.Status.Conditions, c.Generation)
			return ready && srv.Passwords(id) == 1, why
		})
		for i, old := range []*corev1.Secret{before, now} {
			if err := works(t, old, "api://fake-orders/.default"); err == nil {
				t.Errorf("secret %d still gets a token after its grace period", i+1)
			}
		}
		if err := works(t, secretOf(t, ns, "orders"), "api://fake-orders/.default"); err != nil {
			t.Errorf("the newest secret gets no token: %v", err)
		}
	})

	t.Run("disable switches the service principal off, enable on", func(t *testing.T) {
		set := func(off bool) {
			c := getClient(t, ns, "orders")
			c.Spec.Disabled = off
			if err := k8s.Update(ctx, c); err != nil {
				t.Fatal(err)
			}
		}
		set(true)
		waitReason(t, ns, "orders", v1alpha1.ReasonDisabled)
		if srv.Enabled(id) {
			t.Error("the service principal is still enabled")
		}
		if err := works(t, secretOf(t, ns, "orders"), "api://fake-orders/.default"); err == nil {
			t.Error("a disabled client gets a token")
		}
		set(false)
		waitReady(t, ns, "orders")
		if err := works(t, secretOf(t, ns, "orders"), "api://fake-orders/.default"); err != nil {
			t.Errorf("the re-enabled client gets no token: %v", err)
		}
	})

	t.Run("deleted at the tenant, registered again", func(t *testing.T) {
		srv.DeleteApplication(id)
		waitFor(t, "a new application", func() (bool, string) {
			c := getClient(t, ns, "orders")
			ready, why := isReady(c.Status.Conditions, c.Generation)
			return ready && c.Status.ClientID != id, why + " client " + c.Status.ClientID
		})
		if err := works(t, secretOf(t, ns, "orders"), "api://fake-orders/.default"); err != nil {
			t.Errorf("the new credentials get no token: %v", err)
		}
	})

	t.Run("deletionPolicy Orphan keeps the application, Delete removes it", func(t *testing.T) {
		newClient(t, ns, "kept", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"api://fake-orders/.default"},
			ProviderOptions: roles(orders), DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
		kept := waitReady(t, ns, "kept")
		ks := secretOf(t, ns, "kept")
		for _, name := range []string{"kept", "orders"} {
			deleteClient(t, ns, name)
		}
		if err := works(t, ks, "api://fake-orders/.default"); err != nil {
			t.Errorf("the orphaned application no longer works: %v", err)
		}
		if n := srv.Applications(""); n != 3 {
			t.Errorf("the tenant holds %d applications, want the two resource APIs and the orphaned one", n)
		}
		srv.DeleteApplication(kept.Status.ClientID)
	})
}

// entraApp is the displayName of an application at the fake, read
// through Graph as the management app.
func entraApp(srv *entrafake.Server, appID string) (string, error) {
	cc := clientcredentials.Config{ClientID: srv.ManagementID, ClientSecret: srv.ManagementSecret, TokenURL: srv.TokenURL(srv.URL),
		Scopes: []string{entrafake.GraphResource + "/.default"}, AuthStyle: oauth2.AuthStyleInParams}
	p, err := entra.New(entra.Config{GraphURL: srv.URL, Token: cc.TokenSource(context.Background())})
	if err != nil {
		return "", err
	}
	c, err := p.Observe(context.Background(), appID, nil)
	return c.Spec.ClientName, err
}

// TestEntraFakeFederatedLogin logs the operator in to the fake tenant with
// no management secret: a service-account token from the envtest API
// server's TokenRequest API, audience api://AzureADTokenExchange, is the
// client assertion; the fake trusts the API server's issuer and signing
// keys (its /openid/v1/jwks) for that ServiceAccount. A token with another
// audience is refused with a reason a user can act on.
func TestEntraFakeFederatedLogin(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	srv := entrafake.Start(t)
	issuer, keys := serviceAccountIssuer(t)
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "entra-login", Namespace: operatorNamespace}}
	mustCreate(t, sa)
	t.Cleanup(func() { _ = k8s.Delete(ctx, sa) })
	const appID = "3f2e1d0c-9b8a-4765-8432-10fedcba9876"
	srv.AddManagementApp(entrafake.ManagementApp{ClientID: appID, Federated: []entrafake.Federated{{
		Issuer: issuer, Subject: "system:serviceaccount:" + operatorNamespace + ":entra-login",
		Audience: entrafake.FederatedAudience, Keys: keys,
	}}})
	dir := t.TempDir()
	good, wrong := filepath.Join(dir, "token"), filepath.Join(dir, "wrong-audience")
	writeServiceAccountToken(t, sa, entrafake.FederatedAudience, good)
	writeServiceAccountToken(t, sa, "https://kubernetes.default.svc", wrong)

	server := func(name, file string) {
		cas := &v1alpha1.ClusterAuthServer{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.AuthServerSpec{
				IssuerURL: srv.Issuer(srv.URL),
				Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
					ClientID: appID, AssertionFile: v1alpha1.TokenFilePath(file), Scopes: []string{entrafake.GraphResource + "/.default"},
				}},
				ProviderBlocks: v1alpha1.ProviderBlocks{Entra: &v1alpha1.EntraProvider{TenantID: srv.Tenant, GraphURL: srv.URL}},
			},
		}
		mustCreate(t, cas)
		t.Cleanup(func() { _ = k8s.Delete(ctx, cas) })
	}
	tenant := createNamespace(t)
	name := "entra-federated-" + tenant
	server(name, good)
	waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonReady)
	newClient(t, tenant, "app", v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Kind: v1alpha1.KindClusterAuthServer, Name: name},
		Scopes:    []string{"api://fake-orders/.default"},
		ProviderOptions: &v1alpha1.ProviderOptions{Entra: &v1alpha1.EntraClientOptions{AppRoles: []v1alpha1.EntraAppRoles{
			{Resource: "api://fake-orders", Roles: []string{"Orders.Write"}}}}},
	})
	deleteClientAtEnd(t, tenant, "app")
	waitReady(t, tenant, "app")
	s := secretOf(t, tenant, "app")
	if err := srv.ClientCredentials(string(s.Data["client_id"]), string(s.Data["client_secret"]), "api://fake-orders/.default"); err != nil {
		t.Errorf("the client registered with a federated login gets no token: %v", err)
	}

	wrongName := "entra-wrong-audience-" + tenant
	server(wrongName, wrong)
	cond := waitServer(t, &v1alpha1.ClusterAuthServer{}, "", wrongName, v1alpha1.ReasonCredentialsRefused)
	if !strings.Contains(cond.Message, "AADSTS700212") || !strings.Contains(cond.Message, "audience") {
		t.Errorf("the refusal does not say the audience is wrong: %s", cond.Message)
	}
}

// serviceAccountIssuer reads the envtest API server's service-account
// issuer and its signing keys, as Entra reads a federated issuer's.
func serviceAccountIssuer(t *testing.T) (string, map[string]crypto.PublicKey) {
	t.Helper()
	hc, err := rest.HTTPClientFor(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	get := func(path string) []byte {
		resp, err := hc.Get(strings.TrimSuffix(env.Config.Host, "/") + path)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		b, err := io.ReadAll(resp.Body)
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
		return b
	}
	var cfg struct {
		Issuer string `json:"issuer"`
	}
	if err := json.Unmarshal(get("/.well-known/openid-configuration"), &cfg); err != nil || cfg.Issuer == "" {
		t.Fatalf("the API server's OpenID configuration has no issuer: %v", err)
	}
	keys, err := entrafake.ParseJWKS(get("/openid/v1/jwks"))
	if err != nil {
		t.Fatalf("the API server's keys: %v", err)
	}
	return cfg.Issuer, keys
}
