package auth0

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxDescription bounds how much of Auth0's error message reaches an error
// (and from there a condition on the resource).
const maxDescription = 300

// apiError is the error body of the Management API:
// {"statusCode":404,"error":"Not Found","message":"...","errorCode":"inexistent_client"}.
type apiError struct {
	StatusCode int    `json:"statusCode"`
	Error      string `json:"error"`
	Message    string `json:"message"`
	ErrorCode  string `json:"errorCode"`
}

// statusError turns a non-success answer into a typed provider error.
// secrets are values that must never appear in it (a secret that was
// sent); they are cut out of Auth0's message should it echo them.
func statusError(status int, header http.Header, body []byte, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // a body that is not an error object adds nothing
	code := ae.ErrorCode
	if code == "" {
		code = ae.Error
	}
	e := provider.StatusError(status, header)
	e.Code = provider.CleanText(code, 64, secrets)
	e.Description = provider.CleanText(ae.Message, maxDescription, secrets)
	switch status {
	case http.StatusBadRequest:
		if e.Description == "" {
			e.Description = "Auth0 rejected the client and gave no message (HTTP 400)"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Err = fmt.Errorf("HTTP %d: the Management API refused the token (check the scopes of the operator's application)", status)
	case http.StatusTooManyRequests:
		e.RetryAfter = retryAfter(header, time.Now())
	}
	return e
}

// retryAfter is how long Auth0 asked to wait: Retry-After, else the
// X-RateLimit-Reset header (the UNIX time at which the bucket refills).
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d := provider.RetryAfterHeader(h, now); d > 0 {
		return d
	}
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-RateLimit-Reset")), 10, 64)
	if err != nil || reset <= now.Unix() || reset-now.Unix() > 24*3600 {
		return 0
	}
	return time.Unix(reset, 0).Sub(now).Round(time.Second)
}

// malformed is the error for a success answer the adapter cannot read.
// what names the field at fault, never its value.
func malformed(method, path, what string) error {
	return provider.Errorf(provider.KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}
