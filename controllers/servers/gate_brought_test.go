package servers

import (
	"context"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// broughtProvider has the optional interfaces of brought credentials.
type broughtProvider struct {
	provider.Provider
	verified, set int
}

func (b *broughtProvider) Verify(context.Context, string, string, provider.ClientSpec) error {
	b.verified++
	return nil
}

func (b *broughtProvider) SetSecret(context.Context, string, provider.State, string) (provider.Result, error) {
	b.set++
	return provider.Result{}, nil
}

// The gate hands out an adapter's Verifier and SecretSetter, calls passing
// it, and nil for an adapter without them.
func TestGateHandsOutVerifierAndSecretSetter(t *testing.T) {
	g := &gate{limit: 1}
	inner := &broughtProvider{}
	p := g.wrap(inner, nil)
	w, ok := p.(interface {
		Verifier() provider.Verifier
		SecretSetter() provider.SecretSetter
	})
	if !ok {
		t.Fatal("the gated provider hands out neither")
	}
	if err := w.Verifier().Verify(t.Context(), "c", "s", provider.ClientSpec{}); err != nil {
		t.Fatal(err)
	}
	if _, err := w.SecretSetter().SetSecret(t.Context(), "c", nil, "s"); err != nil {
		t.Fatal(err)
	}
	if inner.verified != 1 || inner.set != 1 || !g.idle() {
		t.Errorf("verified %d, set %d, idle %v; want one call each through the gate", inner.verified, inner.set, g.idle())
	}
	plain := g.wrap(newHeldProvider(), nil).(interface {
		Verifier() provider.Verifier
		SecretSetter() provider.SecretSetter
	})
	if plain.Verifier() != nil || plain.SecretSetter() != nil {
		t.Error("an adapter without them got a Verifier or SecretSetter")
	}
}
