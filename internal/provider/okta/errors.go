package okta

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// apiError is the error body of Okta's management API (the Error schema):
// {"errorCode":"E0000007","errorSummary":"Not found: ...","errorCauses":[...]}.
// errorId and errorLink add nothing a user can act on.
type apiError struct {
	Code    string `json:"errorCode"`
	Summary string `json:"errorSummary"`
	Causes  []struct {
		Summary string `json:"errorSummary"`
	} `json:"errorCauses"`
}

// statusError turns a failed answer into a typed provider error. secrets
// are values that must never appear in it; they are cut out of Okta's text.
func statusError(a answer, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(a.body, &ae) // a body that is no Error object adds nothing
	text := ae.Summary
	for _, c := range ae.Causes {
		if c.Summary != "" && !strings.Contains(text, c.Summary) {
			text += "; " + c.Summary
		}
	}
	e := provider.AnswerError(a.status, a.header, provider.ServerText{
		Code: ae.Code, Description: text,
		Rejected: "Okta rejected the request and gave no errorSummary (HTTP 400)",
		Refused:  "Okta refused the management credentials (or they lack a scope or admin role)",
	}, secrets)
	if a.status == http.StatusTooManyRequests {
		e.RetryAfter = retryAfter(a.header, time.Now()) // X-Rate-Limit-Reset when there is no Retry-After
	}
	return e
}

// retryAfter is how long to wait after a 429: Retry-After when Okta sent
// one, else until X-Rate-Limit-Reset (UTC epoch seconds), at least a
// second; zero when neither says.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if d := provider.RetryAfterHeader(h, now); d > 0 {
		return d
	}
	reset, err := strconv.ParseInt(strings.TrimSpace(h.Get("X-Rate-Limit-Reset")), 10, 64)
	if err != nil || reset <= 0 {
		return 0
	}
	d := time.Unix(reset, 0).Sub(now)
	if d < time.Second {
		return time.Second
	}
	return d.Round(time.Second)
}
