package controllers_test

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// A private_key_jwt OAuthClient at a real Ory Hydra v2.3.0 through the
// hydra adapter: Hydra holds only the public key (client jwks), the
// delivered key obtains a token with golang.org/x/oauth2, and a rotation
// by key overlap ends with Hydra holding only the new key, which works,
// while the old one is refused.
func TestKeyBasedClientAtHydra(t *testing.T) {
	ctx := context.Background()
	h, ns := startHydra(t)

	spec := keySpec(rotation(0, 2*time.Second))
	spec.ServerRef = v1alpha1.ServerReference{Name: "hydra"}
	newClient(t, ns, "svc", spec)
	waitReady(t, ns, "svc")
	old := keySecretOf(t, ns, "svc")
	if _, ok := old.Data["client_secret"]; ok {
		t.Error("the Secret of a key-based client holds a client_secret")
	}
	hydraKeyIDs := func() []string {
		got, found, err := h.AdminClient(ctx, string(old.Data["client_id"]))
		if err != nil || !found {
			t.Fatalf("reading the client at Hydra: found %v, %v", found, err)
		}
		if got["token_endpoint_auth_method"] != "private_key_jwt" {
			t.Errorf("Hydra holds auth method %v", got["token_endpoint_auth_method"])
		}
		raw, _ := json.Marshal(got["jwks"])
		var set struct {
			Keys []map[string]any `json:"keys"`
		}
		if err := json.Unmarshal(raw, &set); err != nil {
			t.Fatalf("Hydra's jwks: %v", err)
		}
		var ids []string
		for _, k := range set.Keys {
			if _, private := k["d"]; private {
				t.Error("Hydra holds a private key member")
			}
			ids = append(ids, k["kid"].(string))
		}
		return ids
	}
	if ids := hydraKeyIDs(); !slices.Equal(ids, []string{string(old.Data["kid"])}) {
		t.Errorf("Hydra holds key IDs %v, want %s", ids, old.Data["kid"])
	}
	if _, err := keyToken(t, old, "read write"); err != nil {
		t.Fatalf("the delivered key obtains no token at Hydra: %v", err)
	}

	requestRotation(t, ns, "svc", "rotate-1")
	waitVersion(t, ns, "svc", 2)
	cur := keySecretOf(t, ns, "svc")
	if string(cur.Data["client_id"]) != string(old.Data["client_id"]) || string(cur.Data["kid"]) == string(old.Data["kid"]) {
		t.Fatalf("rotation gave client %s kid %s; want the same client with a new key", cur.Data["client_id"], cur.Data["kid"])
	}
	waitFor(t, "Hydra to hold only the new key", func() (bool, string) {
		ids := hydraKeyIDs()
		return slices.Equal(ids, []string{string(cur.Data["kid"])}), "Hydra holds " + string(mustJSON(ids))
	})
	if _, err := keyToken(t, cur, "read"); err != nil {
		t.Fatalf("the new key obtains no token at Hydra: %v", err)
	}
	if _, err := keyToken(t, old, "read"); err == nil {
		t.Error("the old key still obtains a token after its grace period")
	}
}

func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}
