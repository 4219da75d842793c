package policy

import (
	"math/rand/v2"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// MinRetry and MaxRetry bound the delay before a failed step is tried
// again when the workqueue's own backoff is not used.
const (
	// MinRetry is the shortest such delay.
	MinRetry = 5 * time.Second
	// MaxRetry is the longest.
	MaxRetry = 5 * time.Minute
)

// Jitter spreads periodic resyncs over ±10% so that thousands of clients do
// not all wake at once.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	spread := int64(d) / 5
	return d - time.Duration(spread/2) + time.Duration(rand.Int64N(spread+1)) //nolint:gosec // G404: spreading wake-ups needs no secure randomness
}

// Spread is the first resync of a client just registered: anywhere from a
// tenth of d to d and a tenth, evenly. Clients applied in one burst are
// registered within seconds of each other; spread, their resyncs (and the
// reads they send a server that cannot list) come evenly over the period
// instead of in a burst of their own, and Jitter keeps them apart after.
func Spread(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/10 + time.Duration(rand.Int64N(int64(d)+1)) //nolint:gosec // G404: spreading wake-ups needs no secure randomness
}

// ServerRetry says when to check a server that is not Ready again: when the
// server said (Retry-After), soon when it is unreachable (its clients wait
// for it), later when a user must change something first.
func ServerRetry(reason string, err error) time.Duration {
	if d := provider.RetryAfter(err); d > 0 {
		return min(d, MaxRetry)
	}
	switch {
	case reason == v1alpha1.ReasonDiscoveryFailed:
		return MinRetry
	case provider.IsTerminal(err):
		return MaxRetry
	}
	return 6 * MinRetry
}

// ReasonOfProviderError is the Ready reason for an error a provider returned.
func ReasonOfProviderError(err error) string {
	switch provider.KindOf(err) {
	case provider.KindInvalidMetadata:
		return v1alpha1.ReasonInvalidMetadata
	case provider.KindUnauthorized:
		return v1alpha1.ReasonUnauthorized
	case provider.KindRateLimited:
		return v1alpha1.ReasonRateLimited
	case provider.KindUnsupported:
		return v1alpha1.ReasonProviderError
	default:
		return v1alpha1.ReasonServerUnavailable
	}
}

// ClientRetry says when an OAuthClient whose reconcile failed with reason
// and err is tried again: when the server said; after a long pause when only
// a change can help (a change triggers a reconcile at once, the pause
// catches changes made elsewhere); after a minute when it waits for its
// server (whose own events wake it); else backoff is true and the
// workqueue's capped exponential backoff decides.
func ClientRetry(reason string, err error) (after time.Duration, backoff bool) {
	if d := provider.RetryAfter(err); d > 0 {
		return min(d, MaxRetry), false
	}
	switch reason {
	case v1alpha1.ReasonSecretConflict, v1alpha1.ReasonInvalidTemplate, v1alpha1.ReasonInvalidMetadata, v1alpha1.ReasonProviderError,
		v1alpha1.ReasonServerNotAllowed, v1alpha1.ReasonPolicyViolation, v1alpha1.ReasonClientExists,
		v1alpha1.ReasonCredentialsSourceMissing: // the source watch wakes the client when its Secret appears
		return MaxRetry, false
	case v1alpha1.ReasonServerNotFound, v1alpha1.ReasonServerNotReady:
		return time.Minute, false
	}
	return 0, true
}
