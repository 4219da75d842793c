// Package writer writes the delivered Secret (internal/delivery) to the API
// server: a create for a Secret the cache does not hold, server-side apply
// with the operator's field manager after that, so the API server removes
// what the operator no longer sets and keeps what other tools set.
package writer

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
	metav1ac "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/util/csaupgrade"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
)

// applyConfiguration is s as a server-side apply request.
func applyConfiguration(s *delivery.Secret) *corev1ac.SecretApplyConfiguration {
	o := s.Owner
	return corev1ac.Secret(s.Name, s.Namespace).
		WithLabels(s.Labels).
		WithAnnotations(s.Annotations).
		WithOwnerReferences(metav1ac.OwnerReference().
			WithAPIVersion(o.APIVersion).WithKind(o.Kind).WithName(o.Name).WithUID(o.UID).
			WithController(*o.Controller).WithBlockOwnerDeletion(*o.BlockOwnerDeletion)).
		WithType(corev1.SecretTypeOpaque).
		WithData(s.Data)
}

// Writer writes delivered Secrets.
type Writer struct {
	Client client.Client
	// Reader reads a Secret with all its managed fields, to take over one
	// written by an operator version that did not use server-side apply.
	Reader client.Reader
}

// Apply makes the Secret hold want. current is the Secret as it is (nil when
// absent); when it already holds exactly want, nothing is written. It
// reports whether it wrote.
func (w *Writer) Apply(ctx context.Context, current *corev1.Secret, want *delivery.Secret) (bool, error) {
	if current != nil && delivery.UpToDate(current, want) {
		return false, nil
	}
	if current != nil && delivery.HasLegacy(current) {
		if err := w.takeOver(ctx, current); err != nil {
			return false, err
		}
	}
	err := w.Client.Apply(ctx, applyConfiguration(want), client.FieldOwner(v1alpha1.FieldManager), client.ForceOwnership)
	if apierrors.IsInvalid(err) || apierrors.IsBadRequest(err) {
		return false, delivery.Refused(want.Name, err)
	}
	if err != nil {
		return false, fmt.Errorf("writing Secret %s: %w", want.Name, err)
	}
	return true, nil
}

// takeOver moves the fields that an earlier operator version wrote with
// plain updates to the operator's apply field manager, so the next apply
// removes what the operator no longer sets (labels of an old template, its
// bookkeeping annotations) and nothing that other tools set.
func (w *Writer) takeOver(ctx context.Context, cached *corev1.Secret) error {
	full := &corev1.Secret{}
	if err := w.Reader.Get(ctx, client.ObjectKeyFromObject(cached), full); err != nil {
		return fmt.Errorf("reading Secret %s to take it over: %w", cached.Name, err)
	}
	managers := delivery.LegacyManagers(full)
	if len(managers) == 0 {
		return nil
	}
	patch, err := csaupgrade.UpgradeManagedFieldsPatch(full, managers, v1alpha1.FieldManager)
	if err != nil || patch == nil {
		return err
	}
	if err := w.Client.Patch(ctx, full, client.RawPatch(types.JSONPatchType, patch)); err != nil {
		return fmt.Errorf("taking over Secret %s for server-side apply: %w", cached.Name, err)
	}
	return nil
}
