// Package kstatus derives the conditions kstatus reads (sigs.k8s.io/cli-utils
// kstatus, which Flux's health checks, kpt and `kubectl wait` tooling use)
// from the Ready condition the controllers set:
//
//   - Reconciling=True while the operator works towards Ready, or waits for
//     something that resolves by itself (a server not ready yet or
//     unavailable, a rate limit, a deletion in progress): kstatus InProgress;
//   - Stalled=True when Ready is False for a reason only a person can fix
//     (the server refused the metadata or the management credentials, a
//     Secret conflict, a bad template or provider block): kstatus Failed;
//   - neither when Ready is True: kstatus Current.
//
// Both carry Ready's reason and message, and are absent rather than False
// when they do not hold, as kstatus recommends.
package kstatus

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The kstatus condition types.
const (
	Reconciling = "Reconciling"
	Stalled     = "Stalled"
)

// stalledReasons are the Ready reasons that need a person: the operator
// retries them, but the same answer comes back until the spec, the server's
// configuration or the management credentials change.
var stalledReasons = map[string]bool{
	v1alpha1.ReasonInvalidMetadata:    true,
	v1alpha1.ReasonSecretConflict:     true,
	v1alpha1.ReasonInvalidTemplate:    true,
	v1alpha1.ReasonUnauthorized:       true,
	v1alpha1.ReasonCredentialsRefused: true,
	v1alpha1.ReasonProviderError:      true,
	// A server the namespace may not use, a request its clientPolicy forbids.
	v1alpha1.ReasonServerNotAllowed: true,
	v1alpha1.ReasonPolicyViolation:  true,
	// A client someone else made holds spec.clientID.
	v1alpha1.ReasonClientExists: true,
}

// Stalls reports whether a Ready condition with reason needs a person.
func Stalls(reason string) bool { return stalledReasons[reason] }

// Set adds, updates or removes Reconciling and Stalled in conds to match
// their Ready condition.
func Set(conds *[]metav1.Condition) {
	ready := meta.FindStatusCondition(*conds, v1alpha1.ConditionReady)
	reconciling, stalled := ready == nil, false
	if ready != nil && ready.Status != metav1.ConditionTrue {
		stalled = ready.Status == metav1.ConditionFalse && Stalls(ready.Reason)
		reconciling = !stalled
	}
	set := func(kind string, holds bool) {
		if !holds {
			meta.RemoveStatusCondition(conds, kind)
			return
		}
		c := metav1.Condition{Type: kind, Status: metav1.ConditionTrue, Reason: "Reconciling"}
		if ready != nil {
			c.Reason, c.Message, c.ObservedGeneration = ready.Reason, ready.Message, ready.ObservedGeneration
		}
		meta.SetStatusCondition(conds, c)
	}
	set(Reconciling, reconciling)
	set(Stalled, stalled)
}
