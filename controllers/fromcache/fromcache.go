// Package fromcache reads what a metrics scrape shows (metrics.Reader) from
// the manager's cache, or from any controller-runtime client.Reader.
package fromcache

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	toolscache "k8s.io/client-go/tools/cache"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

// Reader reads from r. Nothing is copied: from the manager's cache, the
// OAuthClients and Secrets are the informers' own objects (a List would
// copy every one into a new slice: about 10 MiB per scrape at 10,000
// clients), and lists are not deep-copied. The collector only reads them.
func Reader(r client.Reader) metrics.Reader { return reader{r} }

type reader struct{ r client.Reader }

func (c reader) OAuthClients(ctx context.Context) ([]*v1alpha1.OAuthClient, error) {
	if objs, ok, err := stored[*v1alpha1.OAuthClient](ctx, c.r, &v1alpha1.OAuthClient{}); ok {
		return objs, err
	}
	var l v1alpha1.OAuthClientList
	err := c.r.List(ctx, &l, client.UnsafeDisableDeepCopy)
	return pointers(l.Items), err
}

func (c reader) DeliveredSecrets(ctx context.Context) ([]metrics.Delivered, error) {
	if objs, ok, err := stored[client.Object](ctx, c.r, &corev1.Secret{}); ok {
		delivered := make([]metrics.Delivered, 0, len(objs))
		for _, o := range objs {
			switch s := o.(type) {
			case *delivery.CachedSecret:
				if s.ManagedBy == v1alpha1.ManagedByValue {
					delivered = append(delivered, metrics.Delivered{OwnerUID: s.OwnerUID, IssuedAt: s.IssuedAt, ExpiresAt: s.ExpiresAt})
				}
			case *corev1.Secret:
				if s.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue {
					delivered = append(delivered, metrics.DeliveredOf(s))
				}
			}
		}
		return delivered, err
	}
	// Copied: the copy of a cached Secret is a *corev1.Secret (a cache
	// restricted to namespaces has no store to read; its List would fail
	// to put the cache's own delivery.CachedSecret into a SecretList).
	var l corev1.SecretList
	err := c.r.List(ctx, &l, client.MatchingLabels{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue})
	delivered := make([]metrics.Delivered, len(l.Items))
	for i := range l.Items {
		delivered[i] = metrics.DeliveredOf(&l.Items[i])
	}
	return delivered, err
}

func (c reader) AuthServers(ctx context.Context) ([]v1alpha1.AuthServer, error) {
	var l v1alpha1.AuthServerList
	err := c.r.List(ctx, &l, client.UnsafeDisableDeepCopy)
	return l.Items, err
}

func (c reader) ClusterAuthServers(ctx context.Context) ([]v1alpha1.ClusterAuthServer, error) {
	var l v1alpha1.ClusterAuthServerList
	err := c.r.List(ctx, &l, client.UnsafeDisableDeepCopy)
	return l.Items, err
}

// stored returns the objects of obj's kind from the informer's store when
// r is an informer cache whose informer has one (ok); else ok is false and
// the caller lists.
func stored[T client.Object](ctx context.Context, r client.Reader, obj client.Object) (objs []T, ok bool, err error) {
	informers, isCache := r.(cache.Informers)
	if !isCache {
		return nil, false, nil
	}
	inf, err := informers.GetInformer(ctx, obj)
	if err != nil {
		return nil, true, err
	}
	withStore, hasStore := inf.(interface{ GetStore() toolscache.Store })
	if !hasStore {
		return nil, false, nil
	}
	for _, o := range withStore.GetStore().List() {
		if t, isT := o.(T); isT {
			objs = append(objs, t)
		}
	}
	return objs, true, nil
}

func pointers[T any](items []T) []*T {
	out := make([]*T, len(items))
	for i := range items {
		out[i] = &items[i]
	}
	return out
}
