package controllers

import (
	"sync"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Server is a Ready authorization server as the OAuthClient controller sees
// it: a provider built from the AuthServer's spec and credentials, and the
// endpoints written into delivered Secrets.
type Server struct {
	Provider  provider.Provider
	Endpoints provider.Endpoints

	// checked fingerprints the spec generation and credential values the
	// provider was built from (a hash: never the values themselves), and
	// checkedAt is when discovery and credentials were last proven.
	checked   string
	checkedAt time.Time
}

// ServerKey identifies an AuthServer ("AuthServer", namespace, name) or a
// ClusterAuthServer ("ClusterAuthServer", "", name).
type ServerKey struct {
	Kind, Namespace, Name string
}

// Servers holds the servers that the AuthServer controller found Ready. The
// OAuthClient controller reads it, so no reconcile of a client ever repeats
// discovery or reads management credentials.
type Servers struct {
	mu sync.RWMutex
	m  map[ServerKey]*Server
	// ready announces a server that became Ready, so the clients that wait
	// for it are reconciled at once (e.g. right after the manager starts).
	ready chan event.GenericEvent
}

// NewServers returns an empty set.
func NewServers() *Servers {
	return &Servers{m: map[ServerKey]*Server{}, ready: make(chan event.GenericEvent, 1024)}
}

// Ready yields the server objects that became Ready.
func (s *Servers) Ready() <-chan event.GenericEvent { return s.ready }

// Get returns the server for key, or nil when it is not Ready.
func (s *Servers) Get(key ServerKey) *Server {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[key]
}

// Current reports whether the server at key was proven with the same spec
// and credentials (fingerprint) less than maxAge ago.
func (s *Servers) Current(key ServerKey, fingerprint string, maxAge time.Duration) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	srv := s.m[key]
	return srv != nil && srv.checked == fingerprint && time.Since(srv.checkedAt) < maxAge
}

// Set records a Ready server; obj is the AuthServer or ClusterAuthServer.
// The server's clients are woken when it is new or its credentials changed,
// so those waiting (e.g. refused with the old credentials) try at once.
func (s *Servers) Set(key ServerKey, srv *Server, obj client.Object) {
	s.mu.Lock()
	prev, known := s.m[key]
	s.m[key] = srv
	s.mu.Unlock()
	if !known || prev.checked != srv.checked {
		// A copy: the caller goes on to write obj's status.
		s.ready <- event.GenericEvent{Object: obj.DeepCopyObject().(client.Object)}
	}
}

// Remove forgets a server that is gone or not Ready.
func (s *Servers) Remove(key ServerKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}
