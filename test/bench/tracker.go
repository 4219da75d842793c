package main

import (
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// tracker watches Secrets and OAuthClients in the benchmark namespaces and
// records, per "namespace/name", when the harness created the OAuthClient,
// when its Secret first appeared and when it first became Ready.
type tracker struct {
	mu      sync.Mutex
	created map[string]time.Time
	secret  map[string]time.Time
	ready   map[string]time.Time
	// unready counts Ready→not-Ready transitions of clients that had been
	// Ready: a steady operator makes none.
	unready int
	// reasons counts the Ready reasons of those transitions.
	reasons map[string]float64
	isReady map[string]bool
}

// startTracker runs informers on Secrets and OAuthClients of namespaces
// until ctx ends; it returns once they have synced.
func startTracker(ctx context.Context, cfg *rest.Config, scheme *runtime.Scheme, namespaces ...string) (*tracker, error) {
	nsConfig := map[string]cache.Config{}
	for _, ns := range namespaces {
		nsConfig[ns] = cache.Config{}
	}
	c, err := cache.New(cfg, cache.Options{Scheme: scheme, DefaultNamespaces: nsConfig})
	if err != nil {
		return nil, fmt.Errorf("creating the watch cache: %w", err)
	}
	t := &tracker{
		created: map[string]time.Time{}, secret: map[string]time.Time{},
		ready: map[string]time.Time{}, isReady: map[string]bool{}, reasons: map[string]float64{},
	}
	secrets, err := c.GetInformer(ctx, &corev1.Secret{})
	if err != nil {
		return nil, fmt.Errorf("watching Secrets: %w", err)
	}
	if _, err := secrets.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc: func(obj any) { t.onSecret(obj) },
	}); err != nil {
		return nil, err
	}
	clients, err := c.GetInformer(ctx, &v1alpha1.OAuthClient{})
	if err != nil {
		return nil, fmt.Errorf("watching OAuthClients: %w", err)
	}
	if _, err := clients.AddEventHandler(toolscache.ResourceEventHandlerFuncs{
		AddFunc:    func(obj any) { t.onClient(obj) },
		UpdateFunc: func(_, obj any) { t.onClient(obj) },
		DeleteFunc: func(obj any) { t.onClientGone(obj) },
	}); err != nil {
		return nil, err
	}
	go func() { _ = c.Start(ctx) }()
	if !c.WaitForCacheSync(ctx) {
		return nil, fmt.Errorf("the watch cache did not sync")
	}
	return t, nil
}

func key(ns, name string) string { return ns + "/" + name }

func (t *tracker) onSecret(obj any) {
	now := time.Now()
	s, ok := obj.(*corev1.Secret)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key(s.Namespace, s.Name)
	if _, seen := t.secret[k]; !seen {
		t.secret[k] = now
	}
}

func (t *tracker) onClient(obj any) {
	now := time.Now()
	oac, ok := obj.(*v1alpha1.OAuthClient)
	if !ok {
		return
	}
	ready := isReady(oac)
	t.mu.Lock()
	defer t.mu.Unlock()
	k := key(oac.Namespace, oac.Name)
	if t.isReady[k] && !ready {
		t.unready++
		reason := "no Ready condition"
		if c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady); c != nil {
			reason = c.Reason
		}
		t.reasons[reason]++
	}
	t.isReady[k] = ready
	if _, seen := t.ready[k]; ready && !seen {
		t.ready[k] = now
	}
}

// onClientGone forgets a deleted OAuthClient's current readiness.
func (t *tracker) onClientGone(obj any) {
	if tomb, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = tomb.Obj
	}
	oac, ok := obj.(*v1alpha1.OAuthClient)
	if !ok {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.isReady, key(oac.Namespace, oac.Name))
}

// unreadyCount is the number of Ready→not-Ready transitions so far, and
// their count by reason.
func (t *tracker) unreadyCount() (int, map[string]float64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.unready, maps.Clone(t.reasons)
}

// isReady says whether the Ready condition is True for the current spec.
func isReady(oac *v1alpha1.OAuthClient) bool {
	c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
	return c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == oac.Generation
}

// markCreated records that the harness's create of the OAuthClient returned.
func (t *tracker) markCreated(ns, name string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.created[key(ns, name)] = at
}

// readyCount counts the given clients that have been Ready.
func (t *tracker) readyCount(keys []string) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := 0
	for _, k := range keys {
		if _, ok := t.ready[k]; ok {
			n++
		}
	}
	return n
}

// waitReady waits until every client in keys has been Ready, or timeout.
func (t *tracker) waitReady(ctx context.Context, keys []string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		n := t.readyCount(keys)
		if n == len(keys) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("only %d of %d OAuthClients were Ready after %s", n, len(keys), timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// timings returns, for keys, the create-to-Secret and create-to-Ready
// latencies and the time the last one became Ready.
func (t *tracker) timings(keys []string) (toSecret, toReady []time.Duration, lastReady time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range keys {
		c, ok := t.created[k]
		if !ok {
			continue
		}
		if s, ok := t.secret[k]; ok {
			toSecret = append(toSecret, max(s.Sub(c), 0))
		}
		if r, ok := t.ready[k]; ok {
			toReady = append(toReady, max(r.Sub(c), 0))
			if r.After(lastReady) {
				lastReady = r
			}
		}
	}
	return toSecret, toReady, lastReady
}

// readyNow counts the OAuthClients of ns the watch has seen, and those of
// them Ready now.
func (t *tracker) readyNow(ns string) (ready, total int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, ok := range t.isReady {
		if strings.HasPrefix(k, ns+"/") {
			total++
			if ok {
				ready++
			}
		}
	}
	return ready, total
}
