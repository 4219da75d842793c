// Package ratelimit keeps each authorization server within its request
// budget: every request to one server waits for a token from that server's
// bucket, and the server's own rate-limit headers (Retry-After,
// X-RateLimit-*, X-Rate-Limit-*) slow that server's bucket down or say how
// long its management calls must wait (HeldFor), without touching any
// other server. The transport itself never refuses a request: discovery
// and token requests still go out while management calls wait.
package ratelimit

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Budget is one server's request budget. It outlives the HTTP clients
// built for the server, so a reconnection keeps what the server said.
type Budget struct {
	limiter *rate.Limiter

	mu sync.Mutex
	// limit and burst are the configured bucket.
	limit rate.Limit
	burst int
	// heldUntil: the server asked for no requests before then.
	heldUntil time.Time
	// pacedUntil: until then the bucket runs at the server's remaining
	// budget, below the configured limit.
	pacedUntil time.Time
	// lowUntil: until then the server's own window runs low (less than
	// half of it left), so work that can wait does.
	lowUntil time.Time
	now      func() time.Time
}

// NewBudget returns a budget of qps requests per second with bursts of
// burst; qps <= 0 sets no rate of its own (the server's headers still
// count).
func NewBudget(qps float64, burst int) *Budget {
	b := &Budget{now: time.Now}
	b.limit, b.burst = toLimit(qps), max(burst, 1)
	b.limiter = rate.NewLimiter(b.limit, b.burst)
	return b
}

func toLimit(qps float64) rate.Limit {
	if qps <= 0 {
		return rate.Inf
	}
	return rate.Limit(qps)
}

// setLimits changes the configured bucket.
func (b *Budget) setLimits(qps float64, burst int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	limit, burst := toLimit(qps), max(burst, 1)
	if limit == b.limit && burst == b.burst {
		return
	}
	b.limit, b.burst = limit, burst
	b.limiter.SetBurst(burst)
	if b.pacedUntil.IsZero() {
		b.limiter.SetLimit(limit)
	}
}

// HeldFor is how much longer the server asked for no requests; zero when
// it did not.
func (b *Budget) HeldFor() time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	return max(b.heldUntil.Sub(b.now()), 0)
}

// Spare reports whether the server is not near its limit, so work that
// can wait need not: it is not held, its own window (its rate-limit
// headers) is not running low, and the bucket holds at least half its
// burst. Being paced to the server's window is not running low: servers
// such as Okta send their headers on every answer.
func (b *Budget) Spare() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.endPacingLocked()
	now := b.now()
	if now.Before(b.heldUntil) || now.Before(b.lowUntil) {
		return false
	}
	return b.limiter.Limit() == rate.Inf || b.limiter.Tokens() >= float64(b.burst)/2
}

// runsLow says whether a window with remaining requests left of limit
// (when the server says its limit) for the next window is running low:
// less than half of it left, or, without a limit, less than one request a
// second.
func runsLow(remaining, limit int64, hasLimit bool, window time.Duration) bool {
	if hasLimit && limit > 0 {
		return remaining*2 < limit
	}
	return float64(remaining) < window.Seconds()
}

// MaxHold bounds how long one answer can hold a server's requests, so a
// wrong header cannot stop them for good.
const MaxHold = 5 * time.Minute

// observe takes in what the server said in one answer.
func (b *Budget) observe(resp *http.Response) {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	h := resp.Header
	reset, hasReset := parseReset(firstHeader(h, "X-RateLimit-Reset", "X-Rate-Limit-Reset"), now)
	remaining, hasRemaining := parseCount(firstHeader(h, "X-RateLimit-Remaining", "X-Rate-Limit-Remaining"))
	limit, hasLimit := parseCount(firstHeader(h, "X-RateLimit-Limit", "X-Rate-Limit-Limit"))
	var hold time.Duration
	switch {
	case resp.StatusCode == http.StatusTooManyRequests:
		hold = retryAfter(h.Get("Retry-After"), now)
		if hold == 0 && hasReset {
			hold = reset
		}
		hold = max(hold, time.Second)
	case resp.StatusCode == http.StatusServiceUnavailable:
		hold = retryAfter(h.Get("Retry-After"), now)
	case hasRemaining && remaining == 0 && hasReset:
		hold = reset
	}
	if hold > 0 {
		if until := now.Add(min(hold, MaxHold)); until.After(b.heldUntil) {
			b.heldUntil = until
		}
	}
	if hasRemaining && hasReset && reset > 0 {
		window := min(reset, MaxHold)
		b.lowUntil = time.Time{}
		if runsLow(remaining, limit, hasLimit, window) {
			b.lowUntil = now.Add(window)
		}
		// Spend what is left evenly until the window resets, when that is
		// slower than the configured rate.
		if pace := rate.Limit(float64(remaining) / window.Seconds()); remaining > 0 && pace < b.limit {
			b.limiter.SetLimit(pace)
			b.pacedUntil = now.Add(window)
		}
	}
}

// endPacingLocked goes back to the configured rate once the server's
// window has reset.
func (b *Budget) endPacingLocked() {
	if !b.pacedUntil.IsZero() && !b.now().Before(b.pacedUntil) {
		b.pacedUntil = time.Time{}
		b.limiter.SetLimit(b.limit)
	}
}

// Transport sends requests through Base within Budget.
type Transport struct {
	Base   http.RoundTripper
	Budget *Budget
}

// RoundTrip waits for the bucket (or the request's context), sends req and
// takes in the server's rate-limit headers.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	b := t.Budget
	b.mu.Lock()
	b.endPacingLocked()
	b.mu.Unlock()
	if err := b.limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	resp, err := t.Base.RoundTrip(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return nil, &timeoutError{err: err}
		}
		return nil, err
	}
	b.observe(resp)
	return resp, nil
}

// timeoutError is a request that got no answer in time. It says so in
// words: the HTTP client names its own timeout only when it notices first,
// and the request's deadline usually wins that race through a wrapping
// transport.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string   { return e.err.Error() + " (no answer within the HTTP timeout)" }
func (e *timeoutError) Unwrap() error   { return e.err }
func (e *timeoutError) Timeout() bool   { return true }
func (e *timeoutError) Temporary() bool { return true }

// Client returns a copy of hc whose requests go through b.
func (b *Budget) Client(hc *http.Client) *http.Client {
	return provider.WrapTransport(hc, func(base http.RoundTripper) http.RoundTripper {
		return &Transport{Base: base, Budget: b}
	})
}

// Budgets holds one Budget per server key.
type Budgets struct{ m sync.Map }

// For returns the budget of key with the configured rate, made on first
// use; a changed rate applies to the same budget.
func (bs *Budgets) For(key string, qps float64, burst int) *Budget {
	if v, ok := bs.m.Load(key); ok {
		b := v.(*Budget)
		b.setLimits(qps, burst)
		return b
	}
	v, _ := bs.m.LoadOrStore(key, NewBudget(qps, burst))
	return v.(*Budget)
}

// Forget drops the budget of a server that is gone.
func (bs *Budgets) Forget(key string) { bs.m.Delete(key) }
