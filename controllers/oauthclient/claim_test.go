package oauthclient

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Guard rails: input refused before anything is registered or changed at
// the server (issue 12).

// A foreign copy of another OAuthClient's Secret names the real owner, or
// says that the labels match no OAuthClient; never the one asking.
func TestSecretConflictNamesTheRealHolder(t *testing.T) {
	copied := func() *corev1.Secret {
		return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tenantNamespace, Labels: map[string]string{
			v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelOAuthClientName: "app",
			v1alpha1.LabelOAuthClientNamespace: tenantNamespace, v1alpha1.LabelOAuthClientUID: "uid-billing",
		}}}
	}
	t.Run("another OAuthClient holds it", func(t *testing.T) {
		billing := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "billing", Namespace: tenantNamespace, UID: "uid-billing"},
			Spec: v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: serverName}}}
		e := newEnv(t, config{objects: []client.Object{copied(), billing}})
		_, _ = e.reconcile()
		c := e.wantReady(v1alpha1.ReasonSecretConflict)
		if !strings.Contains(c.Message, "holds the credentials of OAuthClient billing") {
			t.Errorf("message does not name the real holder: %s", c.Message)
		}
	})
	t.Run("no OAuthClient holds it", func(t *testing.T) {
		e := newEnv(t, config{objects: []client.Object{copied()}})
		_, _ = e.reconcile()
		c := e.wantReady(v1alpha1.ReasonSecretConflict)
		if strings.Contains(c.Message, "OAuthClient app") || !strings.Contains(c.Message, "do not match any OAuthClient") {
			t.Errorf("message: %s", c.Message)
		}
		if ids := e.srv.ids(); len(ids) != 0 {
			t.Errorf("registered %v", ids)
		}
	})
}
