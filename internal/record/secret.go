package record

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The managed-by label values of record Secrets and of orphan notes. They
// differ from the delivered Secrets' on purpose: records are never read
// from the informer cache, so they are kept out of it.
const (
	ManagedBy       = v1alpha1.ManagedByValue + "-state"
	OrphanManagedBy = v1alpha1.ManagedByValue + "-orphaned"
)

// Secret is the record Secret, in namespace, that holds r for oac.
func Secret(oac *v1alpha1.OAuthClient, namespace string, r *Record) *corev1.Secret {
	l := oac.OwnerLabels()
	l[v1alpha1.LabelManagedBy] = ManagedBy
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: SecretName(oac.UID), Namespace: namespace, Labels: l},
		Type:       corev1.SecretTypeOpaque,
		Data:       Encode(r),
	}
}
