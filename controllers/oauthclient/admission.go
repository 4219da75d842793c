package oauthclient

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
)

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get;list;watch

// admit is the guard of the server's owners, checked after the server is
// resolved and before anything is registered or changed at it: the
// ClusterAuthServer must serve the client's namespace (ServerNotAllowed),
// the client must keep within the server's clientPolicy (PolicyViolation),
// and the adapter must be able to register what the client asks for. A
// disabled client is not checked: disabling only takes access away.
func (r *Reconciler) admit(ctx context.Context, o *observation, fresh bool) error {
	oac := o.Client
	if oac.Spec.Disabled {
		return nil
	}
	key := servers.KeyOf(oac)
	obj := servers.NewObject(key.Kind)
	if err := r.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name}, obj); err != nil {
		return fmt.Errorf("reading %s %q: %w", key.Kind, key.Name, err)
	}
	spec := obj.ServerSpec()
	if key.Kind == v1alpha1.KindClusterAuthServer && (spec.NamespaceSelector != nil || len(spec.Namespaces) > 0) {
		ns := &corev1.Namespace{}
		if err := r.Client.Get(ctx, types.NamespacedName{Name: oac.Namespace}, ns); err != nil {
			return fmt.Errorf("reading namespace %s: %w", oac.Namespace, err)
		}
		if err := policy.ServesNamespace(key.Name, spec, oac.Namespace, ns.Labels); err != nil {
			if spec.OnAccessLost == v1alpha1.AccessLostDelete {
				return r.revokeAccess(ctx, o, fresh, err)
			}
			return fail(v1alpha1.ReasonServerNotAllowed, "spec.serverRef: %v; nothing is registered or changed at the server", err)
		}
	}
	if refused := policy.CheckClientPolicy(spec.ClientPolicy, oac); len(refused) > 0 {
		return fail(v1alpha1.ReasonPolicyViolation, "the clientPolicy of %s %q refuses this client: %s; nothing is registered or changed at the server until the manifest or the policy is fixed",
			key.Kind, key.Name, strings.Join(refused, "; "))
	}
	if err := policy.CheckAudience(oac, o.Caps, o.server.Name); err != nil {
		return fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	if err := policy.CheckKeys(oac, o.Caps, o.server.Name); err != nil {
		return fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	if err := policy.CheckClientID(oac, o.Caps, o.server.Name); err != nil {
		return fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	return nil
}

// revokeAccess deletes the client of an OAuthClient whose namespace its
// ClusterAuthServer no longer serves, because the server opted in
// (onAccessLost: Delete): the remote client and any replaced ones go, the
// Secret keeps its other keys but loses client_secret, and the record goes.
// Each step is idempotent, so a crash midway is finished next time.
func (r *Reconciler) revokeAccess(ctx context.Context, o *observation, fresh bool, why error) error {
	oac := o.Client
	refused := fail(v1alpha1.ReasonServerNotAllowed, "spec.serverRef: %v; the client was deleted at the server (onAccessLost: Delete)", why)
	if fresh {
		return refused
	}
	rec, err := r.records.Load(ctx, oac)
	if err != nil || rec == nil {
		oac.Status.ClientID = ""
		if err != nil {
			return err
		}
		return refused
	}
	prov := o.server.Provider
	if err := deleteRetiring(ctx, prov, rec); err != nil {
		return err
	}
	if err := deleteAtServer(ctx, prov, rec.ClientID, rec.Provider, "deleting client %s, whose namespace lost access", rec.ClientID); err != nil {
		return err
	}
	sec, err := r.readSecret(ctx, oac)
	if err != nil {
		return err
	}
	if sec != nil && delivery.Claim(oac, sec, "") == nil {
		withoutSecret := rec.Clone()
		withoutSecret.ClientSecret = ""
		withoutSecret.Key = ""
		withoutSecret.Version++
		o.secret = sec
		if err := r.deliver(ctx, o, withoutSecret); err != nil {
			return fmt.Errorf("removing client_secret from Secret %s: %w", sec.Name, err)
		}
		oac.Status.SecretVersion = withoutSecret.Version
	}
	if err := r.records.Remove(ctx, oac); err != nil {
		return err
	}
	oac.Status.ClientID = ""
	r.event(oac, corev1.EventTypeWarning, "AccessRevoked", "deleted client %s at the server: %v", rec.ClientID, why)
	return refused
}

// clientsInNamespace maps a namespace whose labels changed to its
// OAuthClients that use a ClusterAuthServer, so a namespaceSelector is
// evaluated again.
func (r *Reconciler) clientsInNamespace(ctx context.Context, obj client.Object) []reconcile.Request {
	var list v1alpha1.OAuthClientList
	if err := r.Client.List(ctx, &list, client.InNamespace(obj.GetName())); err != nil {
		return nil
	}
	var reqs []reconcile.Request
	for _, oac := range list.Items {
		if oac.ServerKind() == v1alpha1.KindClusterAuthServer {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&oac)})
		}
	}
	return reqs
}
