package controllers

import (
	"math/rand/v2"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const (
	// minRetry and maxRetry bound the delay before a failed step is tried
	// again when the workqueue's own backoff is not used.
	minRetry = 5 * time.Second
	maxRetry = 5 * time.Minute
)

// jitter spreads periodic resyncs over ±10% so that thousands of clients do
// not all wake at once.
func jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	spread := int64(d) / 5
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1)) //nolint:gosec // not for security
}

// retryDelay says when to try again after err: the server's Retry-After when
// it gave one, a long pause for errors retrying cannot fix, a short one
// otherwise.
func retryDelay(err error) time.Duration {
	if d := provider.RetryAfter(err); d > 0 {
		return min(max(d, time.Second), maxRetry)
	}
	if provider.IsTerminal(err) {
		return maxRetry
	}
	return minRetry * 6
}
