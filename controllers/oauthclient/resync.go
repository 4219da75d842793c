package oauthclient

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// isResync reports whether a reconcile only checks a client that was in
// line: Ready at its generation, no rotation asked for or due. Such calls
// give way to new clients, changes and rotations while the server's
// request budget runs low.
func isResync(oac *v1alpha1.OAuthClient, rec *record.Record, now time.Time) bool {
	c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil || c.Status != metav1.ConditionTrue || c.ObservedGeneration != oac.Generation || rec == nil {
		return false
	}
	if oac.Annotations[v1alpha1.AnnotationRotateRequestedAt] != rec.HandledRequest {
		return false
	}
	next := policy.NextRotation(oac, rec)
	return next.IsZero() || now.Before(next)
}

// justRegistered reports whether a reconcile delivered the first
// credentials of a client that had none: its first resync is spread over
// the period (policy.Spread).
func justRegistered(before *v1alpha1.OAuthClient, out outcome) bool {
	return before.Status.ClientID == "" && out.delivered && out.record != nil
}
