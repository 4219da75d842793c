package controllers

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
)

// rotate replaces the credentials when the policy says so, with the
// strategy the spec asks for or the best one the server allows.
func (s *clientSync) rotate(ctx context.Context) error {
	policy := s.oac.Spec.Rotation
	in := rotationInput{
		Now: time.Now(), IssuedAt: s.state.IssuedAt,
		Requested: s.oac.Annotations[AnnotationRotateRequestedAt], Handled: s.state.HandledRequest,
		Disabled: s.oac.Spec.Disabled,
	}
	if policy != nil && policy.Interval != nil {
		in.Interval = policy.Interval.Duration
	}
	if s.remote != nil {
		in.SecretExpiresAt = s.remote.SecretExpiresAt
	}
	decision := decideRotation(in)
	s.wakeBy(decision.Next)
	s.oac.Status.NextRotationTime = optionalTime(decision.Next)
	s.oac.Status.LastRotationTime = optionalTime(s.state.LastRotation)
	s.oac.Status.LastRotationReason = s.state.RotationReason
	if !decision.Due || isPublic(desiredSpec(s.oac)) {
		return nil
	}

	strategy, err := pickStrategy(strategyOf(s.oac), s.server.Provider.Capabilities())
	if err != nil {
		return fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	next := s.state.clone()
	switch strategy {
	case StrategyReplace:
		err = s.replace(ctx, next)
	default: // Regenerate and Overlap: the server issues a new secret for the same client
		err = s.regenerate(ctx, next)
	}
	if err != nil {
		return err
	}
	now := time.Now().UTC().Truncate(time.Second)
	next.Version++
	next.IssuedAt = now
	next.LastRotation = now
	next.RotationReason = decision.Reason
	next.HandledRequest = in.Requested
	if err := s.saveWithRetry(ctx, next); err != nil {
		return err
	}
	s.state = next
	if err := crashpoint.Reached(crashpoint.AfterRotationSave); err != nil {
		return err
	}
	s.oac.Status.LastRotationTime = optionalTime(now)
	s.oac.Status.LastRotationReason = decision.Reason
	if in.Interval > 0 {
		s.oac.Status.NextRotationTime = optionalTime(now.Add(in.Interval))
		s.wakeBy(now.Add(in.Interval))
	}
	s.event(corev1.EventTypeNormal, "Rotated", "rotated the credentials with strategy %s: %s", strategy, decision.Reason)
	return nil
}

// replace registers a new client for next and keeps the old one valid for
// the grace period. The old client is recorded as retiring in the same
// state write that records the new one, so a crash cannot lose track of it.
func (s *clientSync) replace(ctx context.Context, next *clientState) error {
	res, err := s.server.Provider.Create(ctx, desiredSpec(s.oac))
	if err != nil {
		return providerFailure(err, "registering the replacement client")
	}
	if err := crashpoint.Reached(crashpoint.AfterReplaceCreate); err != nil {
		return err
	}
	if err := s.keepOnlyWithSecret(ctx, res, "replacement client"); err != nil {
		return err
	}
	retireAt := time.Now().Add(gracePeriod(s.oac)).UTC().Truncate(time.Second)
	next.Retiring = append(next.Retiring, retiringClient{ClientID: next.ClientID, RetireAt: retireAt, Provider: next.Provider})
	next.ClientID, next.ClientSecret, next.Provider = res.Client.ClientID, res.Client.ClientSecret, res.State
	s.wakeBy(retireAt)
	return nil
}

// regenerate asks the server for a new secret of the same client.
func (s *clientSync) regenerate(ctx context.Context, next *clientState) error {
	res, err := s.server.Provider.RotateSecret(ctx, next.ClientID, next.Provider)
	if err != nil {
		return providerFailure(err, "rotating the secret of client %s", next.ClientID)
	}
	if res.Client.ClientSecret == "" {
		return fail(v1alpha1.ReasonServerUnavailable, "the server rotated client %s without returning a secret", next.ClientID)
	}
	next.ClientSecret = res.Client.ClientSecret
	if res.State != nil {
		next.Provider = res.State
	}
	return nil
}

// retire deletes the replaced clients whose grace period has ended.
func (s *clientSync) retire(ctx context.Context) error {
	due, waiting, next := dueRetirements(time.Now(), s.state.Retiring)
	s.wakeBy(next)
	if len(due) == 0 {
		return nil
	}
	for _, rc := range due {
		if err := s.deleteAtServer(ctx, rc.ClientID, rc.Provider, "retiring replaced client %s", rc.ClientID); err != nil {
			return err
		}
		if err := crashpoint.Reached(crashpoint.AfterRetireDelete); err != nil {
			return err
		}
		s.event(corev1.EventTypeNormal, "Retired", "deleted replaced client %s after its grace period", rc.ClientID)
	}
	st := s.state.clone()
	st.Retiring = waiting
	if err := s.saveWithRetry(ctx, st); err != nil {
		return err
	}
	s.state = st
	return nil
}

// deleteRetiring deletes every replaced client at once (on deletion or
// disabling of the OAuthClient).
func (s *clientSync) deleteRetiring(ctx context.Context) error {
	for _, rc := range s.state.Retiring {
		if err := s.deleteAtServer(ctx, rc.ClientID, rc.Provider, "deleting replaced client %s", rc.ClientID); err != nil {
			return err
		}
	}
	return nil
}

func strategyOf(oac *v1alpha1.OAuthClient) string {
	if oac.Spec.Rotation == nil {
		return StrategyAuto
	}
	return oac.Spec.Rotation.Strategy
}

func gracePeriod(oac *v1alpha1.OAuthClient) time.Duration {
	if r := oac.Spec.Rotation; r != nil && r.GracePeriod != nil {
		return r.GracePeriod.Duration
	}
	return defaultGracePeriod
}

// defaultGracePeriod outlasts the kubelet's refresh of mounted Secrets
// (its sync period plus cache TTL, about a minute by default) with margin.
const defaultGracePeriod = 10 * time.Minute

func optionalTime(t time.Time) *metav1.Time {
	if t.IsZero() {
		return nil
	}
	mt := metav1.NewTime(t.UTC().Truncate(time.Second))
	return &mt
}

// wakeBy makes the reconcile come back no later than t.
func (s *clientSync) wakeBy(t time.Time) {
	if t.IsZero() {
		return
	}
	if s.wakeAt.IsZero() || t.Before(s.wakeAt) {
		s.wakeAt = t
	}
}
