package ratelimit

import (
	"context"
	"errors"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

// server is a test server that answers with the headers and status it is
// told, and counts the requests it saw.
type server struct {
	*httptest.Server
	hits atomic.Int32

	mu     sync.Mutex
	status int
	header http.Header
}

func newServer(t *testing.T) *server {
	s := &server{status: http.StatusOK, header: http.Header{}}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		s.hits.Add(1)
		s.mu.Lock()
		defer s.mu.Unlock()
		maps.Copy(w.Header(), s.header)
		w.WriteHeader(s.status)
	}))
	t.Cleanup(s.Close)
	return s
}

// answer sets what the server answers from now on.
func (s *server) answer(status int, kv ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.status, s.header = status, http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		s.header.Set(kv[i], kv[i+1])
	}
}

// clock is a settable time for a budget's holds and pacing.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func get(ctx context.Context, c *http.Client, url string) (int, error) {
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	resp, err := c.Do(req)
	if err != nil {
		return 0, err
	}
	_ = resp.Body.Close()
	return resp.StatusCode, nil
}

func TestBudgetLimitsRequestsAndHonoursContext(t *testing.T) {
	srv := newServer(t)
	c := NewBudget(1, 2).Client(srv.Client()) // a burst of 2, then one a second
	for range 2 {
		if _, err := get(context.Background(), c, srv.URL); err != nil {
			t.Fatal(err)
		}
	}
	// The third must wait about a second: a short deadline gives up without
	// sending anything.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := get(ctx, c, srv.URL); err == nil {
		t.Fatal("a third request within the burst window went through at once")
	}
	if got := srv.hits.Load(); got != 2 {
		t.Fatalf("the server saw %d requests, want 2", got)
	}
}

func TestA429WithRetryAfterHoldsThatServerOnly(t *testing.T) {
	var budgets Budgets
	limited, other := newServer(t), newServer(t)
	clk := &clock{t: time.Now()}
	lb, ob := budgets.For("limited", 0, 0), budgets.For("other", 0, 0)
	lb.now, ob.now = clk.now, clk.now
	lc, oc := lb.Client(limited.Client()), ob.Client(other.Client())

	limited.answer(http.StatusTooManyRequests, "Retry-After", "30")
	if status, err := get(context.Background(), lc, limited.URL); err != nil || status != http.StatusTooManyRequests {
		t.Fatalf("the 429 itself must reach the adapter: %d, %v", status, err)
	}
	if d := lb.HeldFor(); d != 30*time.Second {
		t.Errorf("held for %s, want 30s", d)
	}
	if lb.Spare() {
		t.Error("a held server has no spare budget for resyncs")
	}
	if _, err := get(context.Background(), oc, other.URL); err != nil {
		t.Fatalf("another server's request: %v", err)
	}
	if d := ob.HeldFor(); d != 0 || !ob.Spare() {
		t.Errorf("the other server is held for %s (spare %v): want 0, spare", d, ob.Spare())
	}
	if budgets.For("limited", 0, 0) != lb {
		t.Error("a reconnection must keep the server's budget")
	}

	clk.t = clk.t.Add(30 * time.Second)
	if d := lb.HeldFor(); d != 0 || !lb.Spare() {
		t.Errorf("after Retry-After: held for %s (spare %v), want 0, spare", d, lb.Spare())
	}
}

func TestRateLimitHeaders(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	epoch := func(d time.Duration) string { return strconv.FormatInt(now.Add(d).Unix(), 10) }
	tests := []struct {
		name   string
		status int
		kv     []string
		held   time.Duration
		paced  rate.Limit // 0: the configured 50/s
		low    bool       // the server's window runs low: resyncs wait
	}{
		{"Okta: none left, reset as a Unix time", 200, []string{"X-Rate-Limit-Remaining", "0", "X-Rate-Limit-Reset", epoch(12 * time.Second)}, 12 * time.Second, 0, false},
		{"Auth0: none left, reset as a Unix time", 200, []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", epoch(3 * time.Second)}, 3 * time.Second, 0, false},
		{"reset in seconds from now", 200, []string{"X-RateLimit-Remaining", "0", "X-RateLimit-Reset", "7"}, 7 * time.Second, 0, false},
		{"few left: spread over the window", 200, []string{"X-Rate-Limit-Remaining", "10", "X-Rate-Limit-Reset", epoch(20 * time.Second)}, 0, 0.5, true},
		{"Okta: most of its window left: paced to it, not low", 200, []string{"X-Rate-Limit-Limit", "600", "X-Rate-Limit-Remaining", "594", "X-Rate-Limit-Reset", epoch(60 * time.Second)}, 0, 9.9, false},
		{"less than half its window left: low", 200, []string{"X-RateLimit-Limit", "1000", "X-RateLimit-Remaining", "400", "X-RateLimit-Reset", "10"}, 0, 40, true},
		{"plenty left: the configured rate", 200, []string{"X-RateLimit-Remaining", "5000", "X-RateLimit-Reset", "10"}, 0, 0, false},
		{"429 without Retry-After: until the reset", 429, []string{"X-RateLimit-Reset", epoch(9 * time.Second)}, 9 * time.Second, 0, false},
		{"429 without any header: a second", 429, nil, time.Second, 0, false},
		{"Retry-After as an HTTP date", 429, []string{"Retry-After", now.Add(40 * time.Second).UTC().Format(http.TimeFormat)}, 40 * time.Second, 0, false},
		{"503 with Retry-After", 503, []string{"Retry-After", "4"}, 4 * time.Second, 0, false},
		{"a far Retry-After is capped", 429, []string{"Retry-After", "86400"}, MaxHold, 0, false},
		{"garbage is ignored", 200, []string{"X-RateLimit-Remaining", "-3", "X-RateLimit-Reset", "soon"}, 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBudget(50, 100)
			b.now = func() time.Time { return now }
			resp := &http.Response{StatusCode: tc.status, Header: http.Header{}}
			for i := 0; i+1 < len(tc.kv); i += 2 {
				resp.Header.Set(tc.kv[i], tc.kv[i+1])
			}
			b.observe(resp)
			if got := b.HeldFor(); got != tc.held {
				t.Errorf("held for %s, want %s", got, tc.held)
			}
			want := tc.paced
			if want == 0 {
				want = 50
			}
			if got := b.limiter.Limit(); got != want {
				t.Errorf("rate %v, want %v", got, want)
			}
			if spare := b.Spare(); spare != (tc.held == 0 && !tc.low) {
				t.Errorf("Spare() = %v: resyncs must wait exactly while the server is held or its window runs low", spare)
			}
		})
	}
}

func TestPacingEndsWithTheWindow(t *testing.T) {
	clk := &clock{t: time.Now()}
	b := NewBudget(0, 0)
	b.now = clk.now
	b.observe(&http.Response{StatusCode: 200, Header: http.Header{
		"X-Ratelimit-Remaining": {"2"}, "X-Ratelimit-Reset": {"10"},
	}})
	if b.limiter.Limit() != 0.2 || b.Spare() {
		t.Fatalf("rate %v, spare %v: want 0.2/s and no spare while paced", b.limiter.Limit(), b.Spare())
	}
	clk.t = clk.t.Add(10 * time.Second)
	if !b.Spare() || b.limiter.Limit() != rate.Inf {
		t.Fatalf("after the window: rate %v, spare %v; want the configured (none) again", b.limiter.Limit(), b.Spare())
	}
}

func TestATimeoutSaysSo(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer srv.Close()
	hc := srv.Client()
	hc.Timeout = 50 * time.Millisecond
	_, err := get(context.Background(), NewBudget(0, 0).Client(hc), srv.URL)
	// Whichever notices first, the HTTP client or the request's deadline,
	// the message names the timeout.
	if err == nil || !strings.Contains(strings.ToLower(err.Error()), "timeout") {
		t.Fatalf("got %v, want an error that names the timeout", err)
	}
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("%v is not a net.Error timeout", err)
	}
}
