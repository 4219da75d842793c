package controllers

import (
	"math/rand/v2"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
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

// serverRetry says when to check a server that is not Ready again: when the
// server said (Retry-After), soon when it is unreachable (its clients wait
// for it), later when a user must change something first.
func serverRetry(reason string, err error) time.Duration {
	if d := provider.RetryAfter(err); d > 0 {
		return min(d, maxRetry)
	}
	switch {
	case reason == v1alpha1.ReasonDiscoveryFailed:
		return minRetry
	case provider.IsTerminal(err):
		return maxRetry
	}
	return 6 * minRetry
}
