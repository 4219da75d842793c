package policy

import (
	"fmt"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// RotationInput is everything the rotation decision depends on.
type RotationInput struct {
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

// RotationDecision says whether to rotate now, why, and when the next
// scheduled rotation is due.
type RotationDecision struct {
	Due    bool
	Reason string
	Next   time.Time
}

// ExpiryMargin is how long before the server's own expiry a secret is
// replaced: an hour, or a quarter of the secret's lifetime when that is
// shorter, so a secret that lives less than an hour is not due the moment
// it is issued.
const ExpiryMargin = time.Hour

// expiryMargin is the margin for a secret issued at issuedAt that the
// server expires at expiresAt.
func expiryMargin(issuedAt, expiresAt time.Time) time.Duration {
	if issuedAt.IsZero() || !expiresAt.After(issuedAt) {
		return ExpiryMargin
	}
	return min(ExpiryMargin, expiresAt.Sub(issuedAt)/4)
}

// DecideRotation is the rotation policy: on request, on schedule, or before
// the server expires the secret.
func DecideRotation(in RotationInput) RotationDecision {
	d := RotationDecision{Next: nextRotation(in.IssuedAt, in.Interval, in.SecretExpiresAt)}
	switch {
	case in.Disabled:
		d.Next = time.Time{}
	case in.Requested != "" && in.Requested != in.Handled:
		d.Due, d.Reason = true, fmt.Sprintf("requested by annotation %s=%q", v1alpha1.AnnotationRotateRequestedAt, in.Requested)
	case !in.SecretExpiresAt.IsZero() && !in.Now.Before(in.SecretExpiresAt.Add(-expiryMargin(in.IssuedAt, in.SecretExpiresAt))):
		d.Due, d.Reason = true, fmt.Sprintf("the server expires the secret at %s", in.SecretExpiresAt.UTC().Format(time.RFC3339))
	case in.Interval > 0 && !in.IssuedAt.IsZero() && !in.Now.Before(in.IssuedAt.Add(in.Interval)):
		d.Due, d.Reason = true, fmt.Sprintf("scheduled: the interval of %s since %s has passed", in.Interval, in.IssuedAt.UTC().Format(time.RFC3339))
	}
	return d
}

// nextRotation is when the credentials issued at issuedAt are next due: by
// schedule or before the server's expiry, whichever comes first.
func nextRotation(issuedAt time.Time, interval time.Duration, expiresAt time.Time) time.Time {
	var next time.Time
	if interval > 0 && !issuedAt.IsZero() {
		next = issuedAt.Add(interval)
	}
	if !expiresAt.IsZero() {
		byExpiry := expiresAt.Add(-expiryMargin(issuedAt, expiresAt))
		if next.IsZero() || byExpiry.Before(next) {
			next = byExpiry
		}
	}
	return next
}

// NextRotation is when the client's recorded credentials are next due for
// rotation; zero when never (disabled, public, or no schedule or expiry).
// It depends only on the record and the spec, so it is the same whichever
// reconcile computes it.
func NextRotation(oac *v1alpha1.OAuthClient, rec *record.Record) time.Time {
	if rec == nil || oac.Spec.Disabled || IsPublic(oac) {
		return time.Time{}
	}
	return nextRotation(rec.IssuedAt, IntervalOf(oac), rec.SecretExpiresAt)
}

// PickStrategy resolves the spec's strategy against what the server can do.
// Auto picks the best zero-downtime strategy: Overlap where the server keeps
// two secrets, else Replace, which works everywhere.
func PickStrategy(requested v1alpha1.RotationStrategy, caps provider.Capabilities) (v1alpha1.RotationStrategy, error) {
	switch requested {
	case "", v1alpha1.StrategyAuto:
		if caps.OverlapSecrets {
			return v1alpha1.StrategyOverlap, nil
		}
		return v1alpha1.StrategyReplace, nil
	case v1alpha1.StrategyOverlap:
		if !caps.OverlapSecrets {
			return "", fmt.Errorf("spec.rotation.strategy: this server cannot keep two secrets for one client; use Replace or Auto")
		}
	case v1alpha1.StrategyRegenerate:
		if !caps.RegenerateSecret {
			return "", fmt.Errorf("spec.rotation.strategy: this server cannot regenerate a client's secret; use Replace or Auto")
		}
	case v1alpha1.StrategyReplace:
	default:
		return "", fmt.Errorf("spec.rotation.strategy: unknown strategy %q", requested)
	}
	return requested, nil
}

// DueRetirements splits retiring clients into those whose grace period has
// ended and those still waiting, and says when the next one is due.
func DueRetirements(now time.Time, retiring []record.Retiring) (due, waiting []record.Retiring, next time.Time) {
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

// Wake is when the client must be looked at again for its own sake: its next
// rotation or the end of a replaced client's grace period, whichever comes
// first; zero when neither is due.
func Wake(oac *v1alpha1.OAuthClient, rec *record.Record) time.Time {
	if rec == nil {
		return time.Time{}
	}
	_, _, retire := DueRetirements(time.Time{}, rec.Retiring)
	rotation := NextRotation(oac, rec)
	if oac.Spec.CredentialsFrom != nil && !rotation.After(time.Now()) {
		rotation = time.Time{} // brought credentials: a person rotates them; the condition already says so
	}
	return earliest(rotation, retire)
}
