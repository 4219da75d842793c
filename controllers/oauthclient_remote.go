package controllers

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// loadState reads the durable record of the remote client.
func (s *clientSync) loadState(ctx context.Context) error {
	if s.fresh {
		return nil
	}
	st, err := s.r.states.load(ctx, s.oac)
	if err != nil {
		return err
	}
	s.state = st
	return nil
}

// syncRemote makes the server's registration match the manifest: it
// registers the client when there is none (or the server lost it) and
// updates it when it drifted.
func (s *clientSync) syncRemote(ctx context.Context) error {
	if s.state == nil {
		if s.oac.Status.ClientID != "" {
			s.event(corev1.EventTypeWarning, "StateLost",
				"the operator's record of client %s is gone; registering a new client", s.oac.Status.ClientID)
		}
		return s.register(ctx)
	}
	if s.r.recentlySynced(s.oac, s.state) {
		// The reconcile that follows our own writes (the Secret's watch
		// event) need not ask the server again.
		return nil
	}
	p := s.server.Provider
	remote, err := p.Observe(ctx, s.state.ClientID, s.state.Provider)
	if errors.Is(err, provider.ErrNotFound) {
		s.event(corev1.EventTypeWarning, "ClientRecreated",
			"client %s no longer exists at the server; registering a new client", s.state.ClientID)
		return s.register(ctx)
	}
	if err != nil {
		return providerFailure(err, "")
	}
	s.remote = &remote
	if p.Capabilities().NativeDisable && !remote.Enabled {
		if err := p.SetEnabled(ctx, s.state.ClientID, s.state.Provider, true); err != nil {
			return providerFailure(err, "enabling client %s", s.state.ClientID)
		}
		s.event(corev1.EventTypeNormal, "Enabled", "enabled client %s at the server", s.state.ClientID)
	}
	if remote.ClientSecret != "" && remote.ClientSecret != s.state.ClientSecret && !isPublic(desiredSpec(s.oac)) {
		// The server holds another secret than ours (changed there by hand):
		// the server's is the live one.
		if err := s.adopt(ctx, remote.ClientSecret, nil, "the server reports a different secret"); err != nil {
			return err
		}
	}
	desired := desiredSpec(s.oac)
	changed := drift(desired, remote.Spec)
	if len(changed) == 0 {
		s.r.markSynced(s.oac, s.state)
		return nil
	}
	res, err := p.Update(ctx, s.state.ClientID, s.state.Provider, desired)
	if err != nil {
		return providerFailure(err, "updating client %s (%s differ)", s.state.ClientID, strings.Join(changed, ", "))
	}
	if res.State != nil || (res.Client.ClientSecret != "" && res.Client.ClientSecret != s.state.ClientSecret) {
		if err := s.adopt(ctx, res.Client.ClientSecret, res.State, "the server changed them on update"); err != nil {
			return err
		}
	}
	s.event(corev1.EventTypeNormal, "Updated", "updated client %s at the server: %s", s.state.ClientID, strings.Join(changed, ", "))
	s.r.markSynced(s.oac, s.state)
	return nil
}

// register creates a new remote client and records it durably before
// anything else happens. If the record cannot be written the new client is
// deleted again, so no credential exists that nobody holds.
func (s *clientSync) register(ctx context.Context) error {
	desired := desiredSpec(s.oac)
	res, err := s.server.Provider.Create(ctx, desired)
	if err != nil {
		return providerFailure(err, "")
	}
	if err := crashpoint.Reached(crashpoint.AfterRemoteCreate); err != nil {
		return err
	}
	if !isPublic(desired) {
		if err := s.keepOnlyWithSecret(ctx, res, "client"); err != nil {
			return err
		}
	}
	version := int64(1)
	if s.state != nil {
		version = s.state.Version + 1
	} else if s.oac.Status.SecretVersion > 0 {
		version = s.oac.Status.SecretVersion + 1
	}
	st := &clientState{
		ClientID: res.Client.ClientID, ClientSecret: res.Client.ClientSecret,
		IssuedAt: time.Now().UTC().Truncate(time.Second), Version: version, Provider: res.State,
		// A rotation request present at registration is already satisfied.
		HandledRequest: s.oac.Annotations[AnnotationRotateRequestedAt],
	}
	if version == 1 {
		// The first credentials restart nothing (see rollout): say so in
		// this write rather than in another one.
		st.RolledVersion = version
	}
	if err := s.saveWithRetry(ctx, st); err != nil {
		if derr := s.server.Provider.Delete(ctx, st.ClientID, st.Provider); derr != nil {
			return fmt.Errorf("recording new client %s failed (%v) and deleting it again failed too: %w", st.ClientID, err, derr)
		}
		return fmt.Errorf("recording new client %s failed, so it was deleted again: %w", st.ClientID, err)
	}
	s.state = st
	if err := crashpoint.Reached(crashpoint.AfterStateSave); err != nil {
		return err
	}
	s.r.markSynced(s.oac, st)
	s.event(corev1.EventTypeNormal, "Registered", "registered client %s at %s", st.ClientID, s.server.Endpoints.Issuer)
	return nil
}

// adopt records a new secret and/or provider state that the server issued.
func (s *clientSync) adopt(ctx context.Context, secret string, state provider.State, why string) error {
	st := s.state.clone()
	if state != nil {
		st.Provider = state
	}
	if secret != "" && secret != st.ClientSecret {
		st.ClientSecret = secret
		st.Version++
		st.IssuedAt = time.Now().UTC().Truncate(time.Second)
		s.event(corev1.EventTypeNormal, "SecretChanged", "client %s has a new secret: %s", st.ClientID, why)
	}
	if err := s.saveWithRetry(ctx, st); err != nil {
		return err
	}
	s.state = st
	return nil
}

// saveWithRetry writes the state, trying a few times: a credential the
// server just issued must not be lost to a passing API error.
func (s *clientSync) saveWithRetry(ctx context.Context, st *clientState) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if err = s.r.states.save(ctx, s.oac, st); err == nil {
			return nil
		}
	}
	return err
}

// keepOnlyWithSecret checks that the server issued a secret with a client it
// just registered (what: "client" or "replacement client"). When it did
// not, the client is deleted again: a confidential client nobody holds a
// secret for must not stay behind.
func (s *clientSync) keepOnlyWithSecret(ctx context.Context, res provider.Result, what string) error {
	if res.Client.ClientSecret != "" {
		return nil
	}
	_ = s.server.Provider.Delete(ctx, res.Client.ClientID, res.State)
	return fail(v1alpha1.ReasonServerUnavailable, "the server registered %s %s without issuing a secret; it was deleted again", what, res.Client.ClientID)
}

// deleteAtServer deletes a client at the server; one already gone counts
// as deleted. A failure is described by doing and args, as providerFailure
// does.
func (s *clientSync) deleteAtServer(ctx context.Context, clientID string, state provider.State, doing string, args ...any) error {
	err := s.server.Provider.Delete(ctx, clientID, state)
	if err == nil || errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	return providerFailure(err, doing, args...)
}
