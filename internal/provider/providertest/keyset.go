package providertest

import (
	"slices"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// testKeySet is what rotation by key overlap needs of a server that claims
// KeySet: a private_key_jwt client created with one public key lists that
// key, an update to two keys lists both, and an update back to the new one
// lists only it. No secret is issued or needed.
func testKeySet(t *testing.T, h Harness, _ provider.Capabilities) {
	p := h.New(t)
	oldKey, newKey := newPair(t), newPair(t)
	spec := validSpec(t, h)
	spec.TokenEndpointAuthMethod = "private_key_jwt"
	spec.JWKS = keys.Set(oldKey)
	r := create(t, p, spec)
	if r.secret != "" {
		t.Errorf("Create of a private_key_jwt client returned a client secret")
	}
	wantKeys(t, p, r, oldKey.KeyID)

	for _, step := range []struct {
		what string
		set  []keys.Pair
	}{
		{"both keys (a rotation's overlap)", []keys.Pair{newKey, oldKey}},
		{"the new key only (the grace period ended)", []keys.Pair{newKey}},
	} {
		spec.JWKS = keys.Set(step.set...)
		res, err := p.Update(callContext(t), r.id, r.state, spec)
		if err != nil {
			t.Fatalf("Update(%q) to %s: %v", r.id, step.what, err)
		}
		r.adopt(res)
		var ids []string
		for _, k := range step.set {
			ids = append(ids, k.KeyID)
		}
		wantKeys(t, p, r, ids...)
	}
}

// wantKeys fails t unless the server reports exactly the key IDs ids for
// the client, and a public key set only.
func wantKeys(t *testing.T, p provider.Provider, r *registered, ids ...string) {
	t.Helper()
	got, err := p.Observe(callContext(t), r.id, r.state)
	if err != nil {
		t.Fatalf("Observe(%q): %v", r.id, err)
	}
	if got.Spec.TokenEndpointAuthMethod != "" && got.Spec.TokenEndpointAuthMethod != "private_key_jwt" {
		t.Errorf("the server reports token endpoint auth method %q, want private_key_jwt", got.Spec.TokenEndpointAuthMethod)
	}
	listed := provider.KeyIDs(got.Spec.JWKS)
	if !provider.SameSet(listed, ids) || len(listed) != len(ids) {
		t.Errorf("the server lists key IDs %v, want %v", listed, ids)
	}
	if slices.Contains(provider.Drift(provider.ClientSpec{JWKS: r.spec.JWKS}, got.Spec), "jwks") && len(ids) == 1 && len(provider.KeyIDs(r.spec.JWKS)) == 1 && provider.KeyIDs(r.spec.JWKS)[0] == ids[0] {
		t.Errorf("the key set the server reports looks like drift from the one sent")
	}
}

func newPair(t *testing.T) keys.Pair {
	t.Helper()
	k, err := keys.Generate(keys.ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
