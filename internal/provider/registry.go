package provider

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"slices"
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
	// Block is the AuthServer's typed provider block, a pointer to its
	// struct in api/v1alpha1 (e.g. *v1alpha1.HydraProvider). Typed hands it
	// to the adapter with its own type.
	Block any
	// Owner is the ownership marker of this operator instance; adapters
	// whose server can store one put it on every client they create.
	Owner string
}

// Typed wraps an adapter constructor that takes its own provider block, so
// the adapter never sees another block's type: a missing block, or a block
// of another provider, is refused with an error naming spec.<name>. build
// may return its own adapter type (its New's result as it is): a failed
// build is a nil Provider, never a nil pointer in one.
func Typed[B any, P Provider](name string, build func(ctx context.Context, cfg Config, block *B) (P, error)) Factory {
	return func(ctx context.Context, cfg Config) (Provider, error) {
		if cfg.Block == nil {
			return nil, Errorf(KindInvalidMetadata, "spec.%s: the provider block is missing", name)
		}
		block, ok := cfg.Block.(*B)
		if !ok {
			return nil, Errorf(KindInvalidMetadata, "spec.%s: the adapter takes a %T block, not %T", name, (*B)(nil), cfg.Block)
		}
		if block == nil {
			return nil, Errorf(KindInvalidMetadata, "spec.%s: the provider block is missing", name)
		}
		p, err := build(ctx, cfg, block)
		if err != nil {
			return nil, err
		}
		return p, nil
	}
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
	return slices.Sorted(maps.Keys(r.factories))
}
