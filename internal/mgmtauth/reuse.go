package mgmtauth

import (
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// reuseSource hands out one token until shortly before it expires, then
// fetches the next through src. Calls are serialised, so however many
// reconciles ask at once, one request goes out.
type reuseSource struct {
	src   oauth2.TokenSource
	early time.Duration
	now   func() time.Time

	mu  sync.Mutex
	tok *oauth2.Token
	// refreshAt is when tok is replaced; unused when tok never expires.
	refreshAt time.Time
}

// Token returns the cached token, or a new one once the cached one is due.
func (r *reuseSource) Token() (*oauth2.Token, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := r.now()
	if r.tok != nil && (r.tok.Expiry.IsZero() || now.Before(r.refreshAt)) {
		return r.tok, nil
	}
	t, err := r.src.Token()
	if err != nil {
		// Refreshing early leaves a window in which the current token
		// still works: keep serving it and try again on the next call.
		if r.tok != nil && now.Before(r.tok.Expiry) {
			return r.tok, nil
		}
		return nil, err
	}
	r.tok = t
	r.refreshAt = refreshTime(now, t.Expiry, r.early)
	return t, nil
}

// refreshTime is when a token fetched at now and expiring at expiry is
// replaced: early before it expires, but no sooner than halfway through its
// life, so that a token living less than twice early is not fetched anew on
// every call.
func refreshTime(now, expiry time.Time, early time.Duration) time.Time {
	if expiry.IsZero() {
		return time.Time{}
	}
	half := max(0, expiry.Sub(now)/2)
	return expiry.Add(-min(early, half))
}
