package mgmtauth

import (
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// DefaultEarlyRefresh is how long before expiry a cached token is replaced
// when NewCache is given zero.
const DefaultEarlyRefresh = 60 * time.Second

// Cache holds one token source per AuthServer so tokens are reused across
// reconciles and refreshed shortly before they expire, with a refresh token
// when the server issued one. It is safe for concurrent use.
type Cache struct {
	hc    *http.Client
	early time.Duration
	// now is the clock; tests replace it.
	now func() time.Time

	mu       sync.Mutex
	entries  map[string]*entry
	requests map[string]*atomic.Int64
}

// entry is the token source for one key and the Source it was built from.
type entry struct {
	fingerprint string
	ts          oauth2.TokenSource
}

// NewCache returns an empty cache. hc is the base client for token requests
// (TLS settings, timeouts); nil means http.DefaultClient. earlyRefresh is how
// long before expiry a token is replaced; zero or less means
// DefaultEarlyRefresh.
func NewCache(hc *http.Client, earlyRefresh time.Duration) *Cache {
	if hc == nil {
		hc = http.DefaultClient
	}
	if earlyRefresh <= 0 {
		earlyRefresh = DefaultEarlyRefresh
	}
	return &Cache{
		hc:       hc,
		early:    earlyRefresh,
		now:      time.Now,
		entries:  map[string]*entry{},
		requests: map[string]*atomic.Int64{},
	}
}

// TokenSource returns the cached source for key (e.g. the AuthServer's UID),
// replacing it when src changed in any field, secrets included: a rotated
// credentials Secret takes effect on the next call. An invalid src yields a
// source whose Token fails with a KindUnauthorized error naming the field.
func (c *Cache) TokenSource(key string, src Source) oauth2.TokenSource {
	fp := src.fingerprint()
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.entries[key]; ok && e.fingerprint == fp {
		// Built from this very Source, so it was valid then and still is.
		return e.ts
	}
	r, err := src.prepare()
	if err != nil {
		delete(c.entries, key)
		return errorSource{err: &provider.Error{
			Kind:        provider.KindUnauthorized,
			Description: "invalid management credentials: " + err.Error(),
		}}
	}
	ts := c.newSource(src, r, c.counter(key))
	c.entries[key] = &entry{fingerprint: fp, ts: ts}
	return ts
}

// newSource builds the token source for a valid src; r is its prepared
// request, nil for a static token. prepare copied what r keeps, so the
// caller changing its maps later cannot race with us.
func (c *Cache) newSource(src Source, r *request, requests *atomic.Int64) oauth2.TokenSource {
	switch {
	case src.InitialAccessToken != "":
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: src.InitialAccessToken, TokenType: "Bearer"})
	case src.BearerToken != "":
		return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: src.BearerToken, TokenType: "Bearer"})
	}
	base := c.hc
	if src.HTTPClient != nil {
		base = src.HTTPClient
	}
	return &reuseSource{
		src: &grantSource{
			r:        r,
			client:   HeaderClient(base, r.headers),
			requests: requests,
			now:      c.now,
		},
		early: c.early,
		now:   c.now,
	}
}

// counter returns the request counter for key, creating it. c.mu is held.
func (c *Cache) counter(key string) *atomic.Int64 {
	n, ok := c.requests[key]
	if !ok {
		n = new(atomic.Int64)
		c.requests[key] = n
	}
	return n
}

// Forget drops the source and request count for key, e.g. when the
// AuthServer is deleted or the management API refused its token.
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.entries, key)
	delete(c.requests, key)
}

// Requests returns how many token requests have been made for key since it
// was first used or last forgotten (for metrics and benchmarks).
func (c *Cache) Requests(key string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.requests[key]; ok {
		return int(n.Load())
	}
	return 0
}

// errorSource is a token source that always fails with err.
type errorSource struct{ err error }

// Token returns the error.
func (s errorSource) Token() (*oauth2.Token, error) { return nil, s.err }
