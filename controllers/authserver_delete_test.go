package controllers_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func TestAuthServerInUseIsKeptUntilItsClientsAreDeleted(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	oac := waitReady(t, ns, "billing")
	as := &v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns}}
	if err := k8s.Delete(context.Background(), as); err != nil {
		t.Fatal(err)
	}
	cond := waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonDeleting)
	if !strings.Contains(cond.Message, "OAuthClients that use it (1)") {
		t.Errorf("the message does not say what the server waits for: %s", cond.Message)
	}
	// The client goes on working meanwhile.
	if _, err := token(t, secretOf(t, ns, "billing"), "read"); err != nil {
		t.Errorf("the client's credentials stopped working: %v", err)
	}
	if ready, why := isReady(getClient(t, ns, "billing").Status.Conditions, oac.Generation); !ready {
		t.Errorf("the client is not Ready while its server waits: %s", why)
	}

	if err := k8s.Delete(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "billing")
	waitGone(t, &v1alpha1.AuthServer{}, ns, "dev")
	if _, err := auth.AdminGetClient(context.Background(), oac.Status.ClientID); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the client still exists at the server: %v", err)
	}
}

func TestDeletingEverythingAtOnceLeavesNothingBehind(t *testing.T) {
	// What deleting a namespace does: the AuthServer, its credentials and
	// the OAuthClients are all deleted at once, the server first.
	ns := newNamespace(t)
	var ids []string
	for _, name := range []string{"one", "two"} {
		newClient(t, ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
		ids = append(ids, waitReady(t, ns, name).Status.ClientID)
	}
	ctx := context.Background()
	for _, obj := range []client.Object{
		&v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "dev-registration", Namespace: ns}},
		&v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "one", Namespace: ns}},
		&v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "two", Namespace: ns}},
	} {
		if err := k8s.Delete(ctx, obj); err != nil {
			t.Fatalf("deleting %s: %v", obj.GetName(), err)
		}
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "one")
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "two")
	waitGone(t, &v1alpha1.AuthServer{}, ns, "dev")
	for _, id := range ids {
		if _, err := auth.AdminGetClient(ctx, id); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("client %s still exists at the server: %v", id, err)
		}
	}
}

func TestDeletionWhileTheManagerIsDownLeavesNothingBehind(t *testing.T) {
	// As above, but the operator is down while everything is deleted, so
	// the new process never held the server's credentials.
	ns := newNamespace(t)
	newClient(t, ns, "one", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	id := waitReady(t, ns, "one").Status.ClientID
	ctx := context.Background()

	stopManager()
	for _, obj := range []client.Object{
		&v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns}},
		&corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "dev-registration", Namespace: ns}},
		&v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "one", Namespace: ns}},
	} {
		if err := k8s.Delete(ctx, obj); err != nil {
			t.Fatalf("deleting %s: %v", obj.GetName(), err)
		}
	}
	var err error
	if stopManager, err = startManager(ctx); err != nil {
		t.Fatal(err)
	}

	waitGone(t, &v1alpha1.OAuthClient{}, ns, "one")
	waitGone(t, &v1alpha1.AuthServer{}, ns, "dev")
	if _, err := auth.AdminGetClient(ctx, id); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("client %s still exists at the server: %v", id, err)
	}
}
