package hydra

import (
	"context"
	"fmt"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// SetSecret makes secret the client's secret with one JSON Patch of
// client_secret: the secret of spec.credentialsFrom changed. It makes the
// adapter a provider.SecretSetter.
func (p *Provider) SetSecret(ctx context.Context, clientID string, _ provider.State, secret string) (provider.Result, error) {
	if err := checkClientID(clientID); err != nil {
		return provider.Result{}, err
	}
	if secret == "" {
		return provider.Result{}, provider.Errorf(provider.KindInvalidMetadata, "spec.credentialsFrom: the brought secret is empty")
	}
	c, err := p.patch(ctx, clientID, []patchOp{{Op: "add", Path: "/" + fieldClientSecret, Value: secret}}, secret)
	if err != nil {
		return provider.Result{}, fmt.Errorf("setting the secret of client %q: %w", clientID, err)
	}
	c.ClientSecret = secret
	return provider.Result{Client: c.client()}, nil
}
