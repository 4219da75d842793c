package controllers

import (
	"fmt"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// AnnotationRotateRequestedAt asks for one rotation: any new value rotates
// once; the value is remembered, so re-applying the same manifest does not
// rotate again.
const AnnotationRotateRequestedAt = "oauth.clientoperator.io/rotate-requested-at"

// Rotation strategies.
const (
	StrategyAuto       = "Auto"
	StrategyRegenerate = "Regenerate"
	StrategyOverlap    = "Overlap"
	StrategyReplace    = "Replace"
)

// rotationInput is everything the rotation decision depends on.
type rotationInput struct {
	Now time.Time
	// IssuedAt is when the current credentials were issued.
	IssuedAt time.Time
	// Interval between scheduled rotations; zero for none.
	Interval time.Duration
	// Requested is the rotate-requested-at annotation value; Handled the
	// last value acted on.
	Requested, Handled string
	// SecretExpiresAt is when the server expires the secret; zero if never.
	SecretExpiresAt time.Time
	// Disabled clients are never rotated.
	Disabled bool
}

// rotationDecision says whether to rotate now, why, and when the next
// scheduled rotation is due.
type rotationDecision struct {
	Due    bool
	Reason string
	Next   time.Time
}

// expiryMargin is how long before the server's own expiry a secret is
// replaced.
const expiryMargin = time.Hour

// decideRotation is the rotation policy: on request, on schedule, or before
// the server expires the secret.
func decideRotation(in rotationInput) rotationDecision {
	var next time.Time
	if in.Interval > 0 && !in.IssuedAt.IsZero() {
		next = in.IssuedAt.Add(in.Interval)
	}
	if !in.SecretExpiresAt.IsZero() {
		byExpiry := in.SecretExpiresAt.Add(-expiryMargin)
		if next.IsZero() || byExpiry.Before(next) {
			next = byExpiry
		}
	}
	d := rotationDecision{Next: next}
	switch {
	case in.Disabled:
		d.Next = time.Time{}
	case in.Requested != "" && in.Requested != in.Handled:
		d.Due, d.Reason = true, fmt.Sprintf("requested by annotation %s=%q", AnnotationRotateRequestedAt, in.Requested)
	case !in.SecretExpiresAt.IsZero() && !in.Now.Before(in.SecretExpiresAt.Add(-expiryMargin)):
		d.Due, d.Reason = true, fmt.Sprintf("the server expires the secret at %s", in.SecretExpiresAt.UTC().Format(time.RFC3339))
	case in.Interval > 0 && !in.IssuedAt.IsZero() && !in.Now.Before(in.IssuedAt.Add(in.Interval)):
		d.Due, d.Reason = true, fmt.Sprintf("scheduled: the interval of %s since %s has passed", in.Interval, in.IssuedAt.UTC().Format(time.RFC3339))
	}
	return d
}

// pickStrategy resolves the spec's strategy against what the server can do.
// Auto picks the best zero-downtime strategy: Overlap where the server keeps
// two secrets, else Replace, which works everywhere.
func pickStrategy(requested string, caps provider.Capabilities) (string, error) {
	switch requested {
	case "", StrategyAuto:
		if caps.OverlapSecrets {
			return StrategyOverlap, nil
		}
		return StrategyReplace, nil
	case StrategyOverlap:
		if !caps.OverlapSecrets {
			return "", fmt.Errorf("spec.rotation.strategy: this server cannot keep two secrets for one client; use Replace or Auto")
		}
	case StrategyRegenerate:
		if !caps.RegenerateSecret {
			return "", fmt.Errorf("spec.rotation.strategy: this server cannot regenerate a client's secret; use Replace or Auto")
		}
	case StrategyReplace:
	default:
		return "", fmt.Errorf("spec.rotation.strategy: unknown strategy %q", requested)
	}
	return requested, nil
}

// dueRetirements splits retiring clients into those whose grace period has
// ended and those still waiting, and says when the next one is due.
func dueRetirements(now time.Time, retiring []retiringClient) (due, waiting []retiringClient, next time.Time) {
	for _, rc := range retiring {
		if !now.Before(rc.RetireAt) {
			due = append(due, rc)
			continue
		}
		waiting = append(waiting, rc)
		if next.IsZero() || rc.RetireAt.Before(next) {
			next = rc.RetireAt
		}
	}
	return due, waiting, next
}
