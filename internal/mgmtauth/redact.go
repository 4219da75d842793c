package mgmtauth

import (
	"errors"
	"fmt"
	"regexp"
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

// scrub replaces each secret in s, and anything shaped like a JWT: no error
// text needs one, and an assertion or token a server quotes only in part is
// not found by its value.
func scrub(s string, secrets []string) string {
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, redacted)
		}
	}
	return jwtShaped.ReplaceAllString(s, redacted)
}

// jwtShaped matches a JWS or JWE in compact form, or the start of one: the
// base64url of a JSON object's opening brace and quote is "eyJ".
var jwtShaped = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{2,}(\.[A-Za-z0-9_-]*)*`)

// redactedError carries a scrubbed message and keeps the cause reachable for
// errors.Is (e.g. context.DeadlineExceeded).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }

func (e *redactedError) Unwrap() error { return e.err }

// mask replaces a set secret with the redaction marker.
func mask(s string) string {
	if s == "" {
		return ""
	}
	return redacted
}

// maskValues returns m with every value masked.
func maskValues(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = mask(v)
	}
	return out
}

// maskKey returns a copy of k with its key masked.
func maskKey(k *PrivateKey) *PrivateKey {
	if k == nil {
		return nil
	}
	c := *k
	c.Key = mask(c.Key)
	c.Certificate = mask(c.Certificate)
	return &c
}

// These views print like the types they copy, without their methods.
type (
	clientCredentialsView ClientCredentials
	jwtBearerView         JWTBearer
)

// String prints c with its secrets masked, so %v of a configuration never
// shows one.
func (c ClientCredentials) String() string {
	v := clientCredentialsView(c)
	v.ClientSecret = mask(c.ClientSecret)
	v.PrivateKey = maskKey(c.PrivateKey)
	v.ExtraHeaders = maskValues(c.ExtraHeaders)
	return fmt.Sprintf("ClientCredentials%+v", v)
}

// GoString is String, for %#v.
func (c ClientCredentials) GoString() string { return c.String() }

// MarshalLog is what a logr logger records: String.
func (c ClientCredentials) MarshalLog() any { return c.String() }

// String prints j with its secrets masked.
func (j JWTBearer) String() string {
	v := jwtBearerView(j)
	v.ClientSecret = mask(j.ClientSecret)
	v.PrivateKey = maskKey(j.PrivateKey)
	v.ExtraHeaders = maskValues(j.ExtraHeaders)
	return fmt.Sprintf("JWTBearer%+v", v)
}

// GoString is String, for %#v.
func (j JWTBearer) GoString() string { return j.String() }

// MarshalLog is what a logr logger records: String.
func (j JWTBearer) MarshalLog() any { return j.String() }

// String prints s with its secrets masked.
func (s Source) String() string {
	switch {
	case s.InitialAccessToken != "" || s.BearerToken != "":
		return fmt.Sprintf("Source{InitialAccessToken: %q, BearerToken: %q}", mask(s.InitialAccessToken), mask(s.BearerToken))
	case s.ClientCredentials != nil:
		return "Source{" + s.ClientCredentials.String() + "}"
	case s.JWTBearer != nil:
		return "Source{" + s.JWTBearer.String() + "}"
	}
	return "Source{}"
}

// GoString is String, for %#v.
func (s Source) GoString() string { return s.String() }

// MarshalLog is what a logr logger records: String.
func (s Source) MarshalLog() any { return s.String() }

// MarshalLog is what a logr logger records: String.
func (p PrivateKey) MarshalLog() any { return p.String() }
