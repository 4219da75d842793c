package servers

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/ratelimit"
)

// heldProvider answers Observe only when the test releases it, with the
// error it is given (nil: an answer).
type heldProvider struct {
	provider.Provider
	entered chan struct{}
	release chan error
}

func newHeldProvider() *heldProvider {
	return &heldProvider{entered: make(chan struct{}, 16), release: make(chan error)}
}

func (h *heldProvider) Observe(context.Context, string, provider.State) (provider.Client, error) {
	h.entered <- struct{}{}
	return provider.Client{}, <-h.release
}

func (h *heldProvider) Delete(context.Context, string, provider.State) error { return nil }

// startObserve starts an Observe through p and returns its result channel
// once the call reached the provider.
func startObserve(t *testing.T, h *heldProvider, p provider.Provider) chan error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := p.Observe(WithAdmission(context.Background()), "id", nil)
		done <- err
	}()
	<-h.entered
	return done
}

func TestGateBoundsCallsInFlightToOneServer(t *testing.T) {
	h := newHeldProvider()
	p := (&gate{limit: 2}).wrap(h, nil)
	first, second := startObserve(t, h, p), startObserve(t, h, p)

	if _, err := p.Observe(WithAdmission(context.Background()), "id", nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("a third call while two wait: %v, want ErrBusy", err)
	}
	// The other server's gate is its own.
	other := newHeldProvider()
	third := startObserve(t, other, (&gate{limit: 2}).wrap(other, nil))
	other.release <- nil
	if err := <-third; err != nil {
		t.Fatal(err)
	}

	// Either held call may take the release; the other one stays.
	h.release <- nil
	var released error
	var still chan error
	select {
	case released = <-first:
		still = second
	case released = <-second:
		still = first
	}
	if released != nil {
		t.Fatal(released)
	}
	// One slot is free again.
	again := startObserve(t, h, p)
	// A call that finds the bound reached waits for the next free slot.
	g := &gate{limit: 1, wait: time.Hour}
	waiter := newHeldProvider()
	wp := g.wrap(waiter, nil)
	held := startObserve(t, waiter, wp)
	queued := make(chan error, 1)
	go func() { _, err := wp.Observe(WithAdmission(context.Background()), "id", nil); queued <- err }()
	waiter.release <- nil
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	<-waiter.entered // the waiting call got the freed slot
	waiter.release <- nil
	if err := <-queued; err != nil {
		t.Fatalf("the call that waited for a slot: %v", err)
	}
	h.release <- nil
	h.release <- nil
	for _, c := range []chan error{still, again} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
}

func TestGateLetsAStepBegunAtTheServerFinish(t *testing.T) {
	h := newHeldProvider()
	p := (&gate{limit: 1}).wrap(h, nil)
	ctx := WithAdmission(context.Background())
	held := make(chan error, 1)
	go func() { _, err := p.Observe(ctx, "id", nil); held <- err }()
	<-h.entered
	// The same reconcile deletes what it began, though the bound is reached.
	if err := p.Delete(ctx, "id", nil); err != nil {
		t.Fatalf("the reconcile's second call: %v", err)
	}
	if err := p.Delete(WithAdmission(context.Background()), "id", nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("another reconcile's call: %v, want ErrBusy", err)
	}
	h.release <- nil
	if err := <-held; err != nil {
		t.Fatal(err)
	}
}

func TestGateAfterAnUnansweredCallProbesWithOneAndNamesTheCause(t *testing.T) {
	h := newHeldProvider()
	p := (&gate{limit: 3}).wrap(h, nil)
	timeout := &provider.Error{Kind: provider.KindTransient, Description: "POST /reg",
		Err: &url.Error{Op: "Post", URL: "http://127.0.0.1/reg", Err: errors.New("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")}}
	c := startObserve(t, h, p)
	h.release <- timeout
	if err := <-c; !errors.Is(err, timeout) {
		t.Fatalf("got %v", err)
	}

	probe := startObserve(t, h, p)
	_, err := p.Observe(WithAdmission(context.Background()), "id", nil)
	if errors.Is(err, ErrBusy) || provider.KindOf(err) != provider.KindTransient || !strings.Contains(err.Error(), "Client.Timeout exceeded") {
		t.Fatalf("a second call while the server is known not to answer: %v, want a transient error naming the timeout", err)
	}

	// An answer, even an error status, ends the probing.
	h.release <- &provider.Error{Kind: provider.KindTransient, Description: "unexpected HTTP status 503"}
	if err := <-probe; provider.KindOf(err) != provider.KindTransient {
		t.Fatalf("the probe: %v", err)
	}
	a, b := startObserve(t, h, p), startObserve(t, h, p)
	h.release <- nil
	h.release <- nil
	for _, c := range []chan error{a, b} {
		if err := <-c; err != nil {
			t.Fatal(err)
		}
	}
}

// differ has a verdict of its own and can end an overlap.
type differ struct{ provider.Provider }

func (differ) Diff(provider.ClientSpec, provider.Client) []string { return []string{"own verdict"} }
func (differ) RevokeRotatedSecrets(context.Context, string, provider.State) error {
	return nil
}

func TestGateKeepsTheAdaptersOwnVerdictAndAbilities(t *testing.T) {
	g := &gate{limit: 1}
	p := g.wrap(differ{}, nil)
	if got := provider.Diff(p, provider.ClientSpec{}, provider.Client{}); len(got) != 1 || got[0] != "own verdict" {
		t.Errorf("Diff through the gate: %v", got)
	}
	if _, ok := p.(provider.SecretRevoker); !ok {
		t.Error("the gate hid SecretRevoker")
	}
	if _, ok := g.wrap(newHeldProvider(), nil).(provider.SecretRevoker); ok {
		t.Error("the gate claims SecretRevoker for an adapter without it")
	}
}

// countingProvider counts the calls that reach it.
type countingProvider struct {
	provider.Provider
	calls int
}

func (c *countingProvider) Observe(context.Context, string, provider.State) (provider.Client, error) {
	c.calls++
	return provider.Client{}, nil
}

// heldBudget is a budget whose server answered 429 with Retry-After.
func heldBudget(t *testing.T, retryAfter string) *ratelimit.Budget {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	b := ratelimit.NewBudget(0, 0)
	resp, err := b.Client(srv.Client()).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	return b
}

func TestGateHoldsOnlyTheRateLimitedServersCalls(t *testing.T) {
	limited, other := &countingProvider{}, &countingProvider{}
	lp := (&gate{limit: 4}).wrap(limited, heldBudget(t, "60"))
	op := (&gate{limit: 4}).wrap(other, ratelimit.NewBudget(0, 0))
	for range 5 {
		_, err := lp.Observe(WithAdmission(context.Background()), "id", nil)
		if provider.KindOf(err) != provider.KindRateLimited || provider.RetryAfter(err) < 50*time.Second {
			t.Fatalf("a call during Retry-After: %v (retry after %s), want RateLimited for about a minute", err, provider.RetryAfter(err))
		}
	}
	if limited.calls != 0 {
		t.Errorf("%d calls reached the rate-limited server during its Retry-After", limited.calls)
	}
	if _, err := op.Observe(WithAdmission(context.Background()), "id", nil); err != nil || other.calls != 1 {
		t.Fatalf("another server's call: %v, %d calls", err, other.calls)
	}
}

func TestResyncsYieldWhileTheBudgetRunsLow(t *testing.T) {
	// Ten requests left in a window of twenty seconds: below the spare half
	// of the bucket.
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("X-RateLimit-Remaining", "10")
		w.Header().Set("X-RateLimit-Reset", "20")
	}))
	defer srv.Close()
	b := ratelimit.NewBudget(50, 100)
	resp, err := b.Client(srv.Client()).Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	cp := &countingProvider{}
	p := (&gate{limit: 4}).wrap(cp, b)
	resync := WithAdmission(context.Background())
	AsResync(resync)
	if _, err := p.Observe(resync, "id", nil); !errors.Is(err, ErrBusy) {
		t.Fatalf("a resync while the budget runs low: %v, want ErrBusy", err)
	}
	if _, err := p.Observe(WithAdmission(context.Background()), "id", nil); err != nil {
		t.Fatalf("a change while the budget runs low: %v", err)
	}
	if cp.calls != 1 {
		t.Errorf("%d calls reached the server, want 1 (the change's)", cp.calls)
	}
}
