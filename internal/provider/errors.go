package provider

import (
	"errors"
	"fmt"
	"time"
)

// Kind classifies an error that crossed the provider boundary. The controller
// maps each kind to a condition reason and a requeue behaviour.
type Kind string

// The kinds of provider errors.
const (
	// KindNotFound: the server does not know the client.
	KindNotFound Kind = "NotFound"
	// KindConflict: the server refused because of a conflicting object.
	KindConflict Kind = "Conflict"
	// KindInvalidMetadata: the server rejected the registration metadata.
	// Terminal: retrying the same spec will not help.
	KindInvalidMetadata Kind = "InvalidMetadata"
	// KindUnauthorized: the operator's management credentials were refused.
	KindUnauthorized Kind = "Unauthorized"
	// KindRateLimited: the server asked us to slow down.
	KindRateLimited Kind = "RateLimited"
	// KindTransient: network failures, timeouts, 5xx and other passing faults.
	KindTransient Kind = "Transient"
	// KindUnsupported: the server cannot do what was asked.
	KindUnsupported Kind = "Unsupported"
)

// Error is a typed provider error. Its message must never hold a secret.
type Error struct {
	Kind Kind
	// Code is the server's error code, e.g. invalid_redirect_uri.
	Code string
	// Description is the server's own explanation, when it gave one.
	Description string
	// RetryAfter is set for KindRateLimited when the server said how long.
	RetryAfter time.Duration
	// Err is the underlying cause, if any.
	Err error
}

func (e *Error) Error() string {
	msg := string(e.Kind)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is lets errors.Is(err, ErrNotFound) and friends match on kind.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && t.Code == "" && t.Description == "" && t.Err == nil
}

// Sentinels for errors.Is.
var (
	ErrNotFound        = &Error{Kind: KindNotFound}
	ErrConflict        = &Error{Kind: KindConflict}
	ErrInvalidMetadata = &Error{Kind: KindInvalidMetadata}
	ErrUnauthorized    = &Error{Kind: KindUnauthorized}
	ErrRateLimited     = &Error{Kind: KindRateLimited}
	ErrTransient       = &Error{Kind: KindTransient}
	ErrUnsupported     = &Error{Kind: KindUnsupported}
)

// KindOf returns the kind of err, or KindTransient for an untyped error.
func KindOf(err error) Kind {
	if pe, ok := errors.AsType[*Error](err); ok {
		return pe.Kind
	}
	return KindTransient
}

// IsTerminal reports whether retrying the same request cannot succeed:
// the metadata was rejected, or the server cannot do what is asked (retrying
// a registration the server answers in an unusable way would only leave
// more clients behind).
func IsTerminal(err error) bool {
	k := KindOf(err)
	return k == KindInvalidMetadata || k == KindUnsupported
}

// RetryAfter returns the server's requested delay, or zero.
func RetryAfter(err error) time.Duration {
	if pe, ok := errors.AsType[*Error](err); ok {
		return pe.RetryAfter
	}
	return 0
}

// Errorf builds a typed error with a formatted description.
func Errorf(kind Kind, format string, args ...any) error {
	return &Error{Kind: kind, Description: fmt.Sprintf(format, args...)}
}
