package hydra_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/hydra"
)

// Both adapters register spec.audience at a real Hydra, which keeps it:
// the admin API and RFC 7591 registration (issue 12, defect 4).
func TestAudienceIsRegisteredAtHydra(t *testing.T) {
	t.Parallel()
	srv := startHydra(t)
	admin, err := hydra.New(hydra.Config{AdminURL: srv.AdminURL, PublicIssuer: srv.Issuer, Owner: "audience-test"})
	if err != nil {
		t.Fatal(err)
	}
	audience := []string{"https://api.example.com", "urn:orders"}
	for name, p := range map[string]provider.Provider{"admin API": admin, "dynamic registration": newDynamicRegistration(t, srv)} {
		t.Run(name, func(t *testing.T) {
			if !p.Capabilities().Audience {
				t.Fatal("the adapter does not claim Audience")
			}
			spec := provider.ClientSpec{ClientName: "audience-" + name, GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"},
				TokenEndpointAuthMethod: "client_secret_basic", Audience: audience}
			res, err := p.Create(t.Context(), spec)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			t.Cleanup(func() { _ = p.Delete(context.Background(), res.Client.ClientID, res.State) })
			held, found, err := srv.AdminClient(t.Context(), res.Client.ClientID)
			if err != nil || !found {
				t.Fatalf("reading the client at Hydra: %v, %v", found, err)
			}
			if got := fmt.Sprint(held["audience"]); got != fmt.Sprint(audience) {
				t.Errorf("Hydra holds audience %s, want %v", got, audience)
			}
			got, err := p.Observe(t.Context(), res.Client.ClientID, res.State)
			if err != nil {
				t.Fatal(err)
			}
			if d := provider.Diff(p, spec, got); len(d) != 0 {
				t.Errorf("drift %v right after registration", d)
			}
		})
	}
}
