package mgmtauth

import (
	"errors"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// redacted replaces a secret found in an error message.
const redacted = "[redacted]"

// redact returns err with every occurrence of the given secrets removed from
// its message. A server may echo what it was sent in its error description;
// that text must not reach a condition or a log.
func redact(err error, secrets []string) error {
	if err == nil {
		return nil
	}
	var pe *provider.Error
	if !errors.As(err, &pe) {
		return &redactedError{msg: scrub(err.Error(), secrets), err: err}
	}
	out := *pe
	out.Code = scrub(out.Code, secrets)
	out.Description = scrub(out.Description, secrets)
	if out.Err != nil {
		out.Err = &redactedError{msg: scrub(out.Err.Error(), secrets), err: out.Err}
	}
	return &out
}

func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return s
}

// redactedError carries a scrubbed message and keeps the cause reachable for
// errors.Is (e.g. context.DeadlineExceeded).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }
