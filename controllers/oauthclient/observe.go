package oauthclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// observation is what a reconcile gathered before deciding: the policy's
// view, plus the objects the effects need.
type observation struct {
	policy.Observation
	server *servers.Server
	// secret is the delivered Secret as it is; nil when absent.
	secret *corev1.Secret
	// unseen: the cache does not hold the Secret and it was not read from
	// the API server; it is created (newsecret.go).
	unseen bool
	// goneWhy is what the server said when it did not know the recorded
	// client (Gone).
	goneWhy string
	// source holds the credentials of spec.credentialsFrom; nil without.
	source *brought
}

// ensureFinalizer makes sure the remote client is handled before the
// OAuthClient goes away. fresh reports that it was added just now, so no
// record can exist yet (a record is only ever written for a client with the
// finalizer).
func (r *Reconciler) ensureFinalizer(ctx context.Context, oac *v1alpha1.OAuthClient) (fresh bool, err error) {
	if controllerutil.ContainsFinalizer(oac, v1alpha1.Finalizer) {
		return false, nil
	}
	patch := client.MergeFrom(oac.DeepCopy())
	controllerutil.AddFinalizer(oac, v1alpha1.Finalizer)
	if err := r.Client.Patch(ctx, oac, patch); err != nil {
		return false, fmt.Errorf("adding finalizer: %w", err)
	}
	return true, nil
}

// observe gathers, in this order, everything a reconcile needs: the Ready
// server, the delivered Secret (which must be this client's to write), the
// template (which must render), the record, and the remote client where it
// must be read. Nothing is registered when any of them is wrong.
func (r *Reconciler) observe(ctx context.Context, oac *v1alpha1.OAuthClient, fresh bool) (*observation, error) {
	o := &observation{Observation: policy.Observation{Now: time.Now(), Client: oac}}
	srv, err := r.resolveServer(ctx, oac)
	if err != nil {
		return o, err
	}
	o.server, o.Caps = srv, srv.Provider.Capabilities()
	if err := r.admit(ctx, o, fresh); err != nil {
		return o, err
	}
	if err := policy.CheckOptions(oac, srv.Name); err != nil {
		return o, fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	if err := r.readSource(ctx, o); err != nil {
		return o, err
	}
	if o.secret, o.unseen, err = r.secretOf(ctx, oac, fresh); err != nil {
		return o, err
	}
	if err := delivery.Claim(oac, o.secret, r.holderOf(ctx, oac, o.secret)); err != nil {
		return o, fail(v1alpha1.ReasonSecretConflict, "%v", err)
	}
	if !oac.Spec.Disabled {
		if err := delivery.CheckTemplate(oac.Spec.SecretTemplate); err != nil {
			return o, fail(v1alpha1.ReasonInvalidTemplate, "%v", err)
		}
	}
	if fresh {
		r.records.NoneYet(oac.UID)
	} else if o.Record, err = r.records.Load(ctx, oac); err != nil {
		return o, err
	}
	if err := r.findExisting(ctx, o); err != nil {
		return o, err
	}
	if o.Record == nil || !r.mustReadRemote(o) {
		return o, nil
	}
	if isResync(oac, o.Record, o.Now) {
		servers.AsResync(ctx)
		if r.listedInLine(ctx, o) {
			return o, nil
		}
	}
	remote, err := srv.Provider.Observe(ctx, o.Record.ClientID, o.Record.Provider)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		o.Gone, o.goneWhy = true, err.Error()
	case err != nil:
		return o, providerFailure(err, "")
	default:
		desired, err := desiredWithKeys(oac, o.Record)
		if err != nil {
			return o, err
		}
		o.Remote = &remote
		o.Drift = provider.Diff(srv.Provider, desired, remote)
	}
	return o, nil
}

// mustReadRemote says whether the remote client is read in this reconcile:
// a disabled client only where the server has its own switch (to see that
// it is off); a live one unless it matched the server moments ago (the
// reconcile that follows the operator's own writes need not ask again).
func (r *Reconciler) mustReadRemote(o *observation) bool {
	if o.Client.Spec.Disabled {
		return o.Caps.NativeDisable
	}
	return !r.recentlySynced(o.Client, o.Record)
}

// resolveServer finds the Ready server the client refers to.
func (r *Reconciler) resolveServer(ctx context.Context, oac *v1alpha1.OAuthClient) (*servers.Server, error) {
	key := servers.KeyOf(oac)
	if srv := r.Servers.Get(key); srv != nil {
		return srv, nil
	}
	obj := servers.NewObject(key.Kind)
	err := r.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name}, obj)
	if apierrors.IsNotFound(err) {
		where := ""
		if key.Namespace != "" {
			where = " in namespace " + key.Namespace
		}
		return nil, fail(v1alpha1.ReasonServerNotFound, "spec.serverRef: %s %q not found%s", key.Kind, key.Name, where)
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s %q: %w", key.Kind, key.Name, err)
	}
	msg := "it has not been checked yet"
	if c := meta.FindStatusCondition(obj.ServerStatus().Conditions, v1alpha1.ConditionReady); c != nil {
		if c.Status == "True" && c.ObservedGeneration == obj.GetGeneration() {
			// Ready, but this process has not connected to it yet (it just
			// started or became leader): wait without touching status; the
			// server's readiness wakes this client.
			return nil, errWaitForServer
		}
		msg = c.Reason + ": " + c.Message
	}
	return nil, fail(v1alpha1.ReasonServerNotReady, "%s %q is not ready: %s", key.Kind, key.Name, msg)
}

// readSecret reads the delivered Secret: from the cache, which holds only
// the operator's Secrets, else from the API server (a Secret someone else
// made under that name); nil when there is none.
func (r *Reconciler) readSecret(ctx context.Context, oac *v1alpha1.OAuthClient) (*corev1.Secret, error) {
	key := types.NamespacedName{Namespace: oac.Namespace, Name: oac.SecretName()}
	sec := &corev1.Secret{}
	err := r.Client.Get(ctx, key, sec)
	if apierrors.IsNotFound(err) {
		err = r.APIReader.Get(ctx, key, sec)
	}
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s: %w", key.Name, err)
	}
	return sec, nil
}
