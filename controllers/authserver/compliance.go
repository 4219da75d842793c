package authserver

import (
	"context"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
)

// countNonCompliant writes status.nonCompliantClients: how many of the
// server's OAuthClients its namespaceSelector, namespaces or clientPolicy
// refuse, as their own Ready conditions say. It writes only a changed
// count.
func (r *Reconciler) countNonCompliant(ctx context.Context, key servers.Key, obj servers.Object) error {
	clients, err := servers.ClientsUsing(ctx, r.Client, key)
	if err != nil {
		return err
	}
	var n int32
	for i := range clients {
		if refused(&clients[i]) {
			n++
		}
	}
	if obj.ServerStatus().NonCompliantClients == n {
		return nil
	}
	before := obj.DeepCopyObject().(servers.Object)
	obj.ServerStatus().NonCompliantClients = n
	if err := r.Client.Status().Patch(ctx, obj, client.MergeFrom(before)); err != nil {
		return fmt.Errorf("counting the non-compliant OAuthClients of %s %s: %w", key.Kind, key.Name, err)
	}
	return nil
}

// refused reports whether the OAuthClient's server refuses it.
func refused(oac *v1alpha1.OAuthClient) bool {
	c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
	return c != nil && (c.Reason == v1alpha1.ReasonServerNotAllowed || c.Reason == v1alpha1.ReasonPolicyViolation)
}

// complianceChanged passes the OAuthClient events that change the count:
// a refused client created (seen at start-up), deleted, or one whose
// refusal began or ended.
var complianceChanged = predicate.Funcs{
	CreateFunc: func(e event.CreateEvent) bool { return refused(e.Object.(*v1alpha1.OAuthClient)) },
	UpdateFunc: func(e event.UpdateEvent) bool {
		return refused(e.ObjectOld.(*v1alpha1.OAuthClient)) != refused(e.ObjectNew.(*v1alpha1.OAuthClient))
	},
	DeleteFunc:  func(e event.DeleteEvent) bool { return refused(e.Object.(*v1alpha1.OAuthClient)) },
	GenericFunc: func(event.GenericEvent) bool { return false },
}
