// Package oauthclient is the OAuthClient controller. Each reconcile
// observes (observe.go), decides with a pure function (internal/policy),
// then acts in the crash-safe order the invariants need (act.go, disable.go,
// delete.go), and writes status once (status.go).
package oauthclient

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/oauthclient/writer"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record/store"
)

// Reconciler registers OAuthClients at their authorization server and
// delivers their credentials into Secrets.
type Reconciler struct {
	Client client.Client
	// APIReader reads objects the cache does not hold (Secrets the operator
	// does not own) or must not be read stale (records).
	APIReader client.Reader
	Recorder  events.EventRecorder
	Servers   *servers.Registry
	// OperatorNamespace holds the operator-internal records.
	OperatorNamespace string
	// ResyncPeriod is how often a Ready client is compared with the server.
	ResyncPeriod time.Duration
	// MaxConcurrentReconciles is the number of workers.
	MaxConcurrentReconciles int
	// SourceCheckPeriod is how often the Secrets of spec.credentialsFrom
	// are checked for changes (zero: DefaultSourceCheckPeriod).
	SourceCheckPeriod time.Duration

	records *store.Store
	secrets *writer.Writer
	// synced remembers when each client was last known to match the server.
	synced syncMarks
	// lists holds the latest listing of each server that can list
	// (servers.Key -> *listing), for resyncs (listresync.go).
	lists sync.Map
	// sources notices changes of the Secrets of spec.credentialsFrom.
	sources *sourceWatch
}

// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients/status,verbs=patch
// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=oauthclients/finalizers,verbs=update
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get;list;watch;create;update;patch;delete
// +kubebuilder:rbac:groups=events.k8s.io,resources=events,verbs=create;patch

// Reconcile brings one OAuthClient in line with its manifest: observe, plan,
// act, then status.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	ctx = servers.WithAdmission(ctx)
	oac := &v1alpha1.OAuthClient{}
	if err := r.Client.Get(ctx, req.NamespacedName, oac); err != nil {
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !oac.DeletionTimestamp.IsZero() {
		return r.finish(ctx, oac, oac.DeepCopy(), outcome{}, r.delete(ctx, oac))
	}
	fresh, err := r.ensureFinalizer(ctx, oac)
	before := oac.DeepCopy()
	if err != nil {
		return r.finish(ctx, before, oac, outcome{}, err)
	}
	obs, err := r.observe(ctx, oac, fresh)
	if err != nil {
		return r.finish(ctx, before, oac, outcome{record: obs.Record}, err)
	}
	plan, err := policy.Decide(obs.Observation)
	if err != nil {
		return r.finish(ctx, before, oac, outcome{record: obs.Record}, planFailure(err))
	}
	log.FromContext(ctx).V(1).Info("plan", "plan", plan.String())
	var out outcome
	if plan.Disable != policy.DisableNone {
		out, err = r.disable(ctx, obs, plan)
	} else {
		out, err = r.act(ctx, obs, plan)
	}
	return r.finish(ctx, before, oac, out, err)
}

// SetupWithManager registers the controller and its watches.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	r.records = store.New(recordAPI{client: r.Client, reader: r.APIReader}, r.OperatorNamespace)
	r.secrets = &writer.Writer{Client: r.Client, Reader: r.APIReader}
	r.sources = newSourceWatch(r.APIReader, r.Client, r.SourceCheckPeriod)
	if err := mgr.Add(r.sources); err != nil {
		return err
	}
	return builder.ControllerManagedBy(mgr).
		For(&v1alpha1.OAuthClient{}, builder.WithPredicates(predicate.Or(
			predicate.GenerationChangedPredicate{}, predicate.AnnotationChangedPredicate{}))).
		Owns(&corev1.Secret{}, builder.WithPredicates(notCreated)).
		Watches(&v1alpha1.AuthServer{}, handler.EnqueueRequestsFromMapFunc(r.clientsOfServer), builder.WithPredicates(serverChanged)).
		Watches(&v1alpha1.ClusterAuthServer{}, handler.EnqueueRequestsFromMapFunc(r.clientsOfServer), builder.WithPredicates(serverChanged)).
		WatchesRawSource(source.Channel(r.Servers.Ready(), handler.EnqueueRequestsFromMapFunc(r.clientsOfServer))).
		WatchesRawSource(source.Channel(r.sources.events, &handler.EnqueueRequestForObject{})).
		Watches(&corev1.Namespace{}, handler.EnqueueRequestsFromMapFunc(r.clientsInNamespace), builder.WithPredicates(predicate.LabelChangedPredicate{})).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: max(r.MaxConcurrentReconciles, 1),
			// Failed reconciles back off exponentially from 1s to 5m, so an
			// ailing server is not hammered.
			RateLimiter: workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, policy.MaxRetry),
		}).
		Complete(r)
}

// notCreated passes every event about a delivered Secret but its creation.
// A delivered Secret appears because this operator wrote it, in the
// reconcile that would be queued again, or when the cache starts, when the
// OAuthClients' own watch queues every client anyway. At 10,000 new clients
// that second reconcile came minutes later, behind the queue, and read each
// client from the server again. Edits and deletions still come through, so
// a changed or removed Secret is put back at once.
var notCreated = predicate.Funcs{CreateFunc: func(event.CreateEvent) bool { return false }}

// clientsOfServer maps a server (an event about it, or its becoming Ready)
// to the OAuthClients that use it.
func (r *Reconciler) clientsOfServer(ctx context.Context, obj client.Object) []reconcile.Request {
	clients, err := servers.ClientsUsing(ctx, r.Client, servers.KeyOfObject(obj))
	if err != nil {
		return nil
	}
	reqs := make([]reconcile.Request, 0, len(clients))
	for _, oac := range clients {
		reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(&oac)})
	}
	return reqs
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
func (r *Reconciler) recentlySynced(oac *v1alpha1.OAuthClient, rec *record.Record) bool {
	m, ok := r.synced.get(oac.UID)
	if !ok {
		return false
	}
	return m.generation == oac.Generation && m.version == rec.Version &&
		time.Since(m.at) < min(recentSync, r.ResyncPeriod/2)
}

// markSynced records that oac matches the server now.
func (r *Reconciler) markSynced(oac *v1alpha1.OAuthClient, rec *record.Record) {
	r.synced.set(oac.UID, syncMark{generation: oac.Generation, version: rec.Version, at: time.Now()})
}

// syncMarks are the clients' sync marks. A plain map, not a sync.Map: at
// 10,000 clients a sync.Map's trie and boxed values cost about 250 bytes
// an entry more. A mark older than recentSync stands for nothing, so every
// recentSync the map is built anew with the younger ones only (a Go map
// never gives back the room of deleted entries): at steady state it holds
// the clients of the last minute, not every client.
type syncMarks struct {
	mu    sync.Mutex
	m     map[types.UID]syncMark
	swept time.Time
}

func (s *syncMarks) get(uid types.UID) (syncMark, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, ok := s.m[uid]
	return m, ok
}

func (s *syncMarks) set(uid types.UID, m syncMark) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.at.Sub(s.swept) >= recentSync {
		young := make(map[types.UID]syncMark, len(s.m)/2)
		for k, v := range s.m {
			if m.at.Sub(v.at) < recentSync {
				young[k] = v
			}
		}
		s.m, s.swept = young, m.at
	}
	s.m[uid] = m
}

func (s *syncMarks) forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, uid)
}

// event records a Kubernetes event on the OAuthClient. Notes never carry
// secret values.
func (r *Reconciler) event(oac *v1alpha1.OAuthClient, eventType, reason, note string, args ...any) {
	if r.Recorder != nil {
		r.Recorder.Eventf(oac, nil, eventType, reason, reason, note, args...)
	}
}
