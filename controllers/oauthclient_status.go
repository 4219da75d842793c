package controllers

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
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// finish records the outcome in the Ready condition, writes status once when
// it changed, and says when to look again.
func (s *clientSync) finish(ctx context.Context, err error) (reconcile.Result, error) {
	if errors.Is(err, errWaitForServer) {
		return reconcile.Result{RequeueAfter: 2 * time.Second}, nil
	}
	if s.oac.DeletionTimestamp.IsZero() || controllerutil.ContainsFinalizer(s.oac, v1alpha1.Finalizer) {
		s.setReady(err)
		if perr := s.patchStatus(ctx); perr != nil {
			return reconcile.Result{}, perr
		}
	}
	if err != nil {
		return s.retry(ctx, err)
	}
	if !s.oac.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	after := jitter(s.r.ResyncPeriod)
	if !s.wakeAt.IsZero() {
		after = min(after, max(time.Until(s.wakeAt), 0)+time.Second)
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// retry decides how to try again after err: when the server said, after a
// long pause when only a change can help, else with the workqueue's capped
// exponential backoff.
func (s *clientSync) retry(ctx context.Context, err error) (reconcile.Result, error) {
	reason := reasonOf(err)
	log.FromContext(ctx).V(1).Info("not ready", "reason", reason, "error", err.Error())
	if d := provider.RetryAfter(err); d > 0 {
		return reconcile.Result{RequeueAfter: min(d, maxRetry)}, nil
	}
	switch reason {
	case v1alpha1.ReasonSecretConflict, v1alpha1.ReasonInvalidTemplate, v1alpha1.ReasonInvalidMetadata, v1alpha1.ReasonProviderError:
		// Retrying the same spec cannot help; a spec change triggers a
		// reconcile at once, the pause catches changes made elsewhere.
		return reconcile.Result{RequeueAfter: maxRetry}, nil
	case v1alpha1.ReasonServerNotFound, v1alpha1.ReasonServerNotReady:
		// The server's own events wake this client; the pause is a safety net.
		return reconcile.Result{RequeueAfter: time.Minute}, nil
	}
	return reconcile.Result{}, err
}

// setReady sets the Ready condition from the reconcile's outcome.
func (s *clientSync) setReady(err error) {
	st := &s.oac.Status
	st.ObservedGeneration = s.oac.Generation
	cond := metav1.Condition{Type: v1alpha1.ConditionReady, ObservedGeneration: s.oac.Generation}
	switch {
	case err != nil:
		cond.Status = metav1.ConditionFalse
		cond.Reason = reasonOf(err)
		cond.Message = err.Error()
	case s.disabled != "":
		cond.Status = metav1.ConditionTrue
		cond.Reason = v1alpha1.ReasonDisabled
		cond.Message = s.disabled
	case !s.oac.DeletionTimestamp.IsZero():
		cond.Status = metav1.ConditionFalse
		cond.Reason = v1alpha1.ReasonDeleting
		cond.Message = "removing the client"
	default:
		cond.Status = metav1.ConditionTrue
		cond.Reason = v1alpha1.ReasonReady
		cond.Message = fmt.Sprintf("client %s is registered; its credentials are in Secret %s", st.ClientID, st.SecretName)
	}
	meta.SetStatusCondition(&st.Conditions, cond)
}

// patchStatus writes status when it differs from what was read.
func (s *clientSync) patchStatus(ctx context.Context) error {
	if equality.Semantic.DeepEqual(s.before.Status, s.oac.Status) {
		return nil
	}
	if err := s.r.Client.Status().Patch(ctx, s.oac, client.MergeFrom(s.before)); err != nil {
		return client.IgnoreNotFound(err)
	}
	return nil
}

// event records a Kubernetes event on the OAuthClient. Notes never carry
// secret values.
func (s *clientSync) event(eventType, reason, note string, args ...any) {
	if s.r.Recorder != nil {
		s.r.Recorder.Eventf(s.oac, nil, eventType, reason, reason, note, args...)
	}
}
