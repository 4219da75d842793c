package store

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Orphaned notes, before the record of oac goes, that its client stays at
// the server on purpose (deletionPolicy Orphan; record.OrphanNote). Nothing
// is noted when there is no record.
func (s *Store) Orphaned(ctx context.Context, oac *v1alpha1.OAuthClient, r *record.Record) error {
	if r == nil {
		return nil
	}
	if err := s.api.Create(ctx, record.OrphanNote(oac, s.namespace, r)); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("noting orphaned client %s: %w", r.ClientID, err)
	}
	return nil
}
