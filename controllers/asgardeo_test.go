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
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo/asgardeofake"
)

const ordersAPI = "https://orders.example.com"

// asgardeoServer starts a fake of WSO2 Identity Server / Asgardeo (every
// exchange checked against WSO2's Application Management API document),
// with a management application and the orders API, and creates
// AuthServer name in ns for it, logging in by client credentials with
// HTTP Basic and scopes (none: the block's defaults); it waits until it
// is Ready.
func asgardeoServer(t *testing.T, ns, name string, o asgardeofake.Options, scopes []string) *asgardeofake.Running {
	t.Helper()
	f := asgardeofake.StartT(t, o)
	const mgmtSecret = "fake-management-secret"
	f.AddManagementApp("operator", mgmtSecret, asgardeofake.ManagementScopes...)
	f.AddAPI(ordersAPI, "read", "write")
	createSecret(t, ns, name+"-mgmt", map[string]string{"secret": mgmtSecret})
	readyServer(t, ns, name, v1alpha1.AuthServerSpec{
		IssuerURL:      f.Issuer,
		ProviderBlocks: v1alpha1.ProviderBlocks{Asgardeo: &v1alpha1.AsgardeoProvider{BaseURL: f.URL, Organization: f.Organization()}},
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			ClientID: "operator", ClientSecret: &v1alpha1.SecretKeySelector{Name: name + "-mgmt", Key: "secret"},
			Scopes: scopes, AuthStyle: v1alpha1.AuthStyleBasic,
		}},
	})
	return f
}

// TestOAuthClientsAtAsgardeo runs OAuthClients against the fake of a newer
// WSO2 Identity Server (with the multiple-secrets API) through the asgardeo
// adapter: apply → a working token at /t/{org}/oauth2/token, scope and
// authorized-API changes, drift corrected, deleted at the server →
// recreated, rotation with overlap, disable/enable, Delete and Orphan.
func TestOAuthClientsAtAsgardeo(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	ns := createNamespace(t)
	f := asgardeoServer(t, ns, "wso2", asgardeofake.Options{MultipleSecrets: true}, asgardeo.ManagementScopes)
	ref := v1alpha1.ServerReference{Name: "wso2"}

	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{ServerRef: ref, Audience: []string{ordersAPI}, Scopes: []string{"read"},
		Rotation: rotation(0, 3*time.Second)})
	oac := waitReady(t, ns, "billing")
	s := secretOf(t, ns, "billing")
	id, secret := string(s.Data["client_id"]), string(s.Data["client_secret"])
	if want := string(oac.UID) + "-1"; id != want {
		t.Errorf("client ID %q, want the operator's choice %q", id, want)
	}
	if got := string(s.Data["token_url"]); got != f.Issuer || !strings.HasSuffix(got, "/t/"+f.Organization()+"/oauth2/token") {
		t.Errorf("token_url %q, want the organization's token endpoint %q", got, f.Issuer)
	}
	if _, err := f.Token(ctx, id, secret, "read"); err != nil {
		t.Fatalf("the delivered credentials get no token: %v", err)
	}
	app, _ := f.Application(id)
	if !strings.Contains(app.Description, v1alpha1.ManagedByValue+"/") {
		t.Errorf("application description %q lacks the ownership marker", app.Description)
	}

	t.Run("a resync writes nothing to the server", func(t *testing.T) {
		before := f.Writes()
		reads := func() int {
			n := 0
			for _, r := range f.Requests() {
				if strings.HasSuffix(r, "/applications/"+app.ID) && strings.HasPrefix(r, "GET ") {
					n++
				}
			}
			return n
		}
		start := reads()
		waitFor(t, "two resyncs", func() (bool, string) { return reads() >= start+2, fmt.Sprintf("%d reads", reads()-start) })
		if w := f.Writes() - before; w != 0 {
			t.Errorf("resyncs made %d writes", w)
		}
	})

	t.Run("a scope change reaches the API authorization", func(t *testing.T) {
		c := getClient(t, ns, "billing")
		c.Spec.Scopes = []string{"read", "write"}
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "write authorized", func() (bool, string) {
			a, _ := f.Application(id)
			return slices.Equal(a.AuthorizedAPIs[ordersAPI], []string{"read", "write"}), fmt.Sprint(a.AuthorizedAPIs)
		})
		if _, err := f.Token(ctx, id, secret, "read write"); err != nil {
			t.Errorf("token with the added scope: %v", err)
		}
	})

	t.Run("drift at the server is corrected", func(t *testing.T) {
		if !f.SetAuthorizedScopes(id, ordersAPI, "read") {
			t.Fatal("no such authorization at the fake")
		}
		waitFor(t, "the scopes restored", func() (bool, string) {
			a, _ := f.Application(id)
			return slices.Equal(a.AuthorizedAPIs[ordersAPI], []string{"read", "write"}), fmt.Sprint(a.AuthorizedAPIs)
		})
	})

	t.Run("rotation overlaps: the old secret works during the grace period and is deleted after it", func(t *testing.T) {
		requestRotation(t, ns, "billing", "asgardeo-1")
		waitFor(t, "the rotated secret", func() (bool, string) {
			return string(secretOf(t, ns, "billing").Data["client_secret"]) != secret, "same secret"
		})
		s := deliveredSecret(t, ns, "billing")
		if got := string(s.Data["client_id"]); got != id {
			t.Errorf("Overlap changed the client: %s → %s", id, got)
		}
		if _, err := f.Token(ctx, id, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the new secret gets no token: %v", err)
		}
		if _, err := f.Token(ctx, id, secret, "read"); err != nil {
			t.Errorf("the old secret stopped working inside the grace period: %v", err)
		}
		if a, _ := f.Application(id); a.Secrets != 2 {
			t.Errorf("the application has %d secrets, want 2 during the overlap", a.Secrets)
		}
		waitFor(t, "the old secret deleted after the grace period", func() (bool, string) {
			a, _ := f.Application(id)
			return a.Secrets == 1, fmt.Sprintf("%d secrets", a.Secrets)
		})
		if _, err := f.Token(ctx, id, secret, "read"); err == nil {
			t.Error("the old secret still gets a token after its grace period")
		}
		if _, err := f.Token(ctx, id, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the new secret gets no token after the overlap: %v", err)
		}
	})

	t.Run("disable and enable use applicationEnabled", func(t *testing.T) {
		cur := string(secretOf(t, ns, "billing").Data["client_secret"])
		setDisabled(t, ns, "billing", true)
		waitReason(t, ns, "billing", v1alpha1.ReasonDisabled)
		if a, _ := f.Application(id); a.Enabled {
			t.Error("the application is still enabled")
		}
		if _, err := f.Token(ctx, id, cur, "read"); err == nil {
			t.Error("a disabled client gets a token")
		}
		setDisabled(t, ns, "billing", false)
		waitReady(t, ns, "billing")
		if _, err := f.Token(ctx, id, cur, "read"); err != nil {
			t.Errorf("the re-enabled client gets no token: %v", err)
		}
	})

	t.Run("deleted at the server, registered again", func(t *testing.T) {
		cur := getClient(t, ns, "billing").Status.ClientID
		if !f.DeleteApplication(cur) {
			t.Fatal("no such application at the fake")
		}
		waitFor(t, "a new client", func() (bool, string) {
			c := getClient(t, ns, "billing")
			return c.Status.ClientID != "" && c.Status.ClientID != cur, "client " + c.Status.ClientID
		})
		s := deliveredSecret(t, ns, "billing")
		if _, err := f.Token(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read write"); err != nil {
			t.Errorf("the new credentials get no token: %v", err)
		}
	})

	t.Run("authorizedAPIs in providerOptions, and a change of them", func(t *testing.T) {
		newClient(t, ns, "reports", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"},
			ProviderOptions: &v1alpha1.ProviderOptions{Asgardeo: &v1alpha1.AsgardeoClientOptions{
				AccessTokenType: "JWT", AuthorizedAPIs: []v1alpha1.AsgardeoAuthorizedAPI{{Identifier: ordersAPI, Scopes: []string{"read"}}}}}})
		c := waitReady(t, ns, "reports")
		s := deliveredSecret(t, ns, "reports")
		if _, err := f.Token(ctx, c.Status.ClientID, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("token: %v", err)
		}
		c = getClient(t, ns, "reports")
		c.Spec.ProviderOptions.Asgardeo.AuthorizedAPIs[0].Scopes = []string{"read", "write"}
		if err := k8s.Update(ctx, c); err != nil {
			t.Fatal(err)
		}
		waitFor(t, "the authorized API's scopes changed", func() (bool, string) {
			a, _ := f.Application(c.Status.ClientID)
			return slices.Equal(a.AuthorizedAPIs[ordersAPI], []string{"read", "write"}), fmt.Sprint(a.AuthorizedAPIs)
		})
		if a, _ := f.Application(c.Status.ClientID); len(a.AuthorizedAPIs) != 1 {
			t.Errorf("authorized APIs %v, want the one", a.AuthorizedAPIs)
		}
		newClient(t, ns, "unmapped", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}})
		cond := waitReason(t, ns, "unmapped", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, "spec.audience") {
			t.Errorf("condition %q does not say to set spec.audience", cond.Message)
		}
	})

	t.Run("deletionPolicy Orphan keeps the application and the Secret", func(t *testing.T) {
		newClient(t, ns, "kept", v1alpha1.OAuthClientSpec{ServerRef: ref, Audience: []string{ordersAPI}, Scopes: []string{"read"},
			DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
		c := waitReady(t, ns, "kept")
		s := deliveredSecret(t, ns, "kept")
		deleteClient(t, ns, "kept")
		if _, err := f.Token(ctx, c.Status.ClientID, string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the orphaned client no longer works: %v", err)
		}
		if !f.DeleteApplication(c.Status.ClientID) {
			t.Error("the orphaned application is gone")
		}
	})

	t.Run("deleting the OAuthClients deletes their applications", func(t *testing.T) {
		for _, name := range []string{"billing", "reports", "unmapped"} {
			deleteClient(t, ns, name)
		}
		waitFor(t, "no application left", func() (bool, string) {
			return f.Applications() == 0, fmt.Sprintf("%d applications", f.Applications())
		})
	})
}

// Without the multiple-secrets API (Asgardeo, older Identity Server),
// rotation replaces the client: a second application, the old one working
// until the grace period ends, then deleted. The management login names no
// scopes: the block's defaults are asked for.
func TestAsgardeoRotationWithoutMultipleSecretsReplaces(t *testing.T) {
	t.Parallel() // its own namespace and server; no restart, crash point or global
	ctx := context.Background()
	ns := createNamespace(t)
	f := asgardeoServer(t, ns, "asgardeo", asgardeofake.Options{Organization: "acme"}, nil)
	newClient(t, ns, "worker", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "asgardeo"},
		Audience: []string{ordersAPI}, Scopes: []string{"read"},
		Rotation: &v1alpha1.RotationPolicy{GracePeriod: &metav1.Duration{Duration: 4 * time.Second}}})
	waitReady(t, ns, "worker")
	before := secretOf(t, ns, "worker")
	oldID, oldSecret := string(before.Data["client_id"]), string(before.Data["client_secret"])
	seen.add(oldSecret)
	requestRotation(t, ns, "worker", "replace-1")
	waitFor(t, "the replacing client", func() (bool, string) {
		return string(secretOf(t, ns, "worker").Data["client_id"]) != oldID, "same client"
	})
	s := deliveredSecret(t, ns, "worker")
	if _, err := f.Token(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read"); err != nil {
		t.Errorf("the new client gets no token: %v", err)
	}
	if _, err := f.Token(ctx, oldID, oldSecret, "read"); err != nil {
		t.Errorf("the old client stopped working inside the grace period: %v", err)
	}
	waitFor(t, "the old application deleted after the grace period", func() (bool, string) {
		_, found := f.Application(oldID)
		return !found, "still there"
	})
	deleteClient(t, ns, "worker")
	if n := f.Applications(); n != 0 {
		t.Errorf("%d applications left", n)
	}
}

// setDisabled sets spec.disabled of an OAuthClient.
func setDisabled(t *testing.T, ns, name string, disabled bool) {
	t.Helper()
	c := getClient(t, ns, name)
	c.Spec.Disabled = disabled
	if err := k8s.Update(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}
