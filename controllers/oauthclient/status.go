package oauthclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/kstatus"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// finish writes status once, when it changed, and says when to look again.
func (r *Reconciler) finish(ctx context.Context, before, oac *v1alpha1.OAuthClient, out outcome, err error) (reconcile.Result, error) {
	if errors.Is(err, errWaitForServer) {
		return reconcile.Result{RequeueAfter: 2 * time.Second}, nil
	}
	if errors.Is(err, servers.ErrBusy) {
		// The server's other calls are still waiting for answers: nothing
		// was done, and whether they fail or succeed decides what to show.
		return reconcile.Result{RequeueAfter: policy.Jitter(2 * time.Second)}, nil
	}
	deleting := !oac.DeletionTimestamp.IsZero()
	if !deleting || controllerutil.ContainsFinalizer(oac, v1alpha1.Finalizer) {
		oac.Status = status(oac, out, err)
		if perr := r.patchStatus(ctx, before, oac); perr != nil {
			return reconcile.Result{}, perr
		}
	}
	if err != nil {
		reason := reasonOf(err)
		log.FromContext(ctx).V(1).Info("not ready", "reason", reason, "error", err.Error())
		if _, fromServer := errors.AsType[*provider.Error](err); fromServer && reason == v1alpha1.ReasonServerUnavailable {
			// The server failed this client: have it proven again now, so
			// its own condition says so too.
			r.Servers.Suspect(servers.KeyOf(oac))
		}
		if after, backoff := policy.ClientRetry(reason, err); !backoff {
			return reconcile.Result{RequeueAfter: after}, nil
		}
		return reconcile.Result{}, err
	}
	if deleting {
		return reconcile.Result{}, nil
	}
	after := policy.Jitter(r.ResyncPeriod)
	if justRegistered(before, out) {
		after = policy.Spread(r.ResyncPeriod)
	}
	if wake := policy.Wake(oac, out.record); !wake.IsZero() {
		after = min(after, max(time.Until(wake), 0)+time.Second)
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// status is the OAuthClient's status after a reconcile: computed here alone,
// from the spec, the status before, and the outcome.
func status(oac *v1alpha1.OAuthClient, out outcome, err error) v1alpha1.OAuthClientStatus {
	st := *oac.Status.DeepCopy()
	st.ObservedGeneration = oac.Generation
	st.SecretName = oac.SecretName()
	if rec := out.record; out.delivered && rec != nil {
		st.ClientID, st.SecretVersion = rec.ClientID, rec.Version
	}
	if out.disabled == disabledByDelete {
		st.ClientID = ""
	}
	if rec := out.record; rec != nil {
		st.NextRotationTime = optionalTime(policy.NextRotation(oac, rec))
		st.LastRotationTime = optionalTime(rec.LastRotation)
		st.LastRotationReason = rec.RotationReason
	}
	if oac.Spec.Disabled {
		st.NextRotationTime = nil
	}
	setAdopted(oac, &st.Conditions, out.record)
	meta.SetStatusCondition(&st.Conditions, readyCondition(oac, st, out, err))
	if c := rotationDueCondition(oac, out.record, time.Now()); c != nil {
		meta.SetStatusCondition(&st.Conditions, *c)
	} else {
		meta.RemoveStatusCondition(&st.Conditions, v1alpha1.ConditionRotationDue)
	}
	kstatus.Set(&st.Conditions)
	return st
}

// readyCondition says whether the client is usable, and if not, why.
func readyCondition(oac *v1alpha1.OAuthClient, st v1alpha1.OAuthClientStatus, out outcome, err error) metav1.Condition {
	cond := metav1.Condition{Type: v1alpha1.ConditionReady, ObservedGeneration: oac.Generation}
	switch {
	case err != nil:
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, reasonOf(err), err.Error()
	case out.disabled != "":
		cond.Status, cond.Reason, cond.Message = metav1.ConditionTrue, v1alpha1.ReasonDisabled, out.disabled
	case !oac.DeletionTimestamp.IsZero():
		cond.Status, cond.Reason, cond.Message = metav1.ConditionFalse, v1alpha1.ReasonDeleting, "removing the client"
	default:
		cond.Status, cond.Reason = metav1.ConditionTrue, v1alpha1.ReasonReady
		cond.Message = fmt.Sprintf("client %s is registered; its credentials are in Secret %s", st.ClientID, st.SecretName)
	}
	return cond
}

// patchStatus writes status when it differs from what was read.
func (r *Reconciler) patchStatus(ctx context.Context, before, oac *v1alpha1.OAuthClient) error {
	if equality.Semantic.DeepEqual(before.Status, oac.Status) {
		return nil
	}
	if err := r.Client.Status().Patch(ctx, oac, client.MergeFrom(before)); err != nil {
		return client.IgnoreNotFound(err)
	}
	return nil
}

func optionalTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}
