package provider

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"
)

// ParseRetryAfter reads a Retry-After value: delay seconds or an HTTP date
// (RFC 9110 §10.2.3). It returns zero when the value is missing, malformed
// or in the past.
func ParseRetryAfter(value string, now time.Time) time.Duration {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs <= 0 || secs > int64(time.Duration(1<<62)/time.Second) {
			return 0
		}
		return time.Duration(secs) * time.Second
	}
	when, err := http.ParseTime(value)
	if err != nil || !when.After(now) {
		return 0
	}
	return when.Sub(now).Round(time.Second)
}

// RetryAfterHeader is ParseRetryAfter of h's Retry-After header (h may be nil).
func RetryAfterHeader(h http.Header, now time.Time) time.Duration {
	return ParseRetryAfter(h.Get("Retry-After"), now)
}

// StatusError types a failed HTTP answer by its status alone, as most
// management APIs mean it: 400 InvalidMetadata, 401 and 403 Unauthorized,
// 404 and 410 NotFound, 409 Conflict, 429 RateLimited, anything else
// Transient; 429 and the rest carry the server's Retry-After. The adapter
// adds Code and Description from its server's error body (through
// CleanText) and changes what its server means otherwise.
func StatusError(status int, header http.Header) *Error {
	e := &Error{Err: fmt.Errorf("HTTP %d", status)}
	switch status {
	case http.StatusBadRequest:
		e.Kind = KindInvalidMetadata
		e.Err = nil
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Kind = KindUnauthorized
	case http.StatusNotFound, http.StatusGone:
		e.Kind = KindNotFound
	case http.StatusConflict:
		e.Kind = KindConflict
	case http.StatusTooManyRequests:
		e.Kind = KindRateLimited
		e.RetryAfter = RetryAfterHeader(header, time.Now())
	default:
		e.Kind = KindTransient
		e.RetryAfter = RetryAfterHeader(header, time.Now())
		e.Err = fmt.Errorf("unexpected HTTP status %d", status)
	}
	return e
}

// MaxDescription bounds how much of a server's error text reaches an error
// (and from there a condition on the resource), in runes.
const MaxDescription = 300

// ServerText is a failed answer in the server's own words, for AnswerError.
type ServerText struct {
	// Code and Description are from the server's error body.
	Code, Description string
	// Rejected is the Description of a 400 that gave none, naming the
	// server: "Hydra rejected the client metadata and gave no description
	// (HTTP 400)".
	Rejected string
	// Refused says what a 401 or 403 means, for the user to act on: "the
	// admin API refused the API key (or needs one)". Empty keeps "HTTP 401".
	Refused string
}

// AnswerError is StatusError with the server's code and description,
// cleaned (CleanText: the code to 64 runes, the description to
// MaxDescription, every secret cut out), Rejected for a 400 without a
// description and Refused for a 401 or 403. The adapter changes what its
// server means otherwise.
func AnswerError(status int, header http.Header, text ServerText, secrets []string) *Error {
	e := StatusError(status, header)
	e.Code = CleanText(text.Code, 64, secrets)
	e.Description = CleanText(text.Description, MaxDescription, secrets)
	switch status {
	case http.StatusBadRequest:
		if e.Description == "" {
			e.Description = text.Rejected
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		if text.Refused != "" {
			e.Err = fmt.Errorf("HTTP %d: %s", status, text.Refused)
		}
	}
	return e
}

// Malformed is the error for a success answer an adapter cannot read: what
// names the field at fault, never its value. The path's query is left
// out, as it may hold a filter value.
func Malformed(method, path, what string) error {
	path, _, _ = strings.Cut(path, "?")
	return Errorf(KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}

// Deleted reports whether the status of a DELETE answer leaves the object
// gone: removed (200, 204) or not there to begin with (404, 410).
func Deleted(status int) bool {
	switch status {
	case http.StatusOK, http.StatusNoContent, http.StatusNotFound, http.StatusGone:
		return true
	}
	return false
}

// ScrubError returns err with every secret (the non-empty ones) cut out of
// its message; err itself when none was in it. A transport error names the
// URL, never a body, but a token or secret in a query must not leak.
func ScrubError(err error, secrets []string) error {
	msg := err.Error()
	cleaned := msg
	for _, s := range secrets {
		if s != "" {
			cleaned = strings.ReplaceAll(cleaned, s, "[redacted]")
		}
	}
	if cleaned == msg {
		return err
	}
	return errors.New(cleaned)
}

// CleanText makes server-supplied text safe for an error message: control
// characters dropped, secrets (the non-empty ones) cut out, length bounded
// to limit runes.
func CleanText(s string, limit int, secrets []string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == utf8.RuneError {
			return -1
		}
		return r
	}, s)
	for _, v := range secrets {
		if v != "" {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	if r := []rune(s); len(r) > limit {
		s = string(r[:limit]) + "..."
	}
	return strings.TrimSpace(s)
}

// TokenError types a failure of the token source behind an adapter's
// management credentials; doing says what was being done, e.g. "obtaining
// the API key". Its message holds the status and OAuth error code only,
// never a response body.
func TokenError(doing string, err error) error {
	if _, ok := errors.AsType[*Error](err); ok {
		return fmt.Errorf("%s: %w", doing, err)
	}
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		kind := KindTransient
		switch status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			kind = KindUnauthorized
		case http.StatusTooManyRequests:
			kind = KindRateLimited
		}
		return &Error{Kind: kind, Code: CleanText(re.ErrorCode, 64, nil),
			Description: fmt.Sprintf("%s: token endpoint answered HTTP %d", doing, status)}
	}
	return &Error{Kind: KindTransient, Description: doing, Err: err}
}
