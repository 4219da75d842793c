package writer

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Owned reads oac's delivered Secret from the API server; nil when it is
// absent or not oac's.
func (w *Writer) Owned(ctx context.Context, oac *v1alpha1.OAuthClient) (*corev1.Secret, error) {
	sec := &corev1.Secret{}
	err := w.Reader.Get(ctx, client.ObjectKey{Namespace: oac.Namespace, Name: oac.SecretName()}, sec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s: %w", oac.SecretName(), err)
	}
	if sec.Labels[v1alpha1.LabelOAuthClientUID] != string(oac.UID) {
		return nil, nil
	}
	return sec, nil
}

// Delete deletes sec (the garbage collector would too, through its owner
// reference; doing it here makes it immediate).
func (w *Writer) Delete(ctx context.Context, sec *corev1.Secret) error {
	if err := w.Client.Delete(ctx, sec); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting Secret %s: %w", sec.Name, err)
	}
	return nil
}

// Orphan detaches sec from oac so it outlives the OAuthClient: the owner
// reference and the owner labels go, the credentials stay.
func (w *Writer) Orphan(ctx context.Context, oac *v1alpha1.OAuthClient, sec *corev1.Secret) error {
	var owners []metav1.OwnerReference
	for _, o := range sec.OwnerReferences {
		if o.UID != oac.UID {
			owners = append(owners, o)
		}
	}
	sec.OwnerReferences = owners
	for k := range oac.OwnerLabels() {
		delete(sec.Labels, k)
	}
	if err := w.Client.Update(ctx, sec); err != nil {
		return fmt.Errorf("detaching Secret %s: %w", sec.Name, err)
	}
	return nil
}
