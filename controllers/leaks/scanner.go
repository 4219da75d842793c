// Package leaks is the leaked-client scan: every interval, each Ready
// server that can list its clients is listed, and the clients that carry
// this operator instance's ownership marker but that no live OAuthClient
// accounts for are reported (the metric oauthclient_leaked_clients and a
// Warning event LeakedClients on the server object), and deleted at the
// server when its spec says orphanCleanup: Delete.
package leaks

import (
	"cmp"
	"context"
	"hash/fnv"
	"slices"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
)

// Scanner is a manager Runnable that scans the servers of Servers. It runs
// on the leader only: two replicas deleting the same clients would only
// make noise.
type Scanner struct {
	// Client reads server objects and OAuthClients from the cache.
	Client client.Client
	// APIReader reads the records, uncached, and confirms that an
	// OAuthClient the cache does not hold is gone.
	APIReader client.Reader
	Recorder  events.EventRecorder
	Servers   *servers.Registry
	// OperatorNamespace holds the records.
	OperatorNamespace string
	// Interval is how often each server is scanned, and how long a client
	// must stay unaccounted for before it counts as leaked.
	Interval time.Duration
	Log      logr.Logger

	// scans is each scanned server's state; only Start's goroutine uses it.
	scans map[servers.Key]*scanState
}

// scanState is what the scan of one server remembers between scans.
type scanState struct {
	// due is when the server is scanned next.
	due time.Time
	// suspects are the clients found unaccounted for, by first sighting.
	suspects policy.Suspects
	// reported are the leaked clients the last LeakedClients event named.
	reported []string
}

// NeedLeaderElection says the scan runs on the leader only.
func (s *Scanner) NeedLeaderElection() bool { return true }

// Start scans until ctx ends. Servers are scanned one at a time, each at
// its own offset within the interval, so many servers are not listed at
// once.
func (s *Scanner) Start(ctx context.Context) error {
	s.scans = map[servers.Key]*scanState{}
	tick := time.NewTicker(step(s.Interval))
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			s.round(ctx, time.Now())
		}
	}
}

// step is how often the scanner looks for a server that is due.
func step(interval time.Duration) time.Duration {
	return min(max(interval/10, 50*time.Millisecond), 10*time.Second)
}

// offset spreads the servers' first scans over the interval, the same for
// the same server.
func offset(key servers.Key, interval time.Duration) time.Duration {
	h := fnv.New64a()
	_, _ = h.Write([]byte(string(key.Kind) + "/" + key.Namespace + "/" + key.Name))
	return time.Duration(h.Sum64() % uint64(interval)) //nolint:gosec // G115: interval is positive
}

// round scans the servers that are due, and forgets those that are gone
// or not Ready any more.
func (s *Scanner) round(ctx context.Context, now time.Time) {
	ready := map[servers.Key]*servers.Server{}
	for _, e := range s.Servers.All() {
		if e.Server.Provider.Capabilities().List {
			ready[e.Key] = e.Server
		}
	}
	for key := range s.scans {
		if ready[key] == nil {
			s.forget(key)
		}
	}
	keys := make([]servers.Key, 0, len(ready))
	for key := range ready {
		keys = append(keys, key)
	}
	slices.SortFunc(keys, func(a, b servers.Key) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Namespace, b.Namespace), cmp.Compare(a.Name, b.Name))
	})
	for _, key := range keys {
		st := s.scans[key]
		if st == nil {
			st = &scanState{due: now.Add(offset(key, s.Interval))}
			s.scans[key] = st
		}
		if now.Before(st.due) {
			continue
		}
		st.due = now.Add(s.Interval)
		if err := s.scan(ctx, key, ready[key], st, now); err != nil {
			s.Log.Info("leaked-client scan failed; trying again at the next interval", "server", key, "error", err.Error())
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// forget drops what is known of a server that is gone or not Ready.
func (s *Scanner) forget(key servers.Key) {
	delete(s.scans, key)
	metrics.ForgetLeaked(string(key.Kind), key.Namespace, key.Name)
}
