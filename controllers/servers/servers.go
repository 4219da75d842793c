// Package servers is what the OAuthClient and AuthServer controllers share:
// the registry of Ready authorization servers, and the index that finds the
// OAuthClients of a server.
package servers

import (
	"net/http"
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/ratelimit"
)

// Server is a Ready authorization server as the OAuthClient controller sees
// it: a provider built from the AuthServer's spec and credentials, and the
// endpoints written into delivered Secrets.
type Server struct {
	// Name is the JSON name of the server's provider block, e.g. "hydra".
	Name      string
	Provider  provider.Provider
	Endpoints provider.Endpoints
	// Owner is the ownership marker the adapter puts on the clients it
	// creates, which List filters by.
	Owner string
	// Budget is the server's request budget (nil: none), which its calls
	// consult before they are sent.
	Budget *ratelimit.Budget
	// HTTPClient reaches the server without management credentials (TLS,
	// timeouts, budget): the token endpoint, where brought credentials
	// are verified.
	HTTPClient *http.Client

	// checked fingerprints the spec generation and credential values the
	// provider was built from (a hash: never the values themselves), and
	// checkedAt is when discovery and credentials were last proven (zero
	// once a client found the server failing: it is proven again at once).
	checked   string
	checkedAt time.Time
	// obj is the server object, to wake its controller.
	obj client.Object
}

// Key identifies an AuthServer (KindAuthServer, namespace, name) or a
// ClusterAuthServer (KindClusterAuthServer, "", name).
type Key struct {
	Kind      v1alpha1.ServerKind
	Namespace string
	Name      string
}

// KeyOf is the key of the server oac refers to. An OAuthClient can only use
// an AuthServer of its own namespace, or a ClusterAuthServer.
func KeyOf(oac *v1alpha1.OAuthClient) Key {
	key := Key{Kind: oac.ServerKind(), Name: oac.Spec.ServerRef.Name}
	if key.Kind == v1alpha1.KindAuthServer {
		key.Namespace = oac.Namespace
	}
	return key
}

// KeyOfObject is the key of a server object.
func KeyOfObject(obj client.Object) Key {
	if _, cluster := obj.(*v1alpha1.ClusterAuthServer); cluster {
		return Key{Kind: v1alpha1.KindClusterAuthServer, Name: obj.GetName()}
	}
	return Key{Kind: v1alpha1.KindAuthServer, Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// Object is an AuthServer or a ClusterAuthServer.
type Object interface {
	client.Object
	ServerSpec() *v1alpha1.AuthServerSpec
	ServerStatus() *v1alpha1.AuthServerStatus
}

// NewObject returns an empty object of kind.
func NewObject(kind v1alpha1.ServerKind) Object {
	if kind == v1alpha1.KindClusterAuthServer {
		return &v1alpha1.ClusterAuthServer{}
	}
	return &v1alpha1.AuthServer{}
}

// Registry holds the servers that the AuthServer controller found Ready.
// The OAuthClient controller reads it, so no reconcile of a client ever
// repeats discovery or reads management credentials.
type Registry struct {
	mu sync.RWMutex
	m  map[Key]*Server
	// ready announces a server that became Ready, so the clients that wait
	// for it are reconciled at once (e.g. right after the manager starts).
	ready chan event.GenericEvent
	// suspect announces, per kind, a Ready server a client found failing,
	// so its controller checks it again at once.
	suspect map[v1alpha1.ServerKind]chan event.GenericEvent
	// callLimit bounds the calls in flight to each server (0: no bound),
	// counted by its gate, which outlives reconnections.
	callLimit int
	gates     map[Key]*gate
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{m: map[Key]*Server{}, gates: map[Key]*gate{}, ready: make(chan event.GenericEvent, 1024), suspect: map[v1alpha1.ServerKind]chan event.GenericEvent{
		v1alpha1.KindAuthServer:        make(chan event.GenericEvent, 1024),
		v1alpha1.KindClusterAuthServer: make(chan event.GenericEvent, 1024),
	}}
}

// LimitCalls bounds the calls in flight to each server at n (n <= 0: no
// bound), so one server that does not answer cannot hold every worker.
// Call it before any server is Set.
func (s *Registry) LimitCalls(n int) { s.callLimit = n }

// Suspects yields the servers of kind that a client found failing.
func (s *Registry) Suspects(kind v1alpha1.ServerKind) <-chan event.GenericEvent {
	return s.suspect[kind]
}

// Suspect says that a client found the Ready server at key failing (it did
// not answer, or answered with a server error): the server is proven again
// at once, so its Ready condition follows what its clients see. Only the
// first report until then wakes its controller; a report never blocks.
func (s *Registry) Suspect(key Key) {
	s.mu.Lock()
	srv := s.m[key]
	first := srv != nil && !srv.checkedAt.IsZero()
	if first {
		srv.checkedAt = time.Time{}
	}
	s.mu.Unlock()
	if !first {
		return
	}
	select {
	case s.suspect[key.Kind] <- event.GenericEvent{Object: srv.obj}:
	default: // a full queue already holds reasons to check
	}
}

// Ready yields the server objects that became Ready.
func (s *Registry) Ready() <-chan event.GenericEvent { return s.ready }

// Get returns the server for key, or nil when it is not Ready.
func (s *Registry) Get(key Key) *Server {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[key]
}

// Current reports whether the server at key was proven with the same spec
// and credentials (fingerprint) less than maxAge ago.
func (s *Registry) Current(key Key, fingerprint string, maxAge time.Duration) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	srv := s.m[key]
	return srv != nil && srv.checked == fingerprint && time.Since(srv.checkedAt) < maxAge
}

// Set records a Ready server, proven now with the inputs fingerprint
// stands for; obj is the AuthServer or ClusterAuthServer. The server's
// clients are woken when it is new or its credentials changed, so those
// waiting (e.g. refused with the old credentials) try at once. A server
// proven again with the same inputs and endpoints keeps the provider it
// had, with what that adapter learned of its server (whether it keeps two
// secrets, say): a new one would not know it until its first call, and a
// rotation decided in between would pick a lesser strategy.
func (s *Registry) Set(key Key, srv *Server, fingerprint string, obj client.Object) {
	srv.checked, srv.checkedAt = fingerprint, time.Now()
	srv.obj = obj.DeepCopyObject().(client.Object)
	s.mu.Lock()
	prev, known := s.m[key]
	switch g := s.gateLocked(key); {
	case known && prev.checked == fingerprint && prev.Name == srv.Name && prev.Endpoints == srv.Endpoints:
		srv.Provider = prev.Provider // already behind the gate
	case g != nil:
		srv.Provider = g.wrap(srv.Provider, srv.Budget)
	}
	s.m[key] = srv
	s.mu.Unlock()
	if !known || prev.checked != srv.checked {
		// A copy: the caller goes on to write obj's status.
		s.ready <- event.GenericEvent{Object: srv.obj}
	}
}

// Remove forgets a server that is gone or not Ready.
func (s *Registry) Remove(key Key) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	if g := s.gates[key]; g != nil && g.idle() {
		// Calls still in flight keep being counted if the server comes back.
		delete(s.gates, key)
	}
}

// gateLocked is the gate of the server at key, made on first use; nil
// without a bound.
func (s *Registry) gateLocked(key Key) *gate {
	if s.callLimit <= 0 {
		return nil
	}
	g := s.gates[key]
	if g == nil {
		g = &gate{limit: s.callLimit}
		s.gates[key] = g
	}
	return g
}
