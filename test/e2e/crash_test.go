package e2e

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/crashtest"
)

// outcome is how an OAuthClient should end after a crash scenario.
type outcome int

const (
	endsReady    outcome = iota // Ready, its Secret's credentials work
	endsDeleted                 // gone, with its remote client
	endsDisabled                // Ready with reason Disabled, no remote client
)

// crashScenario drives a reconcile to one crash point.
type crashScenario struct {
	// act does what reaches the point, given a Ready client "c"; nil for
	// points a new client reaches on creation.
	act func(t *testing.T, h *harness, ns string)
	// outcome is how the client ends once a normal manager took over.
	outcome outcome
	// rotated: the scenario rotates, so the credentials end at version 2.
	rotated bool
	// unknownClients is how many registered clients the operator cannot
	// know of after the crash: dynamic registration has no way to list
	// clients, so a crash between the server's answer and the state write
	// leaves that one client behind (docs/reliability.md).
	unknownClients int
}

// TestManagerKilledAtEveryCrashPoint runs the manager binary with
// OAUTH_CLIENT_OPERATOR_CRASH_AT set to each crash point in turn, drives a
// reconcile there so that the process kills itself with SIGKILL, starts a
// normal manager, and checks the invariants: the OAuthClient ends as asked,
// its Secret's credentials obtain a token, and the server holds exactly the
// clients expected (no leak but the documented window). Each point runs in
// a namespace of its own, watched only by that point's managers, so the
// points run in parallel.
func TestManagerKilledAtEveryCrashPoint(t *testing.T) {
	h := setup(t)
	operatorNS := h.newNamespace(t, "e2e-crash-operator", false)
	scenarios := map[string]crashScenario{
		crashpoint.AfterRemoteCreate:  {unknownClients: 1},
		crashpoint.AfterStateSave:     {},
		crashpoint.AfterSecretWrite:   {},
		crashpoint.AfterReplaceCreate: {act: requestRotation, rotated: true, unknownClients: 1},
		crashpoint.AfterRotationSave:  {act: requestRotation, rotated: true},
		crashpoint.AfterRetireDelete:  {act: requestRotation, rotated: true},
		crashpoint.AfterRemoteDelete:  {act: deleteClient, outcome: endsDeleted},
		crashpoint.AfterStateRemove:   {act: deleteClient, outcome: endsDeleted},
		crashpoint.AfterDisableDelete: {act: disableClient, outcome: endsDisabled},
	}
	crashtest.EachPoint(t, scenarios, func(t *testing.T, point string, sc crashScenario) {
		t.Parallel()
		runCrashScenario(t, h, operatorNS, point, sc)
	})
}

// runCrashScenario runs one crash point's scenario with client "c".
func runCrashScenario(t *testing.T, h *harness, operatorNS, point string, sc crashScenario) {
	start := time.Now()
	ns := h.newNamespace(t, "e2e-crash", true)
	opts := func(name, crashAt string) managerOptions {
		return managerOptions{name: name, operatorNamespace: operatorNS, namespaces: ns, crashAt: crashAt}
	}
	spec := v1alpha1.OAuthClientSpec{
		Scopes:   []string{"read"},
		Rotation: &v1alpha1.RotationPolicy{GracePeriod: &metav1.Duration{Duration: 2 * time.Second}},
	}
	secrets := []string{h.initialAccessToken}
	var managers []*managerProc

	if sc.act != nil {
		prepare := h.startManager(t, opts("prepare", ""))
		managers = append(managers, prepare)
		h.newClient(t, ns, spec)
		waitFor(t, "c Ready before the crash", func() (bool, string) { return h.clientReady(ns, "c") })
		secrets = append(secrets, h.secretsOf(t, ns, operatorNS)...)
		prepare.stop(t)
	}
	crashing := h.startManager(t, opts("crashing", point))
	managers = append(managers, crashing)
	if sc.act != nil {
		sc.act(t, h, ns)
	} else {
		h.waitServerReady(t, ns)
		h.newClient(t, ns, spec)
	}
	crashing.waitKilled(t, "at "+point)
	crashed := time.Since(start)

	after := h.startManager(t, opts("after", ""))
	managers = append(managers, after)
	switch sc.outcome {
	case endsDeleted:
		waitFor(t, "c deleted after the crash", func() (bool, string) {
			_, found, err := h.getClient(ns, "c")
			return err == nil && !found, fmt.Sprintf("found %v, %v", found, err)
		})
	case endsDisabled:
		waitFor(t, "c Disabled after the crash", func() (bool, string) {
			return h.clientReason(ns, "c", metav1.ConditionTrue, v1alpha1.ReasonDisabled)
		})
	default:
		h.checkReadyAfterCrash(t, ns, sc.rotated)
	}

	name := ns + "/c"
	want := sc.unknownClients
	if sc.outcome == endsReady {
		want++ // the current client
	}
	// Replaced clients are retired after the 2s grace period.
	waitFor(t, fmt.Sprintf("%d clients named %s at the server", want, name), func() (bool, string) {
		n := len(h.remoteClients(t)[name])
		return n == want, fmt.Sprintf("%d", n)
	})
	if sc.outcome == endsReady {
		current := string(h.secretData(t, ns, "c")["client_id"])
		ids := clientIDs(h.remoteClients(t)[name])
		if !slices.Contains(ids, current) {
			t.Errorf("the Secret's client %q is not among the server's clients %v", current, ids)
		}
	}
	secrets = append(secrets, h.secretsOf(t, ns, operatorNS)...)
	checkNoSecretLogged(t, secrets, managers...)
	t.Logf("%s: killed %s after the scenario started, recovered in %s in all",
		point, crashed.Round(100*time.Millisecond), time.Since(start).Round(100*time.Millisecond))
}

// checkReadyAfterCrash waits until client "c" is Ready (at credentials
// version 2 when rotated) and checks its Secret's credentials.
func (h *harness) checkReadyAfterCrash(t *testing.T, ns string, rotated bool) {
	t.Helper()
	waitFor(t, "c Ready after the crash", func() (bool, string) {
		ready, why := h.clientReady(ns, "c")
		if !ready {
			return false, why
		}
		oac, _, err := h.getClient(ns, "c")
		if err != nil {
			return false, err.Error()
		}
		if rotated && oac.Status.SecretVersion != 2 {
			return false, fmt.Sprintf("credentials at version %d, want 2", oac.Status.SecretVersion)
		}
		return true, ""
	})
	oac, _, err := h.getClient(ns, "c")
	if err != nil {
		t.Fatal(err)
	}
	data := h.secretData(t, ns, "c")
	if got := string(data["client_id"]); got != oac.Status.ClientID {
		t.Errorf("the Secret holds client %q, status says %q", got, oac.Status.ClientID)
	}
	h.checkToken(t, data, "read")
}

// secretsOf collects, for the log scan, every secret value that concerns
// ns: the client secrets of its clients at the server and the values of
// the operator's state Secrets for its OAuthClients.
func (h *harness) secretsOf(t *testing.T, ns, operatorNS string) []string {
	t.Helper()
	ctx := context.Background()
	var out []string
	list, err := h.auth.AdminListClients(ctx)
	if err != nil {
		t.Fatalf("listing the server's clients: %v", err)
	}
	for _, c := range list {
		if name, _ := c["client_name"].(string); strings.HasPrefix(name, ns+"/") {
			if s, _ := c["client_secret"].(string); s != "" {
				out = append(out, s)
			}
		}
	}
	var clients v1alpha1.OAuthClientList
	if err := h.k8s.List(ctx, &clients, client.InNamespace(ns)); err != nil {
		t.Fatalf("listing OAuthClients: %v", err)
	}
	for _, oac := range clients.Items {
		var state corev1.Secret
		err := h.k8s.Get(ctx, client.ObjectKey{Namespace: operatorNS, Name: "oauthclient-" + string(oac.UID)}, &state)
		if err != nil {
			continue // not written yet, or removed
		}
		for k, v := range state.Data {
			if strings.Contains(k, "secret") || strings.Contains(k, "token") {
				out = append(out, string(v))
			}
		}
	}
	return out
}

// requestRotation asks for an on-demand rotation of client "c".
func requestRotation(t *testing.T, h *harness, ns string) {
	t.Helper()
	patchClient(t, h, ns, func(oac *v1alpha1.OAuthClient) {
		if oac.Annotations == nil {
			oac.Annotations = map[string]string{}
		}
		oac.Annotations[v1alpha1.AnnotationRotateRequestedAt] = time.Now().UTC().Format(time.RFC3339Nano)
	})
}

// deleteClient deletes client "c".
func deleteClient(t *testing.T, h *harness, ns string) {
	t.Helper()
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "c"}}
	if err := h.k8s.Delete(context.Background(), oac); err != nil {
		t.Fatalf("deleting c: %v", err)
	}
}

// disableClient sets spec.disabled on client "c".
func disableClient(t *testing.T, h *harness, ns string) {
	t.Helper()
	patchClient(t, h, ns, func(oac *v1alpha1.OAuthClient) { oac.Spec.Disabled = true })
}

// patchClient applies change to client "c" as a merge patch.
func patchClient(t *testing.T, h *harness, ns string, change func(*v1alpha1.OAuthClient)) {
	t.Helper()
	oac, found, err := h.getClient(ns, "c")
	if err != nil || !found {
		t.Fatalf("reading c: found %v, %v", found, err)
	}
	patch := client.MergeFrom(oac.DeepCopy())
	change(oac)
	if err := h.k8s.Patch(context.Background(), oac, patch); err != nil {
		t.Fatalf("patching c: %v", err)
	}
}

// clientIDs lists the ids of clients.
func clientIDs(clients []remoteClient) []string {
	ids := make([]string, 0, len(clients))
	for _, c := range clients {
		ids = append(ids, c.ID)
	}
	return ids
}
