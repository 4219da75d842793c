package servers

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/ratelimit"
)

// ErrBusy says that a call to a server was not sent because as many calls
// as that server may have are already waiting for its answers. Nothing was
// done; try again shortly. It never reaches a condition.
var ErrBusy = errors.New("the authorization server has as many calls in flight as it may have")

// gate bounds the calls in flight to one server, so that a server that
// accepts connections and never answers holds at most limit workers, not
// all of them. A call beyond the bound waits a moment for a free slot
// (slotWait), then gives up with ErrBusy. Once a call went unanswered (a timeout, a refused or broken
// connection), one call at a time probes the server and the others fail at
// once with the cause, until a call is answered again.
type gate struct {
	mu       sync.Mutex
	limit    int
	inFlight int
	// failed is the last call's error when the server did not answer; nil
	// once a call was answered.
	failed error
	// freed is closed when a call ends, for the calls waiting for a slot.
	freed chan struct{}
	// wait is how long a call waits for a slot (zero: slotWait).
	wait time.Duration
}

// admission is shared by the calls of one reconcile (see WithAdmission).
type admission struct {
	admitted atomic.Bool
	// resync: the reconcile only checks a client that was in line, work
	// that yields to new clients and changes when the budget runs low.
	resync atomic.Bool
}

type admissionKey struct{}

// WithAdmission returns ctx for the provider calls of one reconcile: once
// one of them was let through, the later ones are let through whatever the
// bound, so a step begun at a server is finished (a registration the
// operator cannot use is deleted again, a failed record write is undone).
func WithAdmission(ctx context.Context) context.Context {
	return context.WithValue(ctx, admissionKey{}, &admission{})
}

// AsResync marks the calls made with ctx (from WithAdmission) as a resync:
// they wait while the server's budget runs low, so that new clients,
// changes and rotations go first.
func AsResync(ctx context.Context) {
	if adm, ok := ctx.Value(admissionKey{}).(*admission); ok {
		adm.resync.Store(true)
	}
}

// errYield is ErrBusy for a resync that gives way.
var errYield = fmt.Errorf("%w: a resync waits while the server's request budget runs low", ErrBusy)

// enter lets a call through or says why not: the server asked for no
// requests now (RateLimited, with how long), the budget runs low and the
// call is a resync, or the bound is reached.
func (g *gate) enter(ctx context.Context, b *ratelimit.Budget) error {
	adm, _ := ctx.Value(admissionKey{}).(*admission)
	if b != nil {
		if d := b.HeldFor(); d > 0 {
			return heldError(d)
		}
		if adm != nil && adm.resync.Load() && !adm.admitted.Load() && !b.Spare() {
			return errYield
		}
	}
	var timeout <-chan time.Time
	for {
		freed, err := g.tryEnter(adm)
		if freed == nil {
			return err
		}
		// A healthy server's calls end within moments: wait that long for
		// a free slot rather than turn the reconcile away.
		if timeout == nil {
			t := time.NewTimer(g.waitFor())
			defer t.Stop()
			timeout = t.C
		}
		select {
		case <-freed:
		case <-timeout:
			return ErrBusy
		case <-ctx.Done():
			return ErrBusy
		}
	}
}

// slotWait is how long a call waits for a free slot before ErrBusy.
const slotWait = 250 * time.Millisecond

func (g *gate) waitFor() time.Duration {
	if g.wait > 0 {
		return g.wait
	}
	return slotWait
}

// tryEnter lets a call through (nil, nil), refuses it (nil, the error), or
// returns a channel closed when a slot may have come free.
func (g *gate) tryEnter(adm *admission) (<-chan struct{}, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	limit := g.limit
	if g.failed != nil {
		limit = 1
	}
	if g.inFlight >= limit && (adm == nil || !adm.admitted.Load()) {
		if g.failed != nil {
			return nil, &provider.Error{Kind: provider.KindTransient, Err: g.failed,
				Description: fmt.Sprintf("not calling the server while %d earlier call(s) wait for its answer; the last unanswered call failed", g.inFlight)}
		}
		if g.freed == nil {
			g.freed = make(chan struct{})
		}
		return g.freed, nil
	}
	g.inFlight++
	if adm != nil {
		adm.admitted.Store(true)
	}
	return nil, nil
}

// leave ends a call that returned err.
func (g *gate) leave(err error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.inFlight--
	if g.freed != nil {
		close(g.freed)
		g.freed = nil
	}
	if unanswered(err) {
		g.failed = err
	} else {
		g.failed = nil
	}
}

// unanswered reports whether err says the server gave no answer at all:
// the HTTP client's own error (timeout, connection refused or reset), as
// opposed to an answer, even an error status.
func unanswered(err error) bool {
	_, ok := errors.AsType[*url.Error](err)
	return ok
}

// heldError is the RateLimited error of a call not sent because the server
// asked for no requests for d. The retries are spread over d to 1.2 d, so
// the held calls do not all come back at once.
func heldError(d time.Duration) error {
	return &provider.Error{Kind: provider.KindRateLimited, RetryAfter: policy.Jitter(d) + d/10,
		Description: fmt.Sprintf("the server asked for no requests for another %s (Retry-After or X-RateLimit-Reset); not calling it", d.Round(time.Second))}
}

// idle reports whether no call is in flight.
func (g *gate) idle() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.inFlight == 0
}

// wrap returns p with every call that talks to the server passing g and
// the server's budget b (nil: none).
func (g *gate) wrap(p provider.Provider, b *ratelimit.Budget) provider.Provider {
	gp := &gated{p: p, g: g, b: b}
	if r, ok := p.(provider.SecretRevoker); ok {
		return &gatedRevoker{gated: gp, r: r}
	}
	return gp
}

// gated is a provider whose calls pass a gate.
type gated struct {
	p provider.Provider
	g *gate
	b *ratelimit.Budget
}

var (
	_ provider.Differ        = (*gated)(nil)
	_ provider.SecretRevoker = (*gatedRevoker)(nil)
)

func (x *gated) Capabilities() provider.Capabilities { return x.p.Capabilities() }

// Diff keeps the adapter's own verdict.
func (x *gated) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	return provider.Diff(x.p, desired, observed)
}

func (x *gated) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	if err := x.g.enter(ctx, x.b); err != nil {
		return provider.Client{}, err
	}
	c, err := x.p.Observe(ctx, clientID, state)
	x.g.leave(err)
	return c, err
}

func (x *gated) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if err := x.g.enter(ctx, x.b); err != nil {
		return provider.Result{}, err
	}
	res, err := x.p.Create(ctx, spec)
	x.g.leave(err)
	return res, err
}

func (x *gated) Update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	if err := x.g.enter(ctx, x.b); err != nil {
		return provider.Result{}, err
	}
	res, err := x.p.Update(ctx, clientID, state, spec)
	x.g.leave(err)
	return res, err
}

func (x *gated) Delete(ctx context.Context, clientID string, state provider.State) error {
	if err := x.g.enter(ctx, x.b); err != nil {
		return err
	}
	err := x.p.Delete(ctx, clientID, state)
	x.g.leave(err)
	return err
}

func (x *gated) RotateSecret(ctx context.Context, clientID string, state provider.State) (provider.Result, error) {
	if err := x.g.enter(ctx, x.b); err != nil {
		return provider.Result{}, err
	}
	res, err := x.p.RotateSecret(ctx, clientID, state)
	x.g.leave(err)
	return res, err
}

func (x *gated) SetEnabled(ctx context.Context, clientID string, state provider.State, enabled bool) error {
	if err := x.g.enter(ctx, x.b); err != nil {
		return err
	}
	err := x.p.SetEnabled(ctx, clientID, state, enabled)
	x.g.leave(err)
	return err
}

func (x *gated) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	if err := x.g.enter(ctx, x.b); err != nil {
		return nil, "", err
	}
	clients, next, err := x.p.List(ctx, marker, page)
	x.g.leave(err)
	return clients, next, err
}

// gatedRevoker is gated for an adapter that can end an overlap.
type gatedRevoker struct {
	*gated
	r provider.SecretRevoker
}

func (x *gatedRevoker) RevokeRotatedSecrets(ctx context.Context, clientID string, state provider.State) error {
	if err := x.g.enter(ctx, x.b); err != nil {
		return err
	}
	err := x.r.RevokeRotatedSecrets(ctx, clientID, state)
	x.g.leave(err)
	return err
}
