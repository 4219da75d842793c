package controllers

import (
	"sync"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Server is a Ready authorization server as the OAuthClient controller sees
// it: a provider built from the AuthServer's spec and credentials, and the
// endpoints written into delivered Secrets.
type Server struct {
	Provider  provider.Provider
	Endpoints provider.Endpoints
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
}

// NewServers returns an empty set.
func NewServers() *Servers { return &Servers{m: map[ServerKey]*Server{}} }

// Get returns the server for key, or nil when it is not Ready.
func (s *Servers) Get(key ServerKey) *Server {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.m[key]
}

// Set records a Ready server.
func (s *Servers) Set(key ServerKey, srv *Server) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[key] = srv
}

// Remove forgets a server that is gone or not Ready.
func (s *Servers) Remove(key ServerKey) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
}
