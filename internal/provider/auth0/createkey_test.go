package auth0_test

import (
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
)

// TestCreateKeyIsReportedBack: the create key a client was made with is
// reported by Observe and List, so that the controller finds its own
// client after its record was lost.
func TestCreateKeyIsReportedBack(t *testing.T) {
	t.Parallel()
	srv := auth0fake.Start(t)
	p := newAdapter(t, srv, func(c *auth0.Config) { c.Owner = "mine" })
	spec := machine(srv, "keyed", "read")
	spec.CreateKey = "uid-1-1"
	c := mustCreate(t, p, spec)
	got, err := p.Observe(t.Context(), c.ClientID, nil)
	if err != nil || got.Spec.CreateKey != "uid-1-1" {
		t.Errorf("Observe: create key %q (%v), want uid-1-1", got.Spec.CreateKey, err)
	}
	listed, err := provider.ListAll(t.Context(), p, "mine")
	if err != nil || len(listed) != 1 || listed[0].Spec.CreateKey != "uid-1-1" {
		t.Errorf("List: %+v (%v), want the client with create key uid-1-1", listed, err)
	}
}
