package ratelimit

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// epochThreshold tells a reset given as a Unix time (Okta's
// X-Rate-Limit-Reset, Auth0's X-RateLimit-Reset) from one given in seconds
// from now: no window is longer than 30 years.
const epochThreshold = 1_000_000_000

// firstHeader is the value of the first of names that h holds.
func firstHeader(h http.Header, names ...string) string {
	for _, n := range names {
		if v := strings.TrimSpace(h.Get(n)); v != "" {
			return v
		}
	}
	return ""
}

// parseCount reads a non-negative integer header value.
func parseCount(v string) (int64, bool) {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// parseReset reads a rate-limit reset, as a Unix time in seconds or as
// seconds from now, and returns how long until then (zero when past).
func parseReset(v string, now time.Time) (time.Duration, bool) {
	n, ok := parseCount(v)
	if !ok {
		return 0, false
	}
	if n >= epochThreshold {
		return max(time.Unix(n, 0).Sub(now), 0), true
	}
	return time.Duration(min(n, int64(MaxHold/time.Second))) * time.Second, true
}

// retryAfter reads a Retry-After value (seconds or an HTTP date).
func retryAfter(v string, now time.Time) time.Duration {
	return provider.ParseRetryAfter(v, now)
}
