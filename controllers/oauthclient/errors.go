package oauthclient

import (
	"errors"
	"fmt"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
)

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

// errWaitForServer asks to try again shortly without changing status.
var errWaitForServer = errors.New("waiting for this process to connect to the server")

// reasonOf picks the Ready reason for err.
func reasonOf(err error) string {
	if se, ok := errors.AsType[*stepError](err); ok {
		return se.reason
	}
	if _, ok := errors.AsType[*delivery.ConflictError](err); ok {
		return v1alpha1.ReasonSecretConflict
	}
	if _, ok := errors.AsType[*delivery.RefusedError](err); ok {
		return v1alpha1.ReasonInvalidTemplate
	}
	return policy.ReasonOfProviderError(err)
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
