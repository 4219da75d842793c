package oauthclient

import (
	"k8s.io/apimachinery/pkg/api/equality"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"

	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
)

// serverChanged passes the AuthServer and ClusterAuthServer events that can
// change what the server's OAuthClients do: a server created or deleted, a
// new spec, a new condition, provider or endpoint. It drops an update that
// only recounts status.nonCompliantClients: the count follows the clients'
// own conditions, and each event about a server queues every client of it,
// so at 10,000 clients one refused client would otherwise queue 10,000
// reconciles, most of them a read at the server.
var serverChanged = predicate.Funcs{
	UpdateFunc: func(e event.UpdateEvent) bool {
		old, okOld := e.ObjectOld.(servers.Object)
		cur, okNew := e.ObjectNew.(servers.Object)
		return !okOld || !okNew || !onlyCountChanged(old, cur)
	},
}

// onlyCountChanged reports whether cur differs from old in nothing the
// clients read: its resource version, managed fields and
// status.nonCompliantClients aside, the two are the same.
func onlyCountChanged(old, cur servers.Object) bool {
	a, b := old.DeepCopyObject().(servers.Object), cur.DeepCopyObject().(servers.Object)
	for _, o := range []servers.Object{a, b} {
		o.SetResourceVersion("")
		o.SetManagedFields(nil)
		o.ServerStatus().NonCompliantClients = 0
	}
	return equality.Semantic.DeepEqual(a, b)
}
