package provider

import "context"

// Verifier is implemented by adapters that know how their server's clients
// authenticate at its token endpoint (a preRegistered server's configured
// style, extra headers and parameters). Verify obtains one token with the
// client's credentials and scopes: nil when the server accepted them, else
// the server's answer as a KindUnauthorized error (its OAuth error code in
// Code, its description, never a secret). The controller verifies brought
// credentials (spec.credentialsFrom) with it, and with the client's own
// tokenEndpointAuthMethod at adapters that do not implement it.
type Verifier interface {
	Verify(ctx context.Context, clientID, secret string, spec ClientSpec) error
}

// SecretSetter is implemented by adapters whose server lets the caller set
// an existing client's secret (CallerSuppliedSecret): SetSecret makes
// secret the client's only secret. The controller uses it when the Secret
// of spec.credentialsFrom changes; without it, it registers a replacement
// client with the new secret.
type SecretSetter interface {
	SetSecret(ctx context.Context, clientID string, state State, secret string) (Result, error)
}
