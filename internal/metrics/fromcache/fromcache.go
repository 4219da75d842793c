// Package fromcache reads what a metrics scrape shows (metrics.Reader) from
// the manager's cache, or from any controller-runtime client.Reader.
package fromcache

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

// Reader reads from r. Lists are not deep-copied: the collector only reads
// them.
func Reader(r client.Reader) metrics.Reader { return reader{r} }

type reader struct{ r client.Reader }

func (c reader) OAuthClients(ctx context.Context) ([]v1alpha1.OAuthClient, error) {
	var l v1alpha1.OAuthClientList
	err := c.r.List(ctx, &l, client.UnsafeDisableDeepCopy)
	return l.Items, err
}

func (c reader) DeliveredSecrets(ctx context.Context) ([]corev1.Secret, error) {
	var l corev1.SecretList
	err := c.r.List(ctx, &l, client.MatchingLabels{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue}, client.UnsafeDisableDeepCopy)
	return l.Items, err
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
