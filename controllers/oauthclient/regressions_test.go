package oauthclient

// Regression tests for bugs reconciler_test.go's harness found. Each says
// what a user saw.

import (
	"strconv"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Disabling by delete writes the secret-less Secret as version N+1 but
// leaves status.secretVersion at N; enabling again registers the new client
// as N+1 too, so one version number names two different credentials (and
// status disagrees with the Secret's version annotation while disabled).
func TestVersionNotReusedAfterDisableByDelete(t *testing.T) {
	e := newEnv(t, config{})
	e.registered()
	e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true })
	e.ok()
	disabled := e.secret().Annotations[v1alpha1.AnnotationVersion]
	if got := strconv.FormatInt(e.oac().Status.SecretVersion, 10); got != disabled {
		t.Errorf("while disabled: status.secretVersion %s, the Secret's version annotation %s", got, disabled)
	}
	e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = false })
	e.ok()
	if got := e.secret().Annotations[v1alpha1.AnnotationVersion]; got == disabled {
		t.Errorf("the new client's credentials are version %s, the same as the secret-less Secret's", got)
	}
}

// A server whose secrets live less than policy.ExpiryMargin (an hour): each
// new secret is due for rotation the moment it is issued, so the client is
// rotated on every reconcile, about once a second (Wake is in the past, so
// RequeueAfter is 1s), restarting its rollout targets each time.
func TestRegressionShortLivedSecretsRotateEverySecond(t *testing.T) {
	e := newEnv(t, config{caps: provider.Capabilities{OverlapSecrets: true}, secretTTL: 30 * time.Minute})
	res := e.ok()
	if res.RequeueAfter <= time.Minute {
		t.Errorf("after registering: RequeueAfter %s", res.RequeueAfter)
	}
	e.ok()
	e.ok()
	if n := e.srv.count("RotateSecret"); n > 0 {
		t.Errorf("a secret valid for 30 minutes was rotated %d time(s) in two reconciles right after it was issued; status version %d",
			n, e.oac().Status.SecretVersion)
	}
}

// A rotation and a retirement in the same reconcile: retire replaced the
// retiring list with the plan's snapshot taken before the rotation, so the
// client the rotation had just replaced was dropped from the record and
// never deleted.
func TestRegressionRotationAndRetirementInOneReconcileKeepTheNewRetiree(t *testing.T) {
	e := newEnv(t, config{edit: withRotation(v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace})})
	first := e.registered()
	e.requestRotation("one")
	e.ok()
	second := e.record().ClientID
	e.editRecord(func(r *record.Record) {
		r.Retiring[0].RetireAt = time.Now().Add(-time.Second).UTC().Truncate(time.Second)
	})
	e.requestRotation("two")
	e.ok()
	rec := e.record()
	if len(rec.Retiring) != 1 || rec.Retiring[0].ClientID != second {
		t.Fatalf("retiring %+v after rotating again while %s retired; want %s retiring", rec.Retiring, first, second)
	}
	if e.srv.client(first) != nil {
		t.Errorf("client %s was not deleted when its grace period ended", first)
	}
	if e.srv.client(second) == nil {
		t.Errorf("client %s was deleted before its grace period", second)
	}
}
