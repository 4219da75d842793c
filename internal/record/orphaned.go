package record

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The managed-by values of record Secrets and of orphan notes.
const (
	stateSuffix    = "-state"
	orphanedSuffix = "-orphaned"
)

// OrphanedName names the orphan note of the OAuthClient with uid.
func OrphanedName(uid types.UID) string { return "oauthclient-orphaned-" + string(uid) }

// Orphaned notes, before the record of oac goes, that its client stays at
// the server on purpose (deletionPolicy Orphan): the leaked-client scan
// leaves it alone while the note exists. The note holds the client ID
// only, no credential; deleting it hands the client to the scan. Nothing
// is noted when there is no record.
func (s *Store) Orphaned(ctx context.Context, oac *v1alpha1.OAuthClient, r *Record) error {
	if r == nil {
		return nil
	}
	l := oac.OwnerLabels()
	l[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue + orphanedSuffix
	note := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: OrphanedName(oac.UID), Namespace: s.namespace, Labels: l},
		Type:       corev1.SecretTypeOpaque,
		Data:       map[string][]byte{keyClientID: []byte(r.ClientID)},
	}
	if err := s.client.Create(ctx, note); err != nil && !apierrors.IsAlreadyExists(err) {
		return fmt.Errorf("noting orphaned client %s: %w", r.ClientID, err)
	}
	return nil
}
