package controllers

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// OAuthClientReconciler registers OAuthClients at their authorization server
// and delivers their credentials into Secrets.
type OAuthClientReconciler struct {
	Client client.Client
	// APIReader reads objects the cache does not hold (Secrets the operator
	// does not own) or must not be read stale (client state).
	APIReader client.Reader
	Recorder  events.EventRecorder
	Servers   *Servers
	// OperatorNamespace holds the operator-internal client state Secrets.
	OperatorNamespace string
	// ResyncPeriod is how often a Ready client is compared with the server.
	ResyncPeriod time.Duration
	// MaxConcurrentReconciles is the number of workers.
	MaxConcurrentReconciles int

	states *stateStore
	// synced remembers when each client was last known to match the server
	// (types.UID -> syncMark).
	synced sync.Map
}

// syncMark is a client known to match the server at one generation and
// credential version.
type syncMark struct {
	generation int64
	version    int64
	at         time.Time
}

// recentSync is how long a sync stands in for asking the server again.
// Resyncs come much later; the reconciles caused by the operator's own
// writes come within it.
const recentSync = 30 * time.Second

// recentlySynced reports whether oac at its current generation and
// credentials matched the server moments ago.
func (r *OAuthClientReconciler) recentlySynced(oac *v1alpha1.OAuthClient, st *clientState) bool {
	v, ok := r.synced.Load(oac.UID)
	if !ok {
		return false
	}
	m := v.(syncMark)
	return m.generation == oac.Generation && m.version == st.Version &&
		time.Since(m.at) < min(recentSync, r.ResyncPeriod/2)
}

// markSynced records that oac matches the server now.
func (r *OAuthClientReconciler) markSynced(oac *v1alpha1.OAuthClient, st *clientState) {
	r.synced.Store(oac.UID, syncMark{generation: oac.Generation, version: st.Version, at: time.Now()})
}

// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients/status,verbs=patch
// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one OAuthClient in line with its manifest.
func (r *OAuthClientReconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	oac := &v1alpha1.OAuthClient{}
	if err := r.Client.Get(ctx, req.NamespacedName, oac); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	s := r.newSync(oac)

	switch {
	case !oac.DeletionTimestamp.IsZero():
		return s.finish(ctx, s.delete(ctx))
	case oac.Spec.Disabled:
		return s.finish(ctx, s.steps(ctx,
			s.ensureFinalizer,
			s.resolveServer,
			s.claimSecret,
			s.loadState,
			s.disable,
		))
	}
	return s.finish(ctx, s.steps(ctx,
		s.ensureFinalizer,
		s.resolveServer,
		s.claimSecret,
		s.checkTemplate,
		s.loadState,
		s.syncRemote,
		s.rotate,
		s.writeSecret,
		s.rollout,
		s.retire,
	))
}

// SetupWithManager registers the controller and its watches.
func (r *OAuthClientReconciler) SetupWithManager(ctx context.Context, mgr manager.Manager) error {
	r.states = &stateStore{client: r.Client, reader: r.APIReader, namespace: r.OperatorNamespace}
	if err := mgr.GetFieldIndexer().IndexField(ctx, &v1alpha1.OAuthClient{}, serverRefIndex, indexServerRef); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		For(&v1alpha1.OAuthClient{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&corev1.Secret{}).
		Watches(&v1alpha1.AuthServer{}, handler.EnqueueRequestsFromMapFunc(r.clientsOfServer)).
		Watches(&v1alpha1.ClusterAuthServer{}, handler.EnqueueRequestsFromMapFunc(r.clientsOfServer)).
		WatchesRawSource(source.Channel(r.Servers.Ready(), handler.EnqueueRequestsFromMapFunc(r.clientsOfServer))).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1),
			// Failed reconciles back off exponentially from 1s to 5m, so an
			// ailing server is not hammered.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, maxRetry),
		}).
		Complete(r)
}

const serverRefIndex = "spec.serverRef"

// indexServerRef indexes OAuthClients by "Kind/Name" of their server.
func indexServerRef(obj client.Object) []string {
	oac := obj.(*v1alpha1.OAuthClient)
	return []string{serverRefKind(oac) + "/" + oac.Spec.ServerRef.Name}
}

// clientsOfServer maps a server (an event about it, or its becoming Ready)
// to the OAuthClients that use it.
func (r *OAuthClientReconciler) clientsOfServer(ctx context.Context, obj client.Object) []reconcile.Request {
	key := ServerKey{Kind: "AuthServer", Namespace: obj.GetNamespace(), Name: obj.GetName()}
	if _, cluster := obj.(*v1alpha1.ClusterAuthServer); cluster {
		key = ServerKey{Kind: "ClusterAuthServer", Name: obj.GetName()}
	}
	clients, err := clientsUsing(ctx, r.Client, key)
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(clients))
	for _, oac := range clients {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&oac)})
	}
	return reqs
}

// clientsUsing lists the OAuthClients that refer to the server at key.
func clientsUsing(ctx context.Context, c client.Reader, key ServerKey) ([]v1alpha1.OAuthClient, error) {
	var list v1alpha1.OAuthClientList
	opts := []client.ListOption{client.MatchingFields{serverRefIndex: key.Kind + "/" + key.Name}}
	if key.Namespace != "" {
		opts = append(opts, client.InNamespace(key.Namespace))
	}
	if err := c.List(ctx, &list, opts...); err != nil {
		return nil, fmt.Errorf("listing the OAuthClients of %s %s: %w", key.Kind, key.Name, err)
	}
	return list.Items, nil
}

func serverRefKind(oac *v1alpha1.OAuthClient) string {
	if oac.Spec.ServerRef.Kind == "" {
		return "AuthServer"
	}
	return oac.Spec.ServerRef.Kind
}
