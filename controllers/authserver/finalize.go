package authserver

import (
	"context"
	"errors"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
)

// A server is kept while OAuthClients use it: deleting their clients at the
// server needs it. Without this, deleting a namespace (which deletes the
// AuthServer, its credentials and the OAuthClients at once) would leave
// every OAuthClient unable to finish, and the namespace stuck.

// ensureFinalizer keeps a server from going away under its clients.
func (r *Reconciler) ensureFinalizer(ctx context.Context, obj servers.Object) error {
	if controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		return nil
	}
	patch := client.MergeFrom(obj.DeepCopyObject().(servers.Object))
	controllerutil.AddFinalizer(obj, v1alpha1.Finalizer)
	if err := r.Client.Patch(ctx, obj, patch); err != nil {
		return fmt.Errorf("adding finalizer: %w", err)
	}
	return nil
}

// finalize lets a deleted server go once no OAuthClient refers to it. Until
// then it goes on serving them with what this process already holds (its
// credential Secrets may be gone already), or connects once more if it
// holds nothing (after a restart or a change of leader).
func (r *Reconciler) finalize(ctx context.Context, key servers.Key, obj servers.Object) (reconcile.Result, error) {
	if !controllerutil.ContainsFinalizer(obj, v1alpha1.Finalizer) {
		r.Servers.Remove(key)
		return reconcile.Result{}, nil
	}
	users, err := servers.ClientsUsing(ctx, r.Client, key)
	if err != nil {
		return reconcile.Result{}, err
	}
	if len(users) == 0 {
		r.Servers.Remove(key)
		patch := client.MergeFrom(obj.DeepCopyObject().(servers.Object))
		controllerutil.RemoveFinalizer(obj, v1alpha1.Finalizer)
		return reconcile.Result{}, client.IgnoreNotFound(r.Client.Patch(ctx, obj, patch))
	}

	msg := fmt.Sprintf("deleted; kept until the OAuthClients that use it (%d) are deleted, so that their clients at the server can be deleted too", len(users))
	if err := r.keepServing(ctx, key, obj); err != nil {
		msg += "; but the server cannot be reached to delete them: " + err.Error()
	}
	if err := r.patchStatus(ctx, obj, nil, v1alpha1.ReasonDeleting, errors.New(msg)); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	// Each OAuthClient's deletion wakes the server; this is a safety net.
	return reconcile.Result{RequeueAfter: 30 * time.Second}, nil
}

// keepServing makes sure this process holds a provider for the deleted
// server, connecting once more when it holds none. If the credential
// Secrets went first, as when a namespace is deleted, it connects without
// them: deleting a client needs only what the client's own state holds
// (e.g. an RFC 7592 registration access token).
func (r *Reconciler) keepServing(ctx context.Context, key servers.Key, obj servers.Object) error {
	if r.Servers.Get(key) != nil {
		return nil
	}
	target := obj
	secrets, err := r.readSecrets(ctx, obj)
	if err != nil {
		target = obj.DeepCopyObject().(servers.Object)
		target.ServerSpec().Credentials = nil
		secrets = nil
	}
	srv, _, err := r.connect(ctx, target, secrets, nil)
	if err != nil {
		return err
	}
	// No fingerprint: the next check proves the server afresh.
	r.Servers.Set(key, srv, "", obj)
	return nil
}
