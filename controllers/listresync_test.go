package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// At a server that can list (Hydra), a resync reads the clients with one
// paged List instead of one read per client, and still finds a client
// changed or deleted at the server.
func TestResyncByListFindsClientsChangedOrDeletedAtTheServer(t *testing.T) {
	ctx := context.Background()
	h, admin, ns := startCountedHydra(t)

	const n = 20
	ids := map[string]string{}
	t.Cleanup(func() { // before Hydra stops
		for i := range n {
			_ = k8s.Delete(ctx, &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: fmt.Sprintf("c%02d", i)}})
		}
		for i := range n {
			waitGone(t, &v1alpha1.OAuthClient{}, ns, fmt.Sprintf("c%02d", i))
		}
	})
	for i := range n {
		newClient(t, ns, fmt.Sprintf("c%02d", i), v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: "hydra"}, Scopes: []string{"read", "write"},
		})
	}
	for i := range n {
		name := fmt.Sprintf("c%02d", i)
		ids[name] = waitReady(t, ns, name).Status.ClientID
		seen.add(string(secretOf(t, ns, name).Data["client_secret"]))
	}

	admin.Reset()
	waitForLists(t, admin, 3) // two whole resync periods
	reads := 0
	for _, r := range admin.Requests() {
		if strings.HasPrefix(r.Path, "/admin/clients/") && r.Method == http.MethodGet {
			reads++
		}
	}
	t.Logf("two resync periods of %d clients: %d per-client reads", n, reads)
	if reads >= n {
		t.Errorf("%d per-client reads in two resync periods of %d clients: the resync did not read by list", reads, n)
	}
	if w := admin.Writes(); len(w) > 0 {
		t.Errorf("resyncs with nothing changed wrote to Hydra: %v", w)
	}

	changed, deleted := ids["c03"], ids["c07"]
	status, _, err := h.Admin(ctx, http.MethodPatch, "/admin/clients/"+changed,
		[]map[string]any{{"op": "replace", "path": "/scope", "value": "read"}})
	if err != nil || status != http.StatusOK {
		t.Fatalf("admin PATCH: %d %v", status, err)
	}
	if status, _, err := h.Admin(ctx, http.MethodDelete, "/admin/clients/"+deleted, nil); err != nil || status != http.StatusNoContent {
		t.Fatalf("deleting a client at Hydra: %d %v", status, err)
	}
	waitFor(t, "the changed scope put back at Hydra", func() (bool, string) {
		got, _, err := h.AdminClient(ctx, changed)
		return err == nil && got["scope"] == "read write", fmt.Sprintf("scope %v (%v)", got["scope"], err)
	})
	waitFor(t, "the deleted client registered anew", func() (bool, string) {
		c := getClient(t, ns, "c07")
		return c.Status.ClientID != "" && c.Status.ClientID != deleted, "client " + c.Status.ClientID
	})
	if ev := eventsFor(t, ns, "c07"); !slices.ContainsFunc(ev, func(e string) bool { return strings.Contains(e, "ClientRecreated") }) {
		t.Errorf("events of c07: %v, want ClientRecreated", ev)
	}
	seen.add(string(secretOf(t, ns, "c07").Data["client_secret"]))
}
