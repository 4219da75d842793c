package kstatus

import (
	"testing"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/kstatus/kstatustest"
)

// withReady is conds after the controller set Ready and then Set ran, as
// the reconcilers do.
func withReady(conds []metav1.Condition, s metav1.ConditionStatus, reason string, generation int64) []metav1.Condition {
	meta.SetStatusCondition(&conds, metav1.Condition{
		Type: v1alpha1.ConditionReady, Status: s, Reason: reason, Message: "says " + reason, ObservedGeneration: generation,
	})
	Set(&conds)
	return conds
}

// TestLifecycle walks an OAuthClient and an AuthServer through the phases
// the operator reports, with kstatus' verdict at each.
func TestLifecycle(t *testing.T) {
	type step struct {
		name       string
		generation int64
		observed   int64 // status.observedGeneration
		ready      metav1.ConditionStatus
		reason     string
		want       status.Status
	}
	steps := []step{
		// kstatus calls an object without status Current: nothing says it
		// is not. The operator's first status write ends that moment
		// (docs/operations.md#flux says what it means for Flux).
		{"applied, no status yet", 1, 0, "", "", status.CurrentStatus},
		{"first status: waiting for its server", 1, 1, metav1.ConditionFalse, v1alpha1.ReasonServerNotReady, status.InProgressStatus},
		{"server not ready yet", 1, 1, metav1.ConditionFalse, v1alpha1.ReasonServerNotReady, status.InProgressStatus},
		{"ready", 1, 1, metav1.ConditionTrue, v1alpha1.ReasonReady, status.CurrentStatus},
		{"spec changed, not yet seen", 2, 1, metav1.ConditionTrue, v1alpha1.ReasonReady, status.InProgressStatus},
		{"metadata refused", 2, 2, metav1.ConditionFalse, v1alpha1.ReasonInvalidMetadata, status.FailedStatus},
		{"fixed", 3, 3, metav1.ConditionTrue, v1alpha1.ReasonReady, status.CurrentStatus},
		{"server unavailable", 3, 3, metav1.ConditionFalse, v1alpha1.ReasonServerUnavailable, status.InProgressStatus},
		{"rate limited", 3, 3, metav1.ConditionFalse, v1alpha1.ReasonRateLimited, status.InProgressStatus},
		{"secret conflict", 3, 3, metav1.ConditionFalse, v1alpha1.ReasonSecretConflict, status.FailedStatus},
		{"refused by the server's client policy", 3, 3, metav1.ConditionFalse, "PolicyViolation", status.FailedStatus},
		{"disabled", 4, 4, metav1.ConditionTrue, v1alpha1.ReasonDisabled, status.CurrentStatus},
		{"deleting", 4, 4, metav1.ConditionFalse, v1alpha1.ReasonDeleting, status.InProgressStatus},
	}
	oac := &v1alpha1.OAuthClient{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindOAuthClient},
		ObjectMeta: metav1.ObjectMeta{Name: "billing", Namespace: "team-a"},
	}
	for _, s := range steps {
		oac.Generation, oac.Status.ObservedGeneration = s.generation, s.observed
		if s.ready != "" {
			oac.Status.Conditions = withReady(oac.Status.Conditions, s.ready, s.reason, s.observed)
		}
		if got := kstatustest.Compute(t, oac); got != s.want {
			t.Errorf("OAuthClient %s: kstatus %s, want %s (conditions %v)", s.name, got, s.want, oac.Status.Conditions)
		}
	}

	serverSteps := []step{
		{"applied, no status yet", 1, 0, "", "", status.CurrentStatus},
		{"credentials Secret missing", 1, 1, metav1.ConditionFalse, v1alpha1.ReasonCredentialsMissing, status.InProgressStatus},
		{"discovery failed", 1, 1, metav1.ConditionFalse, v1alpha1.ReasonDiscoveryFailed, status.InProgressStatus},
		{"credentials refused", 1, 1, metav1.ConditionFalse, v1alpha1.ReasonCredentialsRefused, status.FailedStatus},
		{"ready", 2, 2, metav1.ConditionTrue, v1alpha1.ReasonReady, status.CurrentStatus},
		{"in use while deleted", 2, 2, metav1.ConditionFalse, v1alpha1.ReasonDeleting, status.InProgressStatus},
	}
	for _, kind := range []v1alpha1.ServerKind{v1alpha1.KindAuthServer, v1alpha1.KindClusterAuthServer} {
		var st v1alpha1.AuthServerStatus
		for _, s := range serverSteps {
			st.ObservedGeneration = s.observed
			if s.ready != "" {
				st.Conditions = withReady(st.Conditions, s.ready, s.reason, s.observed)
			}
			tm := metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: string(kind)}
			var obj runtime.Object = &v1alpha1.ClusterAuthServer{TypeMeta: tm, ObjectMeta: metav1.ObjectMeta{Name: "corp", Generation: s.generation}, Status: st}
			if kind == v1alpha1.KindAuthServer {
				obj = &v1alpha1.AuthServer{TypeMeta: tm, ObjectMeta: metav1.ObjectMeta{Name: "corp", Namespace: "team-a", Generation: s.generation}, Status: st}
			}
			if got := kstatustest.Compute(t, obj); got != s.want {
				t.Errorf("%s %s: kstatus %s, want %s", kind, s.name, got, s.want)
			}
		}
	}
}

// TestSet: the derived conditions carry Ready's reason and message, and go
// away when Ready is True.
func TestSet(t *testing.T) {
	conds := withReady(nil, metav1.ConditionFalse, v1alpha1.ReasonUnauthorized, 1)
	stalled := meta.FindStatusCondition(conds, Stalled)
	if stalled == nil || stalled.Reason != v1alpha1.ReasonUnauthorized || stalled.Message != "says Unauthorized" || meta.FindStatusCondition(conds, Reconciling) != nil {
		t.Fatalf("Unauthorized: %+v", conds)
	}
	conds = withReady(conds, metav1.ConditionFalse, v1alpha1.ReasonServerUnavailable, 1)
	if meta.FindStatusCondition(conds, Stalled) != nil || meta.FindStatusCondition(conds, Reconciling) == nil {
		t.Fatalf("ServerUnavailable: %+v", conds)
	}
	conds = withReady(conds, metav1.ConditionTrue, v1alpha1.ReasonReady, 1)
	if len(conds) != 1 {
		t.Fatalf("Ready: want only Ready, got %+v", conds)
	}
	var none []metav1.Condition
	Set(&none)
	if c := meta.FindStatusCondition(none, Reconciling); c == nil {
		t.Error("no Ready condition yet: want Reconciling")
	}
}
