package servers

import (
	"context"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Verifier is the adapter's provider.Verifier with its calls passing the
// gate; nil when the adapter has none.
func (x *gated) Verifier() provider.Verifier {
	v, ok := x.p.(provider.Verifier)
	if !ok {
		return nil
	}
	return gatedVerifier{x, v}
}

// SecretSetter is the adapter's provider.SecretSetter with its calls
// passing the gate; nil when the adapter has none.
func (x *gated) SecretSetter() provider.SecretSetter {
	s, ok := x.p.(provider.SecretSetter)
	if !ok {
		return nil
	}
	return gatedSetter{x, s}
}

type gatedVerifier struct {
	x *gated
	v provider.Verifier
}

func (g gatedVerifier) Verify(ctx context.Context, clientID, secret string, spec provider.ClientSpec) error {
	if err := g.x.g.enter(ctx, g.x.b); err != nil {
		return err
	}
	err := g.v.Verify(ctx, clientID, secret, spec)
	g.x.g.leave(err)
	return err
}

type gatedSetter struct {
	x *gated
	s provider.SecretSetter
}

func (g gatedSetter) SetSecret(ctx context.Context, clientID string, state provider.State, secret string) (provider.Result, error) {
	if err := g.x.g.enter(ctx, g.x.b); err != nil {
		return provider.Result{}, err
	}
	res, err := g.s.SetSecret(ctx, clientID, state, secret)
	g.x.g.leave(err)
	return res, err
}
