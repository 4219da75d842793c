package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The leaked-client scan at a real Ory Hydra finds the client of an
// OAuthClient whose finalizer was removed by hand, reports it (metric and
// a Warning event on the AuthServer) and deletes it only once the
// AuthServer says orphanCleanup: Delete. It never reports the client of a
// live OAuthClient, the retiring client of a Replace rotation still in its
// grace period, a client left on purpose by deletionPolicy Orphan, or a
// client of another operator instance.
func TestLeakedClientsAtHydra(t *testing.T) {
	ctx := context.Background()
	h, ns := startHydra(t)
	names := []string{"live", "rotated", "orphaned", "leaky"}
	t.Cleanup(func() { // before Hydra stops
		for _, name := range names {
			_ = k8s.Delete(ctx, &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}})
		}
		for _, name := range names {
			waitGone(t, &v1alpha1.OAuthClient{}, ns, name)
		}
	})
	ref := v1alpha1.ServerReference{Name: "hydra"}
	newClient(t, ns, "live", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}})
	replace := rotation(0, time.Hour)
	replace.Strategy = v1alpha1.StrategyReplace
	newClient(t, ns, "rotated", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}, Rotation: replace})
	newClient(t, ns, "orphaned", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}, DeletionPolicy: v1alpha1.DeletionPolicyOrphan})
	newClient(t, ns, "leaky", v1alpha1.OAuthClientSpec{ServerRef: ref, Scopes: []string{"read"}})
	ids := map[string]string{}
	for _, name := range names {
		ids[name] = waitReady(t, ns, name).Status.ClientID
		seen.add(string(secretOf(t, ns, name).Data["client_secret"]))
	}

	// A Replace rotation: the old client stays for its grace period.
	ids["retiring"] = ids["rotated"]
	requestRotation(t, ns, "rotated", "leak-test")
	ids["rotated"] = waitVersion(t, ns, "rotated", 2).Status.ClientID
	seen.add(string(secretOf(t, ns, "rotated").Data["client_secret"]))
	if ids["rotated"] == ids["retiring"] {
		t.Fatalf("the Replace rotation kept client %s", ids["rotated"])
	}

	// deletionPolicy Orphan leaves its client at the server on purpose.
	orphaned := getClient(t, ns, "orphaned")
	if err := k8s.Delete(ctx, orphaned); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "orphaned")

	// Clients of another operator instance (another namespace's marker),
	// and one made by hand with no marker at all.
	ids["other-instance"], ids["by-hand"] = "other-instance-"+ns, "by-hand-"+ns
	for id, owner := range map[string]string{ids["other-instance"]: v1alpha1.ManagedByValue + "/another-namespace", ids["by-hand"]: ""} {
		status, body, err := h.Admin(ctx, http.MethodPost, "/admin/clients", map[string]any{
			"client_id": id, "owner": owner, "grant_types": []string{"client_credentials"}, "scope": "read",
		})
		if err != nil || status != http.StatusCreated {
			t.Fatalf("creating %s at Hydra: %d %v", id, status, err)
		}
		_ = body // holds the new client's secret: not used, not logged
	}

	// The finalizer of leaky is removed by hand while the manager is down,
	// so no reconcile puts it back, and leaky is deleted: its client stays
	// at Hydra and its record in the operator's namespace.
	leaky := getClient(t, ns, "leaky")
	t.Cleanup(func() {
		for _, name := range []string{"oauthclient-" + string(leaky.UID), "oauthclient-orphaned-" + string(orphaned.UID)} {
			_ = k8s.Delete(ctx, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: name}})
		}
	})
	withLeakScan(t, time.Second, func() {
		patch := client.MergeFrom(leaky.DeepCopy())
		leaky.Finalizers = nil
		if err := k8s.Patch(ctx, leaky, patch); err != nil {
			t.Fatal(err)
		}
		if err := k8s.Delete(ctx, leaky); err != nil {
			t.Fatal(err)
		}
		waitGone(t, &v1alpha1.OAuthClient{}, ns, "leaky")
	})

	labels := map[string]string{"server_kind": string(v1alpha1.KindAuthServer), "server_namespace": ns, "server_name": "hydra"}
	waitFor(t, "the leaked client counted", func() (bool, string) {
		n, ok := value(scrape(t), "oauthclient_leaked_clients", labels)
		return ok && n > 0, fmt.Sprintf("oauthclient_leaked_clients %v (present %v)", n, ok)
	})
	if n, _ := value(scrape(t), "oauthclient_leaked_clients", labels); n != 1 {
		t.Errorf("oauthclient_leaked_clients = %v, want 1 (only leaky's client)", n)
	}
	var note string
	waitFor(t, "a LeakedClients event on the AuthServer", func() (bool, string) {
		note = eventNote(t, ns, "hydra", "Warning/"+v1alpha1.EventLeakedClients)
		return note != "", strings.Join(eventsFor(t, ns, "hydra"), "; ")
	})
	if !strings.Contains(note, ids["leaky"]) {
		t.Errorf("LeakedClients event %q does not name leaky's client %s", note, ids["leaky"])
	}
	for _, kept := range []string{"live", "rotated", "retiring", "orphaned", "other-instance", "by-hand"} {
		if strings.Contains(note, ids[kept]) {
			t.Errorf("LeakedClients event %q names the %s client %s", note, kept, ids[kept])
		}
	}
	if _, found, err := h.AdminClient(ctx, ids["leaky"]); err != nil || !found {
		t.Errorf("with orphanCleanup Report the leaked client was deleted (found %v, %v)", found, err)
	}

	// orphanCleanup: Delete removes it, and only it.
	srv := &v1alpha1.AuthServer{}
	if err := k8s.Get(ctx, client.ObjectKey{Namespace: ns, Name: "hydra"}, srv); err != nil {
		t.Fatal(err)
	}
	if srv.Spec.OrphanCleanup != v1alpha1.OrphanCleanupReport {
		t.Errorf("orphanCleanup defaults to %q, want Report", srv.Spec.OrphanCleanup)
	}
	before := srv.DeepCopy()
	srv.Spec.OrphanCleanup = v1alpha1.OrphanCleanupDelete
	if err := k8s.Patch(ctx, srv, client.MergeFrom(before)); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the leaked client deleted at Hydra", func() (bool, string) {
		_, found, err := h.AdminClient(ctx, ids["leaky"])
		return err == nil && !found, fmt.Sprintf("found %v (%v)", found, err)
	})
	waitFor(t, "the leaked-client count back to 0", func() (bool, string) {
		n, ok := value(scrape(t), "oauthclient_leaked_clients", labels)
		return ok && n == 0, fmt.Sprintf("oauthclient_leaked_clients %v (present %v)", n, ok)
	})
	var deleted string
	waitFor(t, "a LeakedClientsDeleted event on the AuthServer", func() (bool, string) { // events are sent in the background
		deleted = eventNote(t, ns, "hydra", "Normal/"+v1alpha1.EventLeakedClientsDeleted)
		return deleted != "", strings.Join(eventsFor(t, ns, "hydra"), "; ")
	})
	if !strings.Contains(deleted, ids["leaky"]) {
		t.Errorf("LeakedClientsDeleted event %q does not name %s", deleted, ids["leaky"])
	}
	for _, kept := range []string{"live", "rotated", "retiring", "orphaned", "other-instance", "by-hand"} {
		if _, found, err := h.AdminClient(ctx, ids[kept]); err != nil || !found {
			t.Errorf("the %s client %s is gone from Hydra (%v)", kept, ids[kept], err)
		}
	}
}

// withLeakScan stops the manager, runs whileStopped, and starts the
// manager again with a leaked-client scan every interval; at the test's
// end it restarts the manager without one.
func withLeakScan(t *testing.T, interval time.Duration, whileStopped func()) {
	t.Helper()
	before := timings
	t.Cleanup(func() {
		timings = before
		restartManager(t, 0)
	})
	stopManager()
	defer func() { // also when whileStopped fails the test
		timings.leakScan = interval
		var err error
		if stopManager, err = startManager(context.Background()); err != nil {
			t.Fatalf("starting the manager: %v", err)
		}
	}()
	whileStopped()
}

// eventNote is the note of the first event about ns/name whose type and
// reason are typeReason ("Warning/LeakedClients"); empty when none.
func eventNote(t *testing.T, ns, name, typeReason string) string {
	t.Helper()
	for _, e := range eventsFor(t, ns, name) {
		if note, ok := strings.CutPrefix(e, typeReason+": "); ok {
			return note
		}
	}
	return ""
}
