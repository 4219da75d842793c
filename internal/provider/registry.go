package provider

import (
	"context"
	"fmt"
	"net/http"
	"sort"
	"sync"

	"golang.org/x/oauth2"
)

// Endpoints are an authorization server's endpoints, discovered from its
// metadata document or overridden in the AuthServer.
type Endpoints struct {
	Issuer        string
	Token         string
	Registration  string
	Introspection string
	Revocation    string
}

// Config is what an adapter needs to talk to one authorization server.
type Config struct {
	Endpoints Endpoints
	// HTTPClient carries the TLS settings (CA bundle) and timeouts. It adds no
	// authentication.
	HTTPClient *http.Client
	// Management yields the bearer token for the server's management API
	// (an initial access token, a static token, or one obtained with client
	// credentials). Nil when the server needs none.
	Management oauth2.TokenSource
	// Settings are the provider block's own fields, e.g. a realm or tenant.
	Settings map[string]string
}

// Factory builds a Provider for one server.
type Factory func(ctx context.Context, cfg Config) (Provider, error)

// Registry maps a provider block name (e.g. "dynamicRegistration") to the
// adapter that serves it. cmd/main.go fills it; controllers only read it.
type Registry struct {
	mu        sync.RWMutex
	factories map[string]Factory
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{factories: map[string]Factory{}}
}

// Register adds an adapter under name. Registering a name twice panics: it is
// a programming error in main.
func (r *Registry) Register(name string, f Factory) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, dup := r.factories[name]; dup {
		panic(fmt.Sprintf("provider %q registered twice", name))
	}
	r.factories[name] = f
}

// New builds the provider registered under name.
func (r *Registry) New(ctx context.Context, name string, cfg Config) (Provider, error) {
	r.mu.RLock()
	f, ok := r.factories[name]
	r.mu.RUnlock()
	if !ok {
		return nil, Errorf(KindUnsupported, "no provider %q in this build (have %v)", name, r.Names())
	}
	return f(ctx, cfg)
}

// Names lists the registered provider names, sorted.
func (r *Registry) Names() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	names := make([]string, 0, len(r.factories))
	for n := range r.factories {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
