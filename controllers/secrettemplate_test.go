package controllers_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func TestSecretTemplateShapesTheSecretAndFollowsItsChanges(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "shaped", v1alpha1.OAuthClientSpec{
		Scopes: []string{"read"},
		SecretTemplate: &v1alpha1.SecretTemplate{
			Labels:      map[string]v1alpha1.LabelValue{"app": "billing", "tier": "backend"},
			Annotations: map[string]string{"reloader.example.com/match": "true"},
			Keys:        &v1alpha1.SecretKeys{ClientID: "CLIENT_ID", ClientSecret: "CLIENT_SECRET"},
			Data:        map[string]string{"application.properties": "id={{ .ClientID }}\nsecret={{ .ClientSecret }}\n"},
		},
	})
	oac := waitReady(t, ns, "shaped")

	s := secretOf(t, ns, "shaped")
	id, secret := string(s.Data["CLIENT_ID"]), string(s.Data["CLIENT_SECRET"])
	seen.add(secret)
	if id != oac.Status.ClientID || secret == "" {
		t.Fatalf("renamed keys: CLIENT_ID %q (status %q), CLIENT_SECRET set %v", id, oac.Status.ClientID, secret != "")
	}
	if _, ok := s.Data["client_id"]; ok {
		t.Error("the renamed key is also there under its default name")
	}
	if got, want := string(s.Data["application.properties"]), "id="+id+"\nsecret="+secret+"\n"; got != want {
		t.Error("application.properties is not the rendered template")
	}
	if s.Labels["app"] != "billing" || s.Labels["tier"] != "backend" || s.Annotations["reloader.example.com/match"] != "true" {
		t.Errorf("template labels/annotations missing: %v %v", s.Labels, s.Annotations)
	}
	if _, err := auth.ClientCredentialsToken(context.Background(), id, secret, "read"); err != nil {
		t.Fatalf("the renamed credentials do not work: %v", err)
	}

	// Someone else labels the Secret; the operator must keep that label.
	s.Labels["team"] = "payments"
	if err := k8s.Update(context.Background(), s); err != nil {
		t.Fatal(err)
	}

	// The template loses a label, all its annotations and the key renames,
	// and its file changes.
	oac = getClient(t, ns, "shaped")
	oac.Spec.SecretTemplate = &v1alpha1.SecretTemplate{
		Labels: map[string]v1alpha1.LabelValue{"app": "billing"},
		Data:   map[string]string{"application.properties": "client={{ .ClientID }}\n"},
	}
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Secret to follow the template", func() (bool, string) {
		var s corev1.Secret
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "shaped"}, &s); err != nil {
			return false, err.Error()
		}
		_, tier := s.Labels["tier"]
		_, reloader := s.Annotations["reloader.example.com/match"]
		_, renamed := s.Data["CLIENT_ID"]
		return !tier && !reloader && !renamed && string(s.Data["application.properties"]) == "client="+id+"\n",
			"labels " + mapKeys(s.Labels) + "; annotations " + mapKeys(s.Annotations)
	})
	s = secretOf(t, ns, "shaped")
	if s.Labels["app"] != "billing" || s.Labels["team"] != "payments" {
		t.Errorf("a kept template label or someone else's label was removed: %v", s.Labels)
	}
	if _, ok := s.Annotations[v1alpha1.AnnotationTemplateAnnotations]; ok {
		t.Error("the record of template annotations stayed after the template lost them all")
	}
	if string(s.Data["client_id"]) != id || string(s.Data["client_secret"]) != secret {
		t.Error("the credentials changed or did not move back to their default keys")
	}
	if got := getClient(t, ns, "shaped").Status.SecretVersion; got != 1 {
		t.Errorf("a template change counted as a credential change: secretVersion %d", got)
	}
}

func mapKeys(m map[string]string) string {
	out := ""
	for k := range m {
		out += k + " "
	}
	return out
}

// A Secret written by an operator version that merged it by hand (with the
// template-labels/template-annotations bookkeeping) is taken over on its
// next write: the label the old template set and the new one dropped goes,
// the bookkeeping goes, and someone else's label stays.
func TestSecretWrittenByAnEarlierVersionIsTakenOver(t *testing.T) {
	ctx := context.Background()
	ns := createNamespace(t) // no server yet: the operator writes nothing
	newClient(t, ns, "legacy", v1alpha1.OAuthClientSpec{
		Scopes:         []string{"read"},
		SecretTemplate: &v1alpha1.SecretTemplate{Labels: map[string]v1alpha1.LabelValue{"app": "billing"}},
	})
	waitReason(t, ns, "legacy", v1alpha1.ReasonServerNotFound)
	oac := getClient(t, ns, "legacy")

	yes := true
	old := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: "legacy", Namespace: ns,
		Labels: map[string]string{
			"app": "billing", "tier": "backend",
			v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelOAuthClientName: "legacy",
			v1alpha1.LabelOAuthClientNamespace: ns, v1alpha1.LabelOAuthClientUID: string(oac.UID),
		},
		Annotations: map[string]string{
			v1alpha1.AnnotationVersion: "1", v1alpha1.AnnotationClientID: "old-client",
			v1alpha1.AnnotationTemplateLabels: "app,tier",
		},
		OwnerReferences: []metav1.OwnerReference{{APIVersion: v1alpha1.GroupVersion.String(), Kind: "OAuthClient",
			Name: "legacy", UID: oac.UID, Controller: &yes, BlockOwnerDeletion: &yes}},
	}, StringData: map[string]string{"client_id": "old-client"}}
	if err := k8s.Create(ctx, old, client.FieldOwner("manager")); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(old.DeepCopy())
	old.Labels["team"] = "payments"
	if err := k8s.Patch(ctx, old, patch, client.FieldOwner("kubectl-label")); err != nil {
		t.Fatal(err)
	}

	createDevServer(t, ns, v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer})
	oac = waitReady(t, ns, "legacy")
	s := deliveredSecret(t, ns, "legacy")
	if _, ok := s.Labels["tier"]; ok {
		t.Error("the label only the old template set is still there")
	}
	if s.Labels["app"] != "billing" || s.Labels["team"] != "payments" {
		t.Errorf("a template label or someone else's label was removed: %v", s.Labels)
	}
	for _, a := range []string{v1alpha1.AnnotationTemplateLabels, v1alpha1.AnnotationTemplateAnnotations} {
		if _, ok := s.Annotations[a]; ok {
			t.Errorf("the bookkeeping annotation %s stayed", a)
		}
	}
	if string(s.Data["client_id"]) != oac.Status.ClientID {
		t.Errorf("client_id %q, status %q", s.Data["client_id"], oac.Status.ClientID)
	}
	for _, m := range s.ManagedFields {
		if m.Manager == "manager" {
			t.Errorf("the earlier version's field manager still owns %s", m.FieldsV1.GetRawString())
		}
	}
}
