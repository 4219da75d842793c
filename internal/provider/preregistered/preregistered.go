// Package preregistered is the adapter for a server without a management
// API: a person creates each client in the server's dashboard and brings
// its ID and secret in the Secret that the OAuthClient's
// spec.credentialsFrom names. The adapter changes nothing at the server:
// Create and Update hand back the brought credentials, Delete has nothing to
// remove, and Verify proves the credentials by obtaining a token at the
// token endpoint with the configured client authentication.
package preregistered

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the block's JSON name on AuthServerSpec.
const Name = "preRegistered"

// Config is what the adapter needs: the token endpoint and how clients
// authenticate there.
type Config struct {
	// TokenURL is the server's token endpoint.
	TokenURL string
	// HTTPClient carries the TLS settings and timeouts; nil means
	// http.DefaultClient.
	HTTPClient *http.Client
	// Style is how the client ID and secret are sent (default Basic).
	Style v1alpha1.AuthStyle
	// ExtraParams are added to the token request body; ExtraHeaders to
	// the request.
	ExtraParams  map[string]string
	ExtraHeaders map[string]string
}

// Factory builds the adapter from the AuthServer's preRegistered block.
var Factory = provider.Typed(Name, func(_ context.Context, cfg provider.Config, b *v1alpha1.PreRegisteredProvider) (*Provider, error) {
	c := Config{TokenURL: cfg.Endpoints.Token, HTTPClient: cfg.HTTPClient}
	if a := b.ClientAuthentication; a != nil {
		c.Style, c.ExtraParams, c.ExtraHeaders = v1alpha1.AuthStyle(a.Style), a.ExtraParams, a.ExtraHeaders
	}
	return New(c)
})

// Provider verifies pre-registered clients at one server.
type Provider struct{ cfg Config }

// New checks cfg and returns the adapter. It makes no network call.
func New(cfg Config) (*Provider, error) {
	if cfg.TokenURL == "" {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.endpoints.token: the server advertises no token endpoint; set one")
	}
	switch cfg.Style {
	case "":
		cfg.Style = v1alpha1.AuthStyleBasic
	case v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleForm, v1alpha1.AuthStyleJSON:
	default:
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.preRegistered.clientAuthentication.style: %q is not one of Basic, Form, JSON", cfg.Style)
	}
	// The same checks a verification makes, with stand-in credentials, so a
	// bad header or parameter is reported on the AuthServer, not later on
	// every OAuthClient.
	if err := source(cfg, "client", "secret", provider.ClientSpec{}).Validate(); err != nil {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.preRegistered.clientAuthentication: %s",
			strings.TrimPrefix(err.Error(), "clientCredentials."))
	}
	return &Provider{cfg: cfg}, nil
}

// Capabilities says that nothing is managed: the caller brings ID and secret.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{PreRegistered: true}
}

// Verify obtains one token with the client's credentials.
func (p *Provider) Verify(_ context.Context, clientID, secret string, spec provider.ClientSpec) error {
	if err := mgmtauth.Verify(p.cfg.HTTPClient, source(p.cfg, clientID, secret, spec)); err != nil {
		return fmt.Errorf("verifying client %s at %s: %w", clientID, p.cfg.TokenURL, err)
	}
	return nil
}

// source is the client credentials request that verifies one client.
func source(cfg Config, clientID, secret string, spec provider.ClientSpec) mgmtauth.Source {
	cc := &mgmtauth.ClientCredentials{
		TokenURL: cfg.TokenURL, ClientID: clientID, ClientSecret: secret,
		Scopes: slices.Clone(spec.Scopes), AuthStyle: cfg.Style,
		ExtraParams: cfg.ExtraParams, ExtraHeaders: cfg.ExtraHeaders,
	}
	return mgmtauth.Source{ClientCredentials: cc}
}

// Create registers nothing: it hands back the brought credentials. The
// controller verifies them before they are delivered.
func (p *Provider) Create(_ context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if spec.ClientID == "" || spec.ClientSecret == "" {
		return provider.Result{}, provider.Errorf(provider.KindInvalidMetadata,
			"spec.credentialsFrom: required on a preRegistered server, with clientIDKey: a person creates the client in the server's dashboard")
	}
	return provider.Result{Client: provider.Client{ClientID: spec.ClientID, ClientSecret: spec.ClientSecret, Spec: spec, Enabled: true}}, nil
}

// Observe reports the client as the manifest wants it: the server cannot
// be asked.
func (p *Provider) Observe(_ context.Context, clientID string, _ provider.State) (provider.Client, error) {
	return provider.Client{ClientID: clientID, Enabled: true}, nil
}

// Diff finds nothing: what the dashboard holds cannot be read.
func (p *Provider) Diff(provider.ClientSpec, provider.Client) []string { return nil }

// Update changes nothing at the server.
func (p *Provider) Update(_ context.Context, clientID string, _ provider.State, spec provider.ClientSpec) (provider.Result, error) {
	return provider.Result{Client: provider.Client{ClientID: clientID, Spec: spec, Enabled: true}}, nil
}

// Delete has nothing to remove: the client stays in the dashboard.
func (p *Provider) Delete(context.Context, string, provider.State) error { return nil }

// RotateSecret is for a person at the dashboard.
func (p *Provider) RotateSecret(context.Context, string, provider.State) (provider.Result, error) {
	return provider.Result{}, provider.Errorf(provider.KindUnsupported, "a preRegistered server's secrets are rotated by a person at its dashboard")
}

// SetEnabled is for a person at the dashboard.
func (p *Provider) SetEnabled(context.Context, string, provider.State, bool) error {
	return provider.Errorf(provider.KindUnsupported, "a preRegistered server's clients are switched off at its dashboard")
}

// List cannot ask the server.
func (p *Provider) List(context.Context, string, string) ([]provider.Client, string, error) {
	return nil, "", provider.Errorf(provider.KindUnsupported, "a preRegistered server cannot list its clients")
}
