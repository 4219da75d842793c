package oauthclient

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// recordAPI is the record store's view of the API server: it writes with
// the manager's client and reads past the cache, so a record is never
// read stale.
type recordAPI struct {
	client client.Client
	reader client.Reader
}

func (a recordAPI) Get(ctx context.Context, key types.NamespacedName, s *corev1.Secret) error {
	return a.reader.Get(ctx, key, s)
}

func (a recordAPI) Create(ctx context.Context, s *corev1.Secret) error {
	return a.client.Create(ctx, s)
}

func (a recordAPI) Update(ctx context.Context, s *corev1.Secret) error {
	return a.client.Update(ctx, s)
}

func (a recordAPI) Delete(ctx context.Context, s *corev1.Secret) error {
	return a.client.Delete(ctx, s)
}
