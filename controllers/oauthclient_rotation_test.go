package controllers_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func rotation(interval, grace time.Duration) *v1alpha1.RotationPolicy {
	p := &v1alpha1.RotationPolicy{}
	if interval > 0 {
		p.Interval = &metav1.Duration{Duration: interval}
	}
	if grace > 0 {
		p.GracePeriod = &metav1.Duration{Duration: grace}
	}
	return p
}

// waitVersion waits for the OAuthClient's credentials to reach version v.
func waitVersion(t *testing.T, ns, name string, v int64) *v1alpha1.OAuthClient {
	t.Helper()
	var oac *v1alpha1.OAuthClient
	waitFor(t, fmt.Sprintf("%s at credentials version %d", name, v), func() (bool, string) {
		oac = getClient(t, ns, name)
		ready, why := isReady(oac.Status.Conditions, oac.Generation)
		return ready && oac.Status.SecretVersion == v, why
	})
	return oac
}

// requestRotation sets the on-demand rotation annotation.
func requestRotation(t *testing.T, ns, name, value string) {
	t.Helper()
	oac := getClient(t, ns, name)
	patch := client.MergeFrom(oac.DeepCopy())
	if oac.Annotations == nil {
		oac.Annotations = map[string]string{}
	}
	oac.Annotations[v1alpha1.AnnotationRotateRequestedAt] = value
	if err := k8s.Patch(context.Background(), oac, patch); err != nil {
		t.Fatal(err)
	}
}

// waitRemoteGone waits until the auth server no longer knows clientID.
func waitRemoteGone(t *testing.T, clientID string) {
	t.Helper()
	waitFor(t, "client "+clientID+" to be deleted at the server", func() (bool, string) {
		_, err := auth.AdminGetClient(context.Background(), clientID)
		return errors.Is(err, os.ErrNotExist), "still there"
	})
}

func remoteExists(t *testing.T, clientID string) bool {
	t.Helper()
	_, err := auth.AdminGetClient(context.Background(), clientID)
	return err == nil
}

func TestScheduledRotationKeepsOldCredentialsForTheGracePeriod(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "sched", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(15*time.Second, 6*time.Second)})
	first := waitVersion(t, ns, "sched", 1)
	old := secretOf(t, ns, "sched")
	if first.Status.NextRotationTime == nil {
		t.Fatal("status shows no next rotation time")
	}

	second := waitVersion(t, ns, "sched", 2)
	rotatedAt := time.Now()
	now := secretOf(t, ns, "sched")
	if string(now.Data["client_id"]) == string(old.Data["client_id"]) {
		t.Fatal("Auto on a dynamic registration server must Replace the client")
	}
	if _, err := token(t, now, "read"); err != nil {
		t.Fatalf("new credentials refused: %v", err)
	}
	if _, err := token(t, old, "read"); err != nil && time.Since(rotatedAt) < 5*time.Second {
		t.Fatalf("old credentials refused within the grace period: %v", err)
	}
	if !strings.Contains(second.Status.LastRotationReason, "scheduled") || second.Status.LastRotationTime == nil {
		t.Errorf("status: last rotation %v, reason %q", second.Status.LastRotationTime, second.Status.LastRotationReason)
	}
	if now.Annotations[v1alpha1.AnnotationVersion] != "2" {
		t.Errorf("Secret version annotation = %q", now.Annotations[v1alpha1.AnnotationVersion])
	}
	waitRemoteGone(t, string(old.Data["client_id"]))
	if _, err := token(t, old, "read"); err == nil {
		t.Error("old credentials still work after the grace period")
	}
	_ = k8s.Delete(context.Background(), second)
}

func TestRotationAnnotationRotatesExactlyOnce(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "ondemand", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(0, time.Second)})
	waitVersion(t, ns, "ondemand", 1)

	requestRotation(t, ns, "ondemand", "2026-11-25T10:00:00Z")
	oac := waitVersion(t, ns, "ondemand", 2)
	if !strings.Contains(oac.Status.LastRotationReason, "requested") {
		t.Errorf("reason = %q", oac.Status.LastRotationReason)
	}
	// Re-applying the same value (GitOps resync) does nothing.
	requestRotation(t, ns, "ondemand", "2026-11-25T10:00:00Z")
	time.Sleep(3 * resyncPeriod)
	if got := getClient(t, ns, "ondemand").Status.SecretVersion; got != 2 {
		t.Fatalf("version %d after re-applying the handled value, want 2", got)
	}
	requestRotation(t, ns, "ondemand", "again")
	waitVersion(t, ns, "ondemand", 3)
}

func TestRetirementSurvivesAManagerRestart(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "restart", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(0, 8*time.Second)})
	waitVersion(t, ns, "restart", 1)
	old := secretOf(t, ns, "restart")

	requestRotation(t, ns, "restart", "now")
	oac := waitVersion(t, ns, "restart", 2)
	restartManager(t, 2*time.Second) // down in the middle of the grace period

	if !remoteExists(t, string(old.Data["client_id"])) {
		t.Fatal("the old client was deleted before its grace period ended")
	}
	waitRemoteGone(t, string(old.Data["client_id"]))
	if !remoteExists(t, oac.Status.ClientID) {
		t.Fatal("the current client is gone")
	}
	if _, err := token(t, secretOf(t, ns, "restart"), "read"); err != nil {
		t.Fatalf("current credentials refused: %v", err)
	}
}

func TestDeletingDuringGracePeriodRemovesBothClients(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "both", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(0, time.Hour)})
	waitVersion(t, ns, "both", 1)
	old := secretOf(t, ns, "both")
	requestRotation(t, ns, "both", "now")
	oac := waitVersion(t, ns, "both", 2)
	if !remoteExists(t, string(old.Data["client_id"])) {
		t.Fatal("the old client should live through its one-hour grace period")
	}
	if err := k8s.Delete(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "both")
	waitRemoteGone(t, string(old.Data["client_id"]))
	waitRemoteGone(t, oac.Status.ClientID)
}

func TestDisableAndEnable(t *testing.T) {
	ns := newNamespace(t)
	oac, before := applyReady(t, ns, "switch", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})

	oac.Spec.Disabled = true
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	cond := waitReason(t, ns, "switch", v1alpha1.ReasonDisabled)
	if !strings.Contains(cond.Message, "deleted there") {
		t.Errorf("the condition does not say how the client was disabled: %s", cond.Message)
	}
	if _, err := token(t, before, "read"); err == nil {
		t.Error("a disabled client's credentials still obtain tokens")
	}
	s := secretOf(t, ns, "switch")
	if _, has := s.Data["client_secret"]; has {
		t.Error("the disabled client's Secret still holds client_secret")
	}
	if len(s.Data["token_url"]) == 0 || len(s.Data["client_id"]) == 0 {
		t.Error("disabling removed more than client_secret from the Secret")
	}
	if getClient(t, ns, "switch").Status.NextRotationTime != nil {
		t.Error("a disabled client has a next rotation time")
	}

	oac = getClient(t, ns, "switch")
	oac.Spec.Disabled = false
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ns, "switch")
	if got := readyReason(t, ns, "switch"); got != v1alpha1.ReasonReady {
		t.Errorf("reason after enabling = %s", got)
	}
	if _, err := token(t, secretOf(t, ns, "switch"), "read"); err != nil {
		t.Fatalf("credentials refused after enabling: %v", err)
	}
}

func TestRotationRollsWorkloads(t *testing.T) {
	ns := newNamespace(t)
	labels := map[string]string{"app": "web"}
	mustCreate(t, &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: "web:1"}}},
			},
		},
	})
	newClient(t, ns, "rolled", v1alpha1.OAuthClientSpec{
		Scopes: []string{"read"}, Rotation: rotation(0, time.Second),
		RolloutTargets: []v1alpha1.WorkloadReference{{Kind: "Deployment", Name: "web"}, {Kind: "StatefulSet", Name: "missing"}},
	})
	waitVersion(t, ns, "rolled", 1)
	if restartedAt(t, ns) != "" {
		t.Fatal("the first credentials restarted the workload")
	}
	requestRotation(t, ns, "rolled", "now")
	waitVersion(t, ns, "rolled", 2)
	waitFor(t, "the Deployment to be restarted", func() (bool, string) {
		return restartedAt(t, ns) != "", "no restartedAt annotation"
	})
	if !hasEvent(t, ns, "rolled", "Warning/RolloutTargetMissing") {
		t.Error("no Warning event for the missing StatefulSet")
	}
}

func restartedAt(t *testing.T, ns string) string {
	t.Helper()
	var d appsv1.Deployment
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "web"}, &d); err != nil {
		t.Fatal(err)
	}
	return d.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"]
}

func readyReason(t *testing.T, ns, name string) string {
	t.Helper()
	for _, c := range getClient(t, ns, name).Status.Conditions {
		if c.Type == v1alpha1.ConditionReady {
			return c.Reason
		}
	}
	return ""
}
