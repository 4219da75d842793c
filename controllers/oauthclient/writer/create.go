package writer

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
)

// Create writes want as a new Secret, for a Secret the cache does not hold:
// a create never changes a Secret that exists, so it is also the check that
// no one else's Secret has that name. When one exists, nothing is written
// and it is returned as read from the API server, for the caller to check
// with delivery.Claim (and then Apply over, when it is the caller's after all).
//
// The create's field manager is the operator's own, with operation Update;
// UpToDate reads that entry as the operator's, and the first Apply after it
// moves it to the apply entry (takeOver), as for an earlier version's.
func (w *Writer) Create(ctx context.Context, want *delivery.Secret) (existing *corev1.Secret, err error) {
	o := want.Owner
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: want.Name, Namespace: want.Namespace,
			Labels: want.Labels, Annotations: want.Annotations,
			OwnerReferences: []metav1.OwnerReference{o},
		},
		Type: corev1.SecretTypeOpaque,
		Data: want.Data,
	}
	err = w.Client.Create(ctx, sec, client.FieldOwner(v1alpha1.FieldManager))
	switch {
	case err == nil:
		return nil, nil
	case apierrors.IsAlreadyExists(err):
		existing = &corev1.Secret{}
		if err := w.Reader.Get(ctx, client.ObjectKeyFromObject(sec), existing); err != nil {
			return nil, fmt.Errorf("reading Secret %s: %w", want.Name, err)
		}
		return existing, nil
	case apierrors.IsInvalid(err) || apierrors.IsBadRequest(err):
		return nil, delivery.Refused(want.Name, err)
	default:
		return nil, fmt.Errorf("writing Secret %s: %w", want.Name, err)
	}
}
