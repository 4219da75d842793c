package oauthclient

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// listing is what one paged List of a server returned: the operator's
// clients there by client ID, as of at.
type listing struct {
	mu      sync.Mutex
	at      time.Time
	clients map[string]provider.Client
	// fetching is set while one worker lists the server; the others use
	// what was listed before, or read their client alone.
	fetching atomic.Bool
}

// listedInLine reports whether the server's latest listing shows the
// recorded client exactly as the manifest wants it, so that this resync
// need not read it alone. A server that can list is listed once per resync
// period (by whichever resync comes first), so a resync costs a share of
// one paged List instead of one read per client. A client the listing
// misses or shows changed is read alone, which confirms and corrects it.
// Servers whose secrets can be read back are not listed: a List carries
// no secret to compare.
func (r *Reconciler) listedInLine(ctx context.Context, o *observation) bool {
	if !o.Caps.List || o.Caps.SecretReadable {
		return false
	}
	clients := r.listingOf(ctx, servers.KeyOf(o.Client), o.server)
	c, ok := clients[o.Record.ClientID]
	switch {
	case !ok:
		return false
	case o.Caps.NativeDisable && !c.Enabled:
		return false
	case !c.SecretExpiresAt.Equal(o.Record.SecretExpiresAt):
		return false
	}
	desired, err := policy.DesiredFor(o.Client, o.Record)
	return err == nil && len(provider.Diff(o.server.Provider, desired, c)) == 0
}

// listingOf returns the server's clients as listed less than a resync
// period ago, listing them now when that is due; nil when there is no
// usable listing (the List failed: the client's own read will say why).
func (r *Reconciler) listingOf(ctx context.Context, key servers.Key, srv *servers.Server) map[string]provider.Client {
	v, _ := r.lists.LoadOrStore(key, &listing{})
	l := v.(*listing)
	l.mu.Lock()
	clients, at := l.clients, l.at
	l.mu.Unlock()
	age := time.Since(at)
	if clients != nil && age < r.ResyncPeriod {
		return clients
	}
	if !l.fetching.CompareAndSwap(false, true) {
		if age < 2*r.ResyncPeriod {
			return clients
		}
		return nil
	}
	defer l.fetching.Store(false)
	all, err := provider.ListAll(ctx, srv.Provider, srv.Owner)
	if err != nil {
		return nil
	}
	ours, err := r.clientIDsOf(ctx, key)
	if err != nil {
		return nil
	}
	clients = make(map[string]provider.Client, len(ours))
	for _, c := range all {
		if ours[c.ClientID] {
			clients[c.ClientID] = c
		}
	}
	l.mu.Lock()
	l.clients, l.at = clients, time.Now()
	l.mu.Unlock()
	return clients
}

// clientIDsOf is the set of client IDs in the status of the OAuthClients
// that use the server at key, from the cache. A listing keeps only those:
// several servers at one authorization server (one per namespace, say)
// each see every client the operator made there.
func (r *Reconciler) clientIDsOf(ctx context.Context, key servers.Key) (map[string]bool, error) {
	var list v1alpha1.OAuthClientList
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if key.Namespace != "" {
		opts = append(opts, client.InNamespace(key.Namespace))
	}
	if err := r.Client.List(ctx, &list, opts...); err != nil {
		return nil, err
	}
	ids := map[string]bool{}
	for i := range list.Items {
		oac := &list.Items[i]
		if servers.KeyOf(oac) == key && oac.Status.ClientID != "" {
			ids[oac.Status.ClientID] = true
		}
	}
	return ids, nil
}
