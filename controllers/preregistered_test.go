package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// TestPreRegisteredServer runs OAuthClients on a preRegistered server in
// front of the real oidc-provider. The test registers each client through
// the server's registration API itself, standing in for the person at the
// dashboard; the operator only verifies, delivers, rolls and reminds.
func TestPreRegisteredServer(t *testing.T) {
	ctx := context.Background()
	ns := createNamespace(t)
	readyServer(t, ns, "dashboard", v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer, ProviderBlocks: v1alpha1.ProviderBlocks{
		PreRegistered: &v1alpha1.PreRegisteredProvider{ClientAuthentication: &v1alpha1.ClientAuthentication{Style: v1alpha1.ClientAuthForm}},
	}})
	ref := v1alpha1.ServerReference{Name: "dashboard"}
	id, secret := dashboardClient(t, "client_secret_post")

	t.Run("an OAuthClient without credentialsFrom is refused, naming the field", func(t *testing.T) {
		newClient(t, ns, "generated", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}})
		cond := waitReason(t, ns, "generated", v1alpha1.ReasonInvalidMetadata)
		if !strings.Contains(cond.Message, "spec.credentialsFrom") {
			t.Errorf("message %q does not name spec.credentialsFrom", cond.Message)
		}
		assertNoSecret(t, ns, "generated")
	})

	t.Run("a wrong secret gives Ready=False with the server's answer, and no Secret", func(t *testing.T) {
		const wrong = "a-secret-the-dashboard-never-showed"
		seen.add(wrong)
		sourceSecret(t, ns, "wrong-source", map[string]string{"client_id": id, "client_secret": wrong})
		newClient(t, ns, "wrong", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"},
			CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "wrong-source", ClientIDKey: "client_id"}})
		cond := waitReason(t, ns, "wrong", v1alpha1.ReasonCredentialsRefused)
		if !strings.Contains(cond.Message, "invalid_client") || !strings.Contains(cond.Message, "wrong-source") {
			t.Errorf("message %q lacks the server's invalid_client or the source Secret", cond.Message)
		}
		assertNoSecret(t, ns, "wrong")
	})

	labels := map[string]string{"app": "web"}
	mustCreate(t, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}}},
		},
	})
	newClient(t, ns, "partner", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"},
		Rotation:        rotation(2*time.Second, time.Second),
		RolloutTargets:  []v1alpha1.WorkloadReference{{Kind: "Deployment", Name: "web"}},
		CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "partner-source", ClientIDKey: "client_id"}})
	waitReason(t, ns, "partner", v1alpha1.ReasonCredentialsSourceMissing)
	assertNoSecret(t, ns, "partner")
	source := sourceSecret(t, ns, "partner-source", map[string]string{"client_id": id, "client_secret": secret})

	var delivered *corev1.Secret
	t.Run("the dashboard's credentials are verified and delivered", func(t *testing.T) {
		waitVersion(t, ns, "partner", 1)
		delivered = secretOf(t, ns, "partner")
		if string(delivered.Data["client_id"]) != id || string(delivered.Data["client_secret"]) != secret {
			t.Fatalf("delivered %q, want the dashboard's client", delivered.Data["client_id"])
		}
		for _, k := range []string{"token_url", "issuer", "scope"} {
			if len(delivered.Data[k]) == 0 {
				t.Errorf("delivered Secret lacks %s", k)
			}
		}
		if _, err := token(t, delivered, "read"); err != nil {
			t.Errorf("the delivered credentials get no token: %v", err)
		}
	})

	t.Run("rotation due: a condition and an event say what to do", func(t *testing.T) {
		waitFor(t, "RotationDue=True", func() (bool, string) {
			c := meta.FindStatusCondition(getClient(t, ns, "partner").Status.Conditions, v1alpha1.ConditionRotationDue)
			if c == nil {
				return false, "no RotationDue condition"
			}
			return c.Status == metav1.ConditionTrue && strings.Contains(c.Message, "next_client_secret"), c.Reason + ": " + c.Message
		})
		if !hasEvent(t, ns, "partner", "Warning/RotationDue") {
			t.Error("no RotationDue event")
		}
		if got := secretOf(t, ns, "partner"); string(got.Data["client_secret"]) != secret || getClient(t, ns, "partner").Status.SecretVersion != 1 {
			t.Error("the operator changed the credentials itself")
		}
	})

	t.Run("a wrong second secret is not delivered", func(t *testing.T) {
		const wrongNext = "a-second-secret-that-does-not-work"
		seen.add(wrongNext)
		setSource(t, source, map[string]string{"client_id": id, "client_secret": secret, "next_client_secret": wrongNext})
		cond := waitReason(t, ns, "partner", v1alpha1.ReasonCredentialsRefused)
		if !strings.Contains(cond.Message, "next_client_secret") {
			t.Errorf("message %q does not name the key of the refused secret", cond.Message)
		}
		if got := secretOf(t, ns, "partner"); string(got.Data["client_secret"]) != secret {
			t.Error("the unverified second secret was delivered")
		}
		if restartedAt(t, ns) != "" {
			t.Error("workloads were restarted for a secret that does not work")
		}
	})

	t.Run("a verified second secret is delivered, workloads roll, and the old one may go", func(t *testing.T) {
		// The person sets a new secret at the dashboard (this server keeps
		// one secret per client) and puts it in the source.
		next := "second-secret-from-the-dashboard-" + strings.Repeat("x", 16)
		seen.add(next)
		if err := auth.AdminPatchClient(ctx, id, map[string]any{"client_secret": next}); err != nil {
			t.Fatal(err)
		}
		setSource(t, source, map[string]string{"client_id": id, "client_secret": secret, "next_client_secret": next})
		oac := waitVersion(t, ns, "partner", 2)
		if got := secretOf(t, ns, "partner"); string(got.Data["client_secret"]) != next {
			t.Error("the delivered Secret does not hold the second secret")
		}
		waitFor(t, "the Deployment to be restarted", func() (bool, string) { return restartedAt(t, ns) != "", "no restartedAt" })
		if !strings.Contains(oac.Status.LastRotationReason, "may be disabled") {
			t.Errorf("lastRotationReason %q does not say the old secret may be disabled", oac.Status.LastRotationReason)
		}
		if !hasEvent(t, ns, "partner", "Normal/CredentialsChanged") {
			t.Error("no CredentialsChanged event")
		}
		secret = next
	})

	t.Run("credentials that stop working give Ready=False with the server's answer", func(t *testing.T) {
		if err := auth.AdminPatchClient(ctx, id, map[string]any{"client_secret": "changed-at-the-dashboard-" + strings.Repeat("y", 16)}); err != nil {
			t.Fatal(err)
		}
		cond := waitReason(t, ns, "partner", v1alpha1.ReasonCredentialsRefused)
		if !strings.Contains(cond.Message, "invalid_client") {
			t.Errorf("message %q lacks the server's error", cond.Message)
		}
		if err := auth.AdminPatchClient(ctx, id, map[string]any{"client_secret": secret}); err != nil {
			t.Fatal(err)
		}
		waitReady(t, ns, "partner")
	})

	t.Run("the source Secret is never written; deletion leaves the dashboard's client", func(t *testing.T) {
		var now corev1.Secret
		if err := k8s.Get(ctx, client.ObjectKeyFromObject(source), &now); err != nil {
			t.Fatal(err)
		}
		if now.ResourceVersion != source.ResourceVersion || len(now.OwnerReferences) != 0 || len(now.Labels) != 0 {
			t.Errorf("the source Secret was written: resourceVersion %s -> %s, owners %v, labels %v",
				source.ResourceVersion, now.ResourceVersion, now.OwnerReferences, now.Labels)
		}
		if err := k8s.Delete(ctx, getClient(t, ns, "partner")); err != nil {
			t.Fatal(err)
		}
		waitGone(t, &v1alpha1.OAuthClient{}, ns, "partner")
		if _, err := auth.AdminGetClient(ctx, id); err != nil {
			t.Errorf("the dashboard's client is gone after deleting the OAuthClient: %v", err)
		}
	})
}

// dashboardClient registers a client_credentials client at the test
// server, as a person would at a dashboard, and returns its credentials.
func dashboardClient(t *testing.T, method string) (string, string) {
	t.Helper()
	c, err := auth.Register(context.Background(), map[string]any{
		"grant_types": []string{"client_credentials"}, "response_types": []string{},
		"token_endpoint_auth_method": method, "scope": "read write",
	})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := c["client_id"].(string), c["client_secret"].(string)
	seen.add(secret, c["registration_access_token"].(string))
	return id, secret
}

// sourceSecret creates the Secret a user or another tool fills.
func sourceSecret(t *testing.T, ns, name string, data map[string]string) *corev1.Secret {
	t.Helper()
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, StringData: data}
	mustCreate(t, s)
	for k, v := range data {
		if k != "client_id" {
			seen.add(v)
		}
	}
	return s
}

// setSource replaces the data of a source Secret, as its owner would, and
// keeps s at the new resourceVersion.
func setSource(t *testing.T, s *corev1.Secret, data map[string]string) {
	t.Helper()
	s.Data, s.StringData = nil, data
	if err := k8s.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	for k, v := range data {
		if k != "client_id" {
			seen.add(v)
		}
	}
}
