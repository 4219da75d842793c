package servers

import (
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// namedProvider tells one adapter instance from another.
type namedProvider struct {
	provider.Provider
	name string
}

// A server proven again with the same inputs keeps the adapter that has
// learned about it; changed inputs or endpoints bring the new one.
func TestSetKeepsTheAdapterOfUnchangedInputs(t *testing.T) {
	r := NewRegistry()
	key := Key{Kind: v1alpha1.KindAuthServer, Namespace: "team", Name: "wso2"}
	obj := &v1alpha1.AuthServer{}
	ep := provider.Endpoints{Issuer: "https://id.example.com", Token: "https://id.example.com/token"} //nolint:gosec // G101: endpoint URLs, not credentials
	set := func(name, fingerprint string, ep provider.Endpoints) string {
		r.Set(key, &Server{Name: "asgardeo", Provider: &namedProvider{name: name}, Endpoints: ep}, fingerprint, obj)
		return r.Get(key).Provider.(*namedProvider).name
	}
	if got := set("first", "inputs-1", ep); got != "first" {
		t.Fatalf("a new server has adapter %q, want first", got)
	}
	if got := set("second", "inputs-1", ep); got != "first" {
		t.Errorf("proven again with the same inputs: adapter %q, want the first kept", got)
	}
	if got := set("third", "inputs-2", ep); got != "third" {
		t.Errorf("changed inputs: adapter %q, want the new one", got)
	}
	moved := ep
	moved.Token = "https://id.example.com/oauth2/token"
	if got := set("fourth", "inputs-2", moved); got != "fourth" {
		t.Errorf("changed endpoints: adapter %q, want the new one", got)
	}
}
