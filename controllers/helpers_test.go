package controllers_test

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// deliveredSecret is the Secret the operator delivered for OAuthClient
// ns/name; its client secret joins the values the leak scan looks for.
func deliveredSecret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s := secretOf(t, ns, name)
	seen.add(string(s.Data["client_secret"]))
	return s
}

// deleteClient deletes OAuthClient ns/name and waits until it is gone,
// its finalizer done.
func deleteClient(t *testing.T, ns, name string) {
	t.Helper()
	if err := k8s.Delete(context.Background(), &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, name)
}
