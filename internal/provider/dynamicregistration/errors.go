package dynamicregistration

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

// maxDescription bounds how much of the server's error_description reaches
// an error message (and from there a condition on the resource).
const maxDescription = 300

// endpoint says which kind of endpoint answered: the registration endpoint
// (RFC 7591) or a client configuration endpoint (RFC 7592).
type endpoint int

const (
	registrationEndpoint endpoint = iota
	configurationEndpoint
)

// oauthError is the RFC 6749 §5.2 / RFC 7591 §3.2.2 error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// statusError turns a non-success HTTP reply into a typed provider error.
// secrets are values that must never appear in the result (the bearer token
// that was sent); they are cut out of the server's description should it echo
// them.
//
// A 401 at a client configuration endpoint means KindNotFound: RFC 7592 §2.1,
// §2.2 and §2.3 require a server to answer 401 when the client does not exist,
// and a client whose registration access token the server no longer accepts
// cannot be read, changed or deleted by us ever again, which is the same thing
// for the operator. A 401 at the registration endpoint is a refused initial
// access (or management) token: KindUnauthorized.
func statusError(at endpoint, status int, header http.Header, body []byte, secrets ...string) error {
	var oe oauthError
	_ = json.Unmarshal(body, &oe) // a body that is not an OAuth error adds nothing
	e := &provider.Error{
		Code:        clean(oe.Error, 64, secrets),
		Description: clean(oe.Description, maxDescription, secrets),
	}
	switch {
	case status == http.StatusBadRequest:
		e.Kind = provider.KindInvalidMetadata
		if e.Description == "" {
			e.Description = "the server rejected the client metadata and gave no description (HTTP 400)"
		}
	case status == http.StatusUnauthorized && at == configurationEndpoint:
		e.Kind = provider.KindNotFound
		e.Err = errors.New("the client configuration endpoint answered 401: the server does not know the client or no longer accepts its registration access token (RFC 7592 §2)")
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		e.Kind = provider.KindUnauthorized
		e.Err = fmt.Errorf("HTTP %d", status)
	case status == http.StatusNotFound || status == http.StatusGone:
		e.Kind = provider.KindNotFound
		e.Err = fmt.Errorf("HTTP %d", status)
	case status == http.StatusMethodNotAllowed:
		e.Kind = provider.KindUnsupported
		e.Err = fmt.Errorf("HTTP %d: the server does not offer this RFC 7592 operation", status)
	case status == http.StatusConflict:
		e.Kind = provider.KindConflict
		e.Err = fmt.Errorf("HTTP %d", status)
	case status == http.StatusTooManyRequests:
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

// tokenError types a failure of the management token source. Its message
// holds the status and OAuth error code only, never a response body.
func tokenError(err error) error {
	if _, ok := errors.AsType[*provider.Error](err); ok {
		return fmt.Errorf("obtaining the management token: %w", err)
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
			Description: fmt.Sprintf("obtaining the management token: token endpoint answered HTTP %d", status)}
	}
	return &provider.Error{Kind: provider.KindTransient, Description: "obtaining the management token", Err: err}
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
