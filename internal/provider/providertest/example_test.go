package providertest_test

// This file is a whole provider adapter, written the way a new one is, to
// show what adding one takes: the adapter's package (here, this file), its
// typed block (in a real adapter a struct in api/v1alpha1, in its own
// provider_<name>.go), one Register line (in cmd/main.go), and the
// conformance suite run against its server. Nothing in internal/provider or
// the controllers changes. Its "server" is memoryServer
// (example_server_test.go), a fake named as such, which does everything an
// adapter can claim, so that every test of the suite runs somewhere.

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

// exampleName is the block's name on AuthServerSpec (spec.example).
const exampleName = "example"

// ExampleProvider is the adapter's typed block. In a real adapter it lives
// in api/v1alpha1/provider_example.go, with kubebuilder markers, and is one
// field of ProviderBlocks.
type ExampleProvider struct {
	// Realm is the realm whose clients the operator manages. Required.
	Realm string `json:"realm"`
	// Overlap asks for rotation with overlap (the memory server does both).
	Overlap bool `json:"overlap,omitempty"`
}

// exampleFactory builds the adapter from its own block: provider.Typed
// hands it a *ExampleProvider, or refuses a missing block or one of another
// provider, naming spec.example. Its own checks name their field.
var exampleFactory = provider.Typed(exampleName, func(_ context.Context, cfg provider.Config, block *ExampleProvider) (provider.Provider, error) {
	if block.Realm == "" {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.realm: required", exampleName)
	}
	srv, ok := servers.Load(block.Realm)
	if !ok {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.realm: no realm %q at the server", exampleName, block.Realm)
	}
	token := ""
	if cfg.Management != nil {
		tok, err := cfg.Management.Token()
		if err != nil {
			return nil, fmt.Errorf("obtaining the management token: %w", err)
		}
		token = tok.AccessToken
	}
	return &exampleAdapter{srv: srv.(*memoryServer), token: token, owner: cfg.Owner, overlap: block.Overlap, pageSize: 100}, nil
})

// servers are the memory servers the tests started, by realm; a real
// adapter reaches its server through cfg.Endpoints and cfg.HTTPClient.
var servers sync.Map

// exampleAdapter is the Provider. Each method is one call to the server,
// its answer typed for the controller.
type exampleAdapter struct {
	srv      *memoryServer
	token    string
	owner    string
	overlap  bool
	pageSize int
}

var (
	_ provider.Provider      = (*exampleAdapter)(nil)
	_ provider.SecretRevoker = (*exampleAdapter)(nil)
)

func (a *exampleAdapter) Capabilities() provider.Capabilities {
	caps := provider.Capabilities{
		List: true, CallerChosenID: true, CallerSuppliedSecret: true, SecretReadable: true,
		RegenerateSecret: true, SecretExpiry: true, NativeDisable: true,
	}
	if a.overlap {
		caps.OverlapSecrets, caps.MaxSecrets = true, maxSecrets
	}
	return caps
}

func (a *exampleAdapter) Observe(_ context.Context, clientID string, _ provider.State) (provider.Client, error) {
	c, err := a.srv.get(a.token, clientID)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	return c, nil
}

func (a *exampleAdapter) Create(_ context.Context, spec provider.ClientSpec) (provider.Result, error) {
	c, err := a.srv.create(a.token, a.owner, spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	return provider.Result{Client: c}, nil
}

func (a *exampleAdapter) Update(_ context.Context, clientID string, _ provider.State, spec provider.ClientSpec) (provider.Result, error) {
	c, err := a.srv.update(a.token, clientID, spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	return provider.Result{Client: c}, nil
}

func (a *exampleAdapter) Delete(_ context.Context, clientID string, _ provider.State) error {
	if err := a.srv.delete(a.token, clientID); err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	return nil
}

func (a *exampleAdapter) RotateSecret(_ context.Context, clientID string, _ provider.State) (provider.Result, error) {
	c, err := a.srv.rotate(a.token, clientID, a.overlap)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	return provider.Result{Client: c}, nil
}

func (a *exampleAdapter) RevokeRotatedSecrets(_ context.Context, clientID string, _ provider.State) error {
	if err := a.srv.revoke(a.token, clientID); err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	return nil
}

func (a *exampleAdapter) SetEnabled(_ context.Context, clientID string, _ provider.State, enabled bool) error {
	if err := a.srv.setEnabled(a.token, clientID, enabled); err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	return nil
}

func (a *exampleAdapter) List(_ context.Context, marker, page string) ([]provider.Client, string, error) {
	cs, next, err := a.srv.list(a.token, marker, page, a.pageSize)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	return cs, next, nil
}

// registry is what cmd/main.go builds: adding the adapter is its one line.
func registry() *provider.Registry {
	r := provider.NewRegistry()
	r.Register(exampleName, exampleFactory)
	return r
}

// startRealm starts a memory server for a realm of its own.
func startRealm(t *testing.T) (realm string, srv *memoryServer) {
	t.Helper()
	realm = strings.ReplaceAll(t.Name(), "/", "-")
	srv = newMemoryServer("management-token")
	servers.Store(realm, srv)
	t.Cleanup(func() { servers.Delete(realm) })
	return realm, srv
}

func TestExampleIsBuiltFromItsBlock(t *testing.T) {
	realm, _ := startRealm(t)
	cfg := provider.Config{Block: &ExampleProvider{Realm: realm}, Management: staticToken("management-token"), Owner: "operator-1"}
	p, err := registry().New(t.Context(), exampleName, cfg)
	if err != nil {
		t.Fatalf("New(%s): %v", exampleName, err)
	}
	res, err := p.Create(t.Context(), provider.ClientSpec{ClientName: "orders", Scopes: []string{"read"}})
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if res.Client.ClientID == "" || res.Client.ClientSecret == "" {
		t.Errorf("Create returned client %q with secret set %t", res.Client.ClientID, res.Client.ClientSecret != "")
	}
}

func TestRegistryRefusesABadBlock(t *testing.T) {
	realm, _ := startRealm(t)
	// HydraProvider stands in for the block of another provider.
	type HydraProvider struct{ AdminURL string }
	cases := []struct {
		name  string
		block any
		want  string
	}{
		{"a block of another provider", &HydraProvider{AdminURL: "http://hydra:4445"},
			"spec.example: the adapter takes a *providertest_test.ExampleProvider block, not *providertest_test.HydraProvider"},
		{"the block by value", ExampleProvider{Realm: realm}, "spec.example: the adapter takes a *providertest_test.ExampleProvider block"},
		{"no block", nil, "spec.example: the provider block is missing"},
		{"a nil block", (*ExampleProvider)(nil), "spec.example: the provider block is missing"},
		{"a required field missing", &ExampleProvider{}, "spec.example.realm: required"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := registry().New(t.Context(), exampleName, provider.Config{Block: c.block})
			if err == nil {
				t.Fatalf("New(%s) with %T built %T", exampleName, c.block, p)
			}
			if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("New(%s) with %T: error = %v, want InvalidMetadata saying %q", exampleName, c.block, err, c.want)
			}
		})
	}
	if _, err := registry().New(t.Context(), "keycloak", provider.Config{Block: &ExampleProvider{Realm: realm}}); !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("New(keycloak), which is not registered: error = %v, want Unsupported", err)
	}
}

// TestExampleConformance runs the suite against the example, once with
// rotation in place and once with overlap.
func TestExampleConformance(t *testing.T) {
	for _, overlap := range []bool{false, true} {
		t.Run(fmt.Sprintf("overlap=%t", overlap), func(t *testing.T) {
			realm, srv := startRealm(t)
			build := func(t *testing.T, token, owner string, pageSize int) provider.Provider {
				p, err := registry().New(t.Context(), exampleName, provider.Config{
					Block: &ExampleProvider{Realm: realm, Overlap: overlap}, Management: staticToken(token), Owner: owner,
				})
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				if pageSize > 0 {
					// A real adapter's own config has the page size
					// (hydra.Config.PageSize); the block is for users.
					p.(*exampleAdapter).pageSize = pageSize
				}
				return p
			}
			providertest.Run(t, providertest.Harness{
				New:             func(t *testing.T) provider.Provider { return build(t, "management-token", "conformance", 0) },
				NewUnauthorized: func(t *testing.T) provider.Provider { return build(t, "wrong-token", "conformance", 0) },
				NewWith: func(t *testing.T, o providertest.Options) provider.Provider {
					return build(t, "management-token", o.Owner, o.PageSize)
				},
				CanAuthenticate: srv.token,
				ValidSpec:       providertest.ClientCredentialsSpecs(),
				InvalidSpec:     providertest.FragmentRedirectSpec,
			})
		})
	}
}
