package controllers_test

import (
	"bytes"
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The cache keeps only a digest of a delivered Secret's data; an edit of a
// value by someone else still changes it, and the operator puts the
// credentials back.
func TestEditedSecretDataIsPutBack(t *testing.T) {
	ns := newNamespace(t)
	_, delivered := applyReady(t, ns, "edited", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	want := delivered.Data["client_secret"]

	sec := secretOf(t, ns, "edited")
	patch := client.MergeFrom(sec.DeepCopy())
	sec.Data["client_secret"] = []byte("edited-by-hand")
	if err := k8s.Patch(context.Background(), sec, patch, client.FieldOwner("kubectl-edit")); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "client_secret put back", func() (bool, string) {
		var s corev1.Secret
		if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(sec), &s); err != nil {
			return false, err.Error()
		}
		return bytes.Equal(s.Data["client_secret"], want), "still edited"
	})
}
