package hydra_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/discovery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/dynamicregistration"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	hydrasrv "github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// newDynamicRegistration builds the RFC 7591/7592 adapter for srv from its
// discovery document, as an AuthServer with a dynamicRegistration block
// does. Hydra's registration is open: no initial access token.
func newDynamicRegistration(t *testing.T, srv *hydrasrv.Server) provider.Provider {
	t.Helper()
	ep, err := discovery.Fetch(t.Context(), nil, srv.Issuer)
	if err != nil {
		t.Fatalf("discovering %s: %v", srv.Issuer, err)
	}
	p, err := dynamicregistration.New(t.Context(), provider.Config{Endpoints: ep})
	if err != nil {
		t.Fatalf("dynamicregistration.New: %v", err)
	}
	return p
}

// TestDynamicRegistrationConformance runs the conformance suite with the
// dynamic-registration adapter against the same real Hydra.
func TestDynamicRegistrationConformance(t *testing.T) {
	t.Parallel()
	srv := startHydra(t)
	var n atomic.Int64
	providertest.Run(t, providertest.Harness{
		New: func(t *testing.T) provider.Provider { return newDynamicRegistration(t, srv) },
		CanAuthenticate: func(ctx context.Context, id, secret, scope string) error {
			_, err := srv.ClientCredentialsToken(ctx, id, secret, scope)
			return err
		},
		ValidSpec: func(t *testing.T) provider.ClientSpec {
			return provider.ClientSpec{
				ClientName:              fmt.Sprintf("dcr-conformance-%s-%d", t.Name(), n.Add(1)),
				GrantTypes:              []string{"client_credentials"},
				Scopes:                  []string{"read", "write"},
				TokenEndpointAuthMethod: "client_secret_basic",
			}
		},
		InvalidSpec: func(*testing.T) provider.ClientSpec {
			return provider.ClientSpec{
				ClientName:   "dcr-conformance-invalid",
				GrantTypes:   []string{"authorization_code"},
				RedirectURIs: []string{"https://app.example/callback#fragment"},
			}
		},
	})
}

// TestDynamicRegistrationAgainstHydraFacts pins what the dynamic-registration
// adapter sees at Hydra v2.3.0 behind the three defects of issue 11. Each
// subtest asserts today's behaviour and says what a fix must deal with; one
// that starts failing means the adapter changed: turn it into a regression
// test of the fix.
func TestDynamicRegistrationAgainstHydraFacts(t *testing.T) {
	t.Parallel()
	srv := startHydra(t)
	dcr := newDynamicRegistration(t, srv)
	ctx := t.Context()

	// Defect 1 (fixed): a spec without scopes gets Hydra's default scope;
	// the adapter's own verdict says that default is not drift, so a resync
	// sends no update (each would be a PUT that rotates the registration
	// access token, and a private-record write, without changing the scope).
	t.Run("DefaultScopeIsNotDrift", func(t *testing.T) {
		desired := provider.ClientSpec{ClientName: "dcr-no-scopes", GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "client_secret_basic"}
		res, err := dcr.Create(ctx, desired)
		if err != nil {
			t.Fatal(err)
		}
		id, state := res.Client.ClientID, res.State
		t.Cleanup(func() { _ = dcr.Delete(context.Background(), id, state) })
		for i := range 2 {
			got, err := dcr.Observe(ctx, id, state)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Spec.Scopes, hydrasrv.HydraDefaultScope) {
				t.Fatalf("resync %d: observed scopes %v, want Hydra's default %v", i+1, got.Spec.Scopes, hydrasrv.HydraDefaultScope)
			}
			if d := provider.Diff(dcr, desired, got); len(d) > 0 {
				t.Fatalf("resync %d: the adapter reports drift %v for Hydra's default scope", i+1, d)
			}
		}
		withScope := desired
		withScope.Scopes = []string{"read"}
		got, err := dcr.Observe(ctx, id, state)
		if err != nil {
			t.Fatal(err)
		}
		if d := provider.Diff(dcr, withScope, got); !slices.Equal(d, []string{"scopes"}) {
			t.Errorf("a manifest that asks for scopes: drift %v, want [scopes]", d)
		}
	})

	// Defect 2: an admin PUT of a dynamically registered client (someone
	// "replaces" it through Hydra's admin API) voids its registration
	// access token. The adapter then reports NotFound on Observe (RFC 7592
	// 401), so the controller registers a new client; and Delete with the
	// void token answers nil (401 counts as gone) while the old client stays
	// at Hydra and its secret keeps working: a leaked live credential.
	t.Run("Defect2_AdminPutLeavesALiveClientBehind", func(t *testing.T) {
		desired := provider.ClientSpec{ClientName: "dcr-admin-put", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}, TokenEndpointAuthMethod: "client_secret_basic"}
		res, err := dcr.Create(ctx, desired)
		if err != nil {
			t.Fatal(err)
		}
		id, secret := res.Client.ClientID, res.Client.ClientSecret
		t.Cleanup(func() { _, _, _ = srv.Admin(context.Background(), http.MethodDelete, "/admin/clients/"+id, nil) })

		status, _, err := srv.Admin(ctx, http.MethodPut, "/admin/clients/"+id, map[string]any{
			"client_name": "hand-put", "grant_types": []string{"client_credentials"}, "scope": "read",
		})
		if err != nil || status != http.StatusOK {
			t.Fatalf("admin PUT: %d, %v", status, err)
		}
		_, err = dcr.Observe(ctx, id, res.State)
		if !errors.Is(err, provider.ErrNotFound) {
			t.Fatalf("Observe after the admin PUT: error = %v, want NotFound (Hydra answers 401)", err)
		}
		if err := dcr.Delete(ctx, id, res.State); err != nil {
			t.Fatalf("Delete with the void token: error = %v, want nil (401 is taken as gone)", err)
		}
		if _, found, err := srv.AdminClient(ctx, id); err != nil || !found {
			t.Fatalf("after Delete the client is at Hydra: %t (%v); want true (the leak)", found, err)
		}
		if _, err := srv.ClientCredentialsToken(ctx, id, secret, "read"); err != nil {
			t.Fatalf("the old secret after Delete: %v; want it still working (the leak)", err)
		}
	})

	// An admin PATCH, by contrast, keeps the token.
	t.Run("AdminPatchKeepsTheRegistrationAccessToken", func(t *testing.T) {
		res, err := dcr.Create(ctx, provider.ClientSpec{ClientName: "dcr-admin-patch", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dcr.Delete(context.Background(), res.Client.ClientID, res.State) })
		status, _, err := srv.Admin(ctx, http.MethodPatch, "/admin/clients/"+res.Client.ClientID,
			[]map[string]any{{"op": "replace", "path": "/client_name", "value": "hand-patched"}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("admin PATCH: %d, %v", status, err)
		}
		got, err := dcr.Observe(ctx, res.Client.ClientID, res.State)
		if err != nil || got.Spec.ClientName != "hand-patched" {
			t.Fatalf("Observe after an admin PATCH: %q, %v", got.Spec.ClientName, err)
		}
	})

	// Defect 3 is in the AuthServer controller, which checks discovery on its
	// own period: the adapter itself reports a stopped Hydra at once, as a
	// transient error, and recovers when it is back.
	t.Run("Defect3_StoppedHydraIsTransientAtOnce", func(t *testing.T) {
		res, err := dcr.Create(ctx, provider.ClientSpec{ClientName: "dcr-down", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = dcr.Delete(context.Background(), res.Client.ClientID, res.State) })
		if err := srv.Stop(); err != nil {
			t.Fatal(err)
		}
		_, err = dcr.Observe(ctx, res.Client.ClientID, res.State)
		if provider.KindOf(err) != provider.KindTransient {
			t.Errorf("Observe with Hydra stopped: error = %v, want Transient", err)
		}
		if _, err := discovery.Fetch(ctx, nil, srv.Issuer); err == nil {
			t.Error("discovery with Hydra stopped succeeded")
		}
		if err := srv.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := dcr.Observe(ctx, res.Client.ClientID, res.State); err != nil {
			t.Errorf("Observe after Hydra is back: %v", err)
		}
	})
}
