package controllers

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// clientSync is one reconcile of one OAuthClient: the steps share what they
// learn through it.
type clientSync struct {
	r      *OAuthClientReconciler
	oac    *v1alpha1.OAuthClient
	before *v1alpha1.OAuthClient // as read, to patch status only when it changed

	server *Server          // the Ready server, after resolveServer
	secret *corev1.Secret   // the delivered Secret as it is, nil when absent
	state  *clientState     // the durable record of the remote client, nil when none
	remote *provider.Client // the client as the server reported it

	// wakeAt is when a rotation or retirement is next due.
	wakeAt time.Time
	// disabled explains how the client was disabled, when it was.
	disabled string
	// fresh: this reconcile added the finalizer, so no state can exist yet
	// (state is only ever written to a client that has the finalizer).
	fresh bool
}

func (r *OAuthClientReconciler) newSync(oac *v1alpha1.OAuthClient) *clientSync {
	return &clientSync{r: r, oac: oac, before: oac.DeepCopy()}
}

// step is one part of a reconcile. A step that cannot go on returns an
// error, ideally a *stepError carrying the condition reason to show.
type step func(context.Context) error

// steps runs each step in order and stops at the first error.
func (s *clientSync) steps(ctx context.Context, steps ...step) error {
	for _, run := range steps {
		if err := run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// stepError is a failure with the Ready reason that explains it to a user.
type stepError struct {
	reason string
	err    error
}

func (e *stepError) Error() string { return e.err.Error() }
func (e *stepError) Unwrap() error { return e.err }

// fail wraps err with the condition reason a user sees.
func fail(reason string, format string, args ...any) error {
	return &stepError{reason: reason, err: fmt.Errorf(format, args...)}
}

// reasonOf picks the Ready reason for err.
func reasonOf(err error) string {
	var se *stepError
	if errors.As(err, &se) {
		return se.reason
	}
	switch provider.KindOf(err) {
	case provider.KindInvalidMetadata:
		return v1alpha1.ReasonInvalidMetadata
	case provider.KindUnauthorized:
		return v1alpha1.ReasonUnauthorized
	case provider.KindRateLimited:
		return v1alpha1.ReasonRateLimited
	case provider.KindUnsupported:
		return v1alpha1.ReasonProviderError
	default:
		return v1alpha1.ReasonServerUnavailable
	}
}

// providerFailure wraps a provider error with what was being done, keeping
// its kind for requeue decisions. Adapters already name the call they made
// ("reading client X: ..."), so plain calls pass no words of their own.
func providerFailure(err error, doing string, args ...any) error {
	if doing == "" {
		return &stepError{reason: reasonOf(err), err: err}
	}
	return &stepError{reason: reasonOf(err), err: fmt.Errorf(doing+": %w", append(args, err)...)}
}
