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
	return ownedSecret(oac, SecretName(oac.UID), namespace, ManagedBy, Encode(r))
}

// ownedSecret is a Secret named name in namespace, with oac's owner labels
// and the managed-by value managedBy.
func ownedSecret(oac *v1alpha1.OAuthClient, name, namespace, managedBy string, data map[string][]byte) *corev1.Secret {
	l := oac.OwnerLabels()
	l[v1alpha1.LabelManagedBy] = managedBy
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: l},
		Type:       corev1.SecretTypeOpaque,
		Data:       data,
	}
}
