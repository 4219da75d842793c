package metrics

import (
	"context"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Reader is what a scrape reads: the objects as the manager's cache holds
// them (fromcache.Reader). The collector only reads what it is given, so a
// Reader may hand out the cache's own objects, not copies.
type Reader interface {
	// OAuthClients and DeliveredSecrets hand out pointers, so that a
	// scrape at thousands of clients copies none of them.
	OAuthClients(ctx context.Context) ([]*v1alpha1.OAuthClient, error)
	// DeliveredSecrets are the Secrets labelled as managed by the operator,
	// as much of each as the metrics show.
	DeliveredSecrets(ctx context.Context) ([]Delivered, error)
	AuthServers(ctx context.Context) ([]v1alpha1.AuthServer, error)
	ClusterAuthServers(ctx context.Context) ([]v1alpha1.ClusterAuthServer, error)
}

// Delivered is what the metrics show of a delivered Secret: whose it is
// (its LabelOAuthClientUID) and its time annotations, as written.
type Delivered struct {
	OwnerUID, IssuedAt, ExpiresAt string
}

// DeliveredOf is what the metrics show of s.
func DeliveredOf(s *corev1.Secret) Delivered {
	return Delivered{
		OwnerUID: s.Labels[v1alpha1.LabelOAuthClientUID],
		IssuedAt: s.Annotations[v1alpha1.AnnotationIssuedAt], ExpiresAt: s.Annotations[v1alpha1.AnnotationExpiresAt],
	}
}
