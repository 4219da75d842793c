package hydra

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxDescription bounds how much of Hydra's error_description reaches an
// error message (and from there a condition on the resource).
const maxDescription = 300

// apiError is the error body of Hydra's admin API (an RFC 6749 §5.2 shaped
// object; error_debug and error_hint are not used: the first can hold
// internals, the second is already part of error_description).
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// statusError turns a non-success answer of the admin API into a typed
// provider error. secrets are values that must never appear in the result
// (the API key, a secret that was sent); they are cut out of Hydra's
// description should it echo them.
func statusError(status int, header http.Header, body []byte, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // a body that is not an error object adds nothing
	if ae.Description == "" && strings.ContainsRune(ae.Error, ' ') {
		// Hydra puts a sentence in "error" for its own (non-OAuth) errors,
		// e.g. 409 "Unable to insert or update resource because ...".
		ae.Error, ae.Description = "", ae.Error
	}
	e := &provider.Error{
		Code:        clean(ae.Error, 64, secrets),
		Description: clean(ae.Description, maxDescription, secrets),
	}
	switch status {
	case http.StatusBadRequest:
		e.Kind = provider.KindInvalidMetadata
		if e.Description == "" {
			e.Description = "Hydra rejected the client metadata and gave no description (HTTP 400)"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Kind = provider.KindUnauthorized
		e.Err = fmt.Errorf("HTTP %d: the admin API refused the API key (or needs one)", status)
	case http.StatusNotFound, http.StatusGone:
		e.Kind = provider.KindNotFound
		e.Err = fmt.Errorf("HTTP %d", status)
	case http.StatusConflict:
		e.Kind = provider.KindConflict
		e.Err = fmt.Errorf("HTTP %d", status)
	case http.StatusTooManyRequests:
		e.Kind = provider.KindRateLimited
		e.RetryAfter = retryAfter(header.Get("Retry-After"), time.Now())
		e.Err = fmt.Errorf("HTTP %d", status)
	default:
		e.Kind = provider.KindTransient
		e.RetryAfter = retryAfter(header.Get("Retry-After"), time.Now())
		e.Err = fmt.Errorf("unexpected HTTP status %d", status)
	}
	return e
}

// retryAfter reads a Retry-After header: delay seconds or an HTTP date
// (RFC 9110 §10.2.3). It returns zero when the value is missing, malformed
// or in the past.
func retryAfter(value string, now time.Time) time.Duration {
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

// tokenError types a failure of the API key's token source. Its message
// holds the status and OAuth error code only, never a response body.
func tokenError(err error) error {
	if _, ok := errors.AsType[*provider.Error](err); ok {
		return fmt.Errorf("obtaining the API key: %w", err)
	}
	if re, ok := errors.AsType[*oauth2.RetrieveError](err); ok {
		status := 0
		if re.Response != nil {
			status = re.Response.StatusCode
		}
		kind := provider.KindTransient
		switch status {
		case http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden:
			kind = provider.KindUnauthorized
		case http.StatusTooManyRequests:
			kind = provider.KindRateLimited
		}
		return &provider.Error{Kind: kind, Code: clean(re.ErrorCode, 64, nil),
			Description: fmt.Sprintf("obtaining the API key: token endpoint answered HTTP %d", status)}
	}
	return &provider.Error{Kind: provider.KindTransient, Description: "obtaining the API key", Err: err}
}

// malformed is the error for a success answer the adapter cannot read.
// what names the field at fault, never its value.
func malformed(method, path, what string) error {
	return provider.Errorf(provider.KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}

// clean makes server-supplied text safe for an error message: control
// characters dropped, secrets cut out, length bounded.
func clean(s string, limit int, secrets []string) string {
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
