package auth0

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

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
	e := provider.AnswerError(status, header, provider.ServerText{
		Code: code, Description: ae.Message,
		Rejected: "Auth0 rejected the client and gave no message (HTTP 400)",
		Refused:  "the Management API refused the token (check the scopes of the operator's application)",
	}, secrets)
	if status == http.StatusTooManyRequests {
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
