package controllers_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// TestCredentialsFromAtHydra brings the client's secret from a Secret to a
// real Ory Hydra v2.3.0, which lets the caller supply it: nothing is
// registered while the source is missing, the brought secret is
// registered, verified and delivered, and a changed source reaches Hydra
// and the delivered Secret. The operator never writes the source.
func TestCredentialsFromAtHydra(t *testing.T) {
	ctx := context.Background()
	h, admin, ns := startCountedHydra(t)
	ref := v1alpha1.ServerReference{Name: "hydra"}
	before, err := h.AdminClientCount(ctx)
	if err != nil {
		t.Fatal(err)
	}
	admin.Reset()

	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"},
		CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "billing-source"}})
	oac := getClient(t, ns, "billing")
	nothingRegistered := func(t *testing.T) {
		t.Helper()
		for _, r := range admin.Requests() {
			if r.Method == http.MethodPost {
				t.Errorf("a client was registered while the source was incomplete: %s %s", r.Method, r.Path)
			}
		}
		if n, err := h.AdminClientCount(ctx); err != nil || n != before {
			t.Errorf("Hydra holds %d clients (err %v), want %d as before", n, err, before)
		}
		if _, found, _ := h.AdminClient(ctx, string(oac.UID)+"-1"); found {
			t.Error("the client exists at Hydra")
		}
		assertNoSecret(t, ns, "billing")
	}

	t.Run("while the source Secret is missing the client waits and nothing is registered", func(t *testing.T) {
		cond := waitReason(t, ns, "billing", v1alpha1.ReasonCredentialsSourceMissing)
		if !strings.Contains(cond.Message, "billing-source") || !strings.Contains(cond.Message, "spec.credentialsFrom.secretName") {
			t.Errorf("message %q does not name the Secret and the field", cond.Message)
		}
		nothingRegistered(t)
	})

	// Created later, as External Secrets or a person would: first without
	// the key, then complete.
	source := sourceSecret(t, ns, "billing-source", map[string]string{"note": "filled later"})
	t.Run("while a key is missing the client waits and nothing is registered", func(t *testing.T) {
		waitFor(t, "the missing key named", func() (bool, string) {
			cond := waitReason(t, ns, "billing", v1alpha1.ReasonCredentialsSourceMissing)
			return strings.Contains(cond.Message, `"client_secret"`) && strings.Contains(cond.Message, "clientSecretKey"), cond.Message
		})
		nothingRegistered(t)
	})

	first := "brought-secret-from-vault-" + strings.Repeat("a", 20)
	setSource(t, source, map[string]string{"client_secret": first})
	t.Run("the brought secret is registered, verified and delivered", func(t *testing.T) {
		waitVersion(t, ns, "billing", 1)
		s := secretOf(t, ns, "billing")
		id := string(s.Data["client_id"])
		if id != string(oac.UID)+"-1" || string(s.Data["client_secret"]) != first {
			t.Fatalf("delivered client %q with another secret; want %s-1 with the brought one", id, oac.UID)
		}
		if _, err := h.ClientCredentialsToken(ctx, id, first, "read"); err != nil {
			t.Errorf("the brought secret gets no token at Hydra: %v", err)
		}
	})

	t.Run("a changed source reaches Hydra and the delivered Secret", func(t *testing.T) {
		second := "rotated-by-external-secrets-" + strings.Repeat("b", 20)
		setSource(t, source, map[string]string{"client_secret": second})
		waitVersion(t, ns, "billing", 2)
		s := secretOf(t, ns, "billing")
		id := string(s.Data["client_id"])
		if string(s.Data["client_secret"]) != second || id != string(oac.UID)+"-1" {
			t.Fatalf("delivered %q without the new secret", id)
		}
		if _, err := h.ClientCredentialsToken(ctx, id, second, "read"); err != nil {
			t.Errorf("the new secret gets no token at Hydra: %v", err)
		}
		if _, err := h.ClientCredentialsToken(ctx, id, first, "read"); err == nil {
			t.Error("the old secret still works at Hydra")
		}
		if !hasEvent(t, ns, "billing", "Normal/CredentialsChanged") {
			t.Error("no CredentialsChanged event")
		}
	})

	t.Run("a brought client ID is the one registered", func(t *testing.T) {
		const id = "partner-portal-client"
		secret := "chosen-id-secret-" + strings.Repeat("c", 24)
		sourceSecret(t, ns, "portal-source", map[string]string{"client_id": id, "client_secret": secret})
		newClient(t, ns, "portal", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"},
			CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "portal-source", ClientIDKey: "client_id"}})
		waitReady(t, ns, "portal")
		if got := string(secretOf(t, ns, "portal").Data["client_id"]); got != id {
			t.Errorf("delivered client %q, want %q", got, id)
		}
		if _, err := h.ClientCredentialsToken(ctx, id, secret, "read"); err != nil {
			t.Errorf("the brought client gets no token at Hydra: %v", err)
		}
	})

	t.Run("the source Secret is never written", func(t *testing.T) {
		var now = source.DeepCopy()
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(source), now); err != nil {
			t.Fatal(err)
		}
		if now.ResourceVersion != source.ResourceVersion || len(now.OwnerReferences) != 0 || len(now.Labels) != 0 {
			t.Errorf("the source Secret was written: resourceVersion %s -> %s", source.ResourceVersion, now.ResourceVersion)
		}
	})
}

// TestCredentialsFromBadInput: brought credentials where they cannot work
// are refused, naming spec.credentialsFrom, at admission where the schema
// can see it, else in a condition before anything is registered.
func TestCredentialsFromBadInput(t *testing.T) {
	ctx := context.Background()
	ns := newNamespace(t) // "dev": dynamic registration at oidc-provider, which issues secrets itself

	t.Run("at admission: a public client cannot bring a secret", func(t *testing.T) {
		err := k8s.Create(ctx, &v1alpha1.OAuthClient{
			ObjectMeta: metav1.ObjectMeta{Name: "public", Namespace: ns},
			Spec: v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "dev"},
				GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example.test/cb"},
				TokenEndpointAuthMethod: "none", CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "src"}},
		})
		if err == nil || !strings.Contains(err.Error(), "spec.credentialsFrom") {
			t.Errorf("create: %v, want a refusal naming spec.credentialsFrom", err)
		}
	})
	t.Run("at admission: the source cannot be the delivered Secret", func(t *testing.T) {
		err := k8s.Create(ctx, &v1alpha1.OAuthClient{
			ObjectMeta: metav1.ObjectMeta{Name: "loop", Namespace: ns},
			Spec: v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "dev"}, SecretName: "creds",
				CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "creds"}},
		})
		if err == nil || !strings.Contains(err.Error(), "spec.credentialsFrom.secretName") {
			t.Errorf("create: %v, want a refusal naming spec.credentialsFrom.secretName", err)
		}
	})
	t.Run("in a condition: a server that issues secrets itself registers nothing", func(t *testing.T) {
		clients, err := auth.AdminListClients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		sourceSecret(t, ns, "src", map[string]string{"client_secret": "brought-but-unusable-" + strings.Repeat("d", 20)})
		newClient(t, ns, "generated-here", v1alpha1.OAuthClientSpec{Scopes: []string{"read"},
			CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "src"}})
		cond := waitReason(t, ns, "generated-here", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, "spec.credentialsFrom") {
			t.Errorf("message %q does not name spec.credentialsFrom", cond.Message)
		}
		after, err := auth.AdminListClients(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(after) != len(clients) {
			t.Errorf("the server holds %d clients, %d before: something was registered", len(after), len(clients))
		}
		assertNoSecret(t, ns, "generated-here")
	})
}
