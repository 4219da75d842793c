package controllers_test

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// deliveredSecret is the Secret the operator delivered for OAuthClient
// ns/name; its client secret joins the values the leak scan looks for.
func deliveredSecret(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s := secretOf(t, ns, name)
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

// createSecret creates Secret name in ns holding data.
func createSecret(t *testing.T, ns, name string, data map[string]string) {
	t.Helper()
	mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, StringData: data})
}

// readyServer creates AuthServer name in ns with spec and waits until it
// is Ready.
func readyServer(t *testing.T, ns, name string, spec v1alpha1.AuthServerSpec) {
	t.Helper()
	mustCreate(t, &v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec})
	waitServer(t, &v1alpha1.AuthServer{}, ns, name, v1alpha1.ReasonReady)
}

// createServer creates a dynamic-registration AuthServer name in ns with
// the given credentials.
func createServer(t *testing.T, ns, name, issuer string, creds *v1alpha1.ManagementCredentials) {
	t.Helper()
	mustCreate(t, &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL: issuer, Credentials: creds,
			ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
		},
	})
}

// startHydra starts a real Ory Hydra for the test (skipped with -short)
// and a namespace with AuthServer "hydra" for its admin API.
func startHydra(t *testing.T) (*hydra.Server, string) {
	t.Helper()
	h := hydraForTest(t)
	return h, hydraNamespace(t, h, h.AdminURL)
}

// startCountedHydra is startHydra with the operator reaching Hydra's admin
// API through a proxy that counts its requests.
func startCountedHydra(t *testing.T) (*hydra.Server, *hydra.CountingProxy, string) {
	t.Helper()
	h := hydraForTest(t)
	admin := h.CountAdmin(t, hydra.ProxyOptions{})
	return h, admin, hydraNamespace(t, h, admin.URL)
}

// hydraForTest starts a real Ory Hydra that stops when the test ends; with
// -short it skips the test.
func hydraForTest(t *testing.T) *hydra.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts Ory Hydra")
	}
	return hydra.StartT(t, hydra.Options{})
}

// hydraNamespace creates a namespace with AuthServer "hydra" at Hydra h,
// its admin API at adminURL, and waits until it is Ready.
func hydraNamespace(t *testing.T, h *hydra.Server, adminURL string) string {
	t.Helper()
	ns := createNamespace(t)
	hydraServer(t, h, ns, "hydra", v1alpha1.ProviderBlocks{Hydra: &v1alpha1.HydraProvider{AdminURL: adminURL}})
	return ns
}

// hydraServer creates AuthServer name in ns at Hydra h with the given
// provider block, and waits until it is Ready.
func hydraServer(t *testing.T, h *hydra.Server, ns, name string, blocks v1alpha1.ProviderBlocks) {
	t.Helper()
	readyServer(t, ns, name, v1alpha1.AuthServerSpec{IssuerURL: h.Issuer, ProviderBlocks: blocks})
}

// waitQuietResyncs waits for two resyncs, as reads counts the server's
// reads of the client, and then fails t when writes lists any write the
// server was asked for.
func waitQuietResyncs[W any](t *testing.T, server string, reads func() int, writes func() []W) {
	t.Helper()
	waitFor(t, "two resyncs", func() (bool, string) {
		n := reads()
		return n >= 2, fmt.Sprintf("%d reads", n)
	})
	if w := writes(); len(w) > 0 {
		t.Errorf("resyncs wrote to %s: %v", server, w)
	}
}

// countOf is how many of items equal item.
func countOf[T comparable](items []T, item T) int {
	n := 0
	for _, v := range items {
		if v == item {
			n++
		}
	}
	return n
}

// applyReady creates OAuthClient ns/name with spec (at AuthServer "dev"
// unless spec names another), waits until it is Ready, and returns it with
// its delivered Secret.
func applyReady(t *testing.T, ns, name string, spec v1alpha1.OAuthClientSpec) (*v1alpha1.OAuthClient, *corev1.Secret) {
	t.Helper()
	newClient(t, ns, name, spec)
	return waitReady(t, ns, name), secretOf(t, ns, name)
}
