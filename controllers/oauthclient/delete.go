package oauthclient

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// delete handles a deleted OAuthClient. Delete removes the remote client and
// the Secret; Orphan keeps both and detaches the Secret. The finalizer goes
// last, so a crash anywhere leaves the work to the next reconcile.
func (r *Reconciler) delete(ctx context.Context, oac *v1alpha1.OAuthClient) error {
	if !controllerutil.ContainsFinalizer(oac, v1alpha1.Finalizer) {
		return nil
	}
	rec, err := r.records.Load(ctx, oac)
	if err != nil {
		return err
	}
	sec, err := r.secrets.Owned(ctx, oac)
	if err != nil {
		return err
	}
	if oac.Spec.DeletionPolicy == v1alpha1.DeletionPolicyOrphan {
		if err := r.records.Orphaned(ctx, oac, rec); err != nil {
			return err
		}
		if sec != nil {
			if err := r.secrets.Orphan(ctx, oac, sec); err != nil {
				return err
			}
			r.event(oac, corev1.EventTypeNormal, "Orphaned", "left client %s and Secret %s in place (deletionPolicy Orphan)", oac.Status.ClientID, sec.Name)
		}
	} else {
		if err := r.deleteRemote(ctx, oac, rec); err != nil {
			return err
		}
		if sec != nil {
			if err := r.secrets.Delete(ctx, sec); err != nil {
				return err
			}
		}
	}
	if err := r.records.Remove(ctx, oac); err != nil {
		return err
	}
	r.synced.forget(oac.UID)
	metrics.Forget(oac.Namespace, oac.Name)
	if err := crashpoint.Reached(crashpoint.AfterStateRemove); err != nil {
		return err
	}
	patch := client.MergeFrom(oac.DeepCopy())
	controllerutil.RemoveFinalizer(oac, v1alpha1.Finalizer)
	return client.IgnoreNotFound(r.Client.Patch(ctx, oac, patch))
}

// deleteRemote removes the recorded client, and the replaced ones still
// retiring, at the server.
func (r *Reconciler) deleteRemote(ctx context.Context, oac *v1alpha1.OAuthClient, rec *record.Record) error {
	if rec == nil {
		return nil
	}
	srv, err := r.resolveServer(ctx, oac)
	if err != nil {
		return fmt.Errorf("cannot delete client %s while its server is unavailable (remove the finalizer %s by hand to abandon it): %w",
			rec.ClientID, v1alpha1.Finalizer, err)
	}
	if err := deleteRetiring(ctx, srv.Provider, rec); err != nil {
		return err
	}
	if err := deleteAtServer(ctx, srv.Provider, rec.ClientID, rec.Provider, ""); err != nil {
		return err
	}
	if err := crashpoint.Reached(crashpoint.AfterRemoteDelete); err != nil {
		return err
	}
	r.event(oac, corev1.EventTypeNormal, "Deleted", "deleted client %s at the server", rec.ClientID)
	return nil
}
