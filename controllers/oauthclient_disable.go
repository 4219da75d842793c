package controllers

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Messages of the Disabled reason: they say which way the client was
// switched off.
const (
	disabledNatively = "disabled with the server's own switch: its credentials are refused; the Secret is kept"
	disabledByDelete = "the server has no switch to disable a client, so the client was deleted there and client_secret removed from the Secret; setting disabled: false registers a new client"
)

// disable switches the client off: with the server's own switch where it
// has one, else by deleting the remote client and removing the secret from
// the delivered Secret. Each part is idempotent, so a crash midway is
// finished by the next reconcile.
func (s *clientSync) disable(ctx context.Context) error {
	s.oac.Status.NextRotationTime = nil
	if s.server.Provider.Capabilities().NativeDisable {
		s.disabled = disabledNatively
		if s.state == nil {
			return nil
		}
		remote, err := s.server.Provider.Observe(ctx, s.state.ClientID, s.state.Provider)
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return providerFailure(err, "")
		}
		if err == nil && remote.Enabled {
			if err := s.server.Provider.SetEnabled(ctx, s.state.ClientID, s.state.Provider, false); err != nil {
				return providerFailure(err, "disabling client %s", s.state.ClientID)
			}
			s.event(corev1.EventTypeNormal, "Disabled", "disabled client %s at the server", s.state.ClientID)
		}
		return nil
	}

	s.disabled = disabledByDelete
	if s.state == nil {
		return nil
	}
	if err := s.deleteRetiring(ctx); err != nil {
		return err
	}
	if err := s.deleteAtServer(ctx, s.state.ClientID, s.state.Provider, "deleting client %s to disable it", s.state.ClientID); err != nil {
		return err
	}
	if err := crashpoint.Reached(crashpoint.AfterDisableDelete); err != nil {
		return err
	}
	if s.secret != nil {
		// Keep the Secret and its other keys; only the secret goes.
		withoutSecret := s.state.clone()
		withoutSecret.ClientSecret = ""
		withoutSecret.Version++
		s.state = withoutSecret
		if err := s.writeSecret(ctx); err != nil {
			return fmt.Errorf("removing client_secret from Secret %s: %w", s.secret.Name, err)
		}
	}
	if err := s.r.states.remove(ctx, s.oac); err != nil {
		return err
	}
	s.event(corev1.EventTypeNormal, "Disabled", "deleted client %s at the server to disable it (the server has no switch of its own)", s.state.ClientID)
	s.oac.Status.ClientID = ""
	s.state = nil
	return nil
}
