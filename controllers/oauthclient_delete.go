package controllers

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
)

// delete handles a deleted OAuthClient. Delete removes the remote client and
// the Secret; Orphan keeps both and detaches the Secret. The finalizer goes
// last, so a crash anywhere leaves the work to the next reconcile.
func (s *clientSync) delete(ctx context.Context) error {
	if !controllerutil.ContainsFinalizer(s.oac, v1alpha1.Finalizer) {
		return nil
	}
	if err := s.loadState(ctx); err != nil {
		return err
	}
	if s.oac.Spec.DeletionPolicy == "Orphan" {
		if err := s.orphanSecret(ctx); err != nil {
			return err
		}
	} else {
		if err := s.deleteRemote(ctx); err != nil {
			return err
		}
		if err := s.deleteSecret(ctx); err != nil {
			return err
		}
	}
	if err := s.r.states.remove(ctx, s.oac); err != nil {
		return err
	}
	s.r.synced.Delete(s.oac.UID)
	if err := crashpoint.Reached(crashpoint.AfterStateRemove); err != nil {
		return err
	}
	patch := client.MergeFrom(s.oac.DeepCopy())
	controllerutil.RemoveFinalizer(s.oac, v1alpha1.Finalizer)
	if err := s.r.Client.Patch(ctx, s.oac, patch); err != nil {
		return client.IgnoreNotFound(err)
	}
	return nil
}

// deleteRemote removes the client at the server.
func (s *clientSync) deleteRemote(ctx context.Context) error {
	if s.state == nil {
		return nil
	}
	if err := s.resolveServer(ctx); err != nil {
		return fmt.Errorf("cannot delete client %s while its server is unavailable (remove the finalizer %s by hand to abandon it): %w",
			s.state.ClientID, v1alpha1.Finalizer, err)
	}
	if err := s.deleteRetiring(ctx); err != nil {
		return err
	}
	if err := s.deleteAtServer(ctx, s.state.ClientID, s.state.Provider, ""); err != nil {
		return err
	}
	if err := crashpoint.Reached(crashpoint.AfterRemoteDelete); err != nil {
		return err
	}
	s.event(corev1.EventTypeNormal, "Deleted", "deleted client %s at the server", s.state.ClientID)
	return nil
}

// ownedSecret returns the delivered Secret when this OAuthClient owns it.
func (s *clientSync) ownedSecret(ctx context.Context) (*corev1.Secret, error) {
	sec := &corev1.Secret{}
	err := s.r.APIReader.Get(ctx, client.ObjectKey{Namespace: s.oac.Namespace, Name: secretName(s.oac)}, sec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s: %w", secretName(s.oac), err)
	}
	if sec.Labels[v1alpha1.LabelOAuthClientUID] != string(s.oac.UID) {
		return nil, nil
	}
	return sec, nil
}

// deleteSecret deletes the delivered Secret (the garbage collector would
// too, through its owner reference; doing it here makes it immediate).
func (s *clientSync) deleteSecret(ctx context.Context) error {
	sec, err := s.ownedSecret(ctx)
	if err != nil || sec == nil {
		return err
	}
	if err := s.r.Client.Delete(ctx, sec); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting Secret %s: %w", sec.Name, err)
	}
	return nil
}

// orphanSecret detaches the delivered Secret so it outlives the OAuthClient.
func (s *clientSync) orphanSecret(ctx context.Context) error {
	sec, err := s.ownedSecret(ctx)
	if err != nil || sec == nil {
		return err
	}
	var owners []metav1.OwnerReference
	for _, o := range sec.OwnerReferences {
		if o.UID != s.oac.UID {
			owners = append(owners, o)
		}
	}
	sec.OwnerReferences = owners
	for k := range ownerLabels(s.oac) {
		delete(sec.Labels, k)
	}
	if err := s.r.Client.Update(ctx, sec); err != nil {
		return fmt.Errorf("detaching Secret %s: %w", sec.Name, err)
	}
	s.event(corev1.EventTypeNormal, "Orphaned", "left client %s and Secret %s in place (deletionPolicy Orphan)", s.oac.Status.ClientID, sec.Name)
	return nil
}
