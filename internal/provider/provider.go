// Package provider is the boundary between the controllers and the
// authorization servers. Every server family implements Provider; the
// controllers only ever see this package, never an adapter.
package provider

import (
	"context"
	"time"
)

// ClientSpec is the desired registration of one OAuth client, in plain values.
type ClientSpec struct {
	// ClientID is the client ID the operator chose, for a server whose
	// Capabilities say CallerChosenID; empty lets the server choose. The
	// same OAuthClient always asks for the same ID, so a create retried
	// after a crash finds the client it made.
	ClientID string
	// ClientName is the human readable display name.
	ClientName string
	// Description is free text, sent where the server supports it.
	Description string
	// GrantTypes such as client_credentials or authorization_code.
	GrantTypes []string
	// Scopes the client may request.
	Scopes []string
	// Audience the client's tokens are for, where the server supports it.
	Audience []string
	// RedirectURIs for authorization_code clients.
	RedirectURIs []string
	// TokenEndpointAuthMethod such as client_secret_basic or none.
	TokenEndpointAuthMethod string
	// Extra holds provider-specific metadata, passed through as given.
	Extra map[string]string
}

// Client is what a server reports about one registered client.
type Client struct {
	// ClientID is the server-assigned identifier.
	ClientID string
	// ClientSecret is set when the server returned one (on create, on
	// rotation, or when it lets the secret be read later).
	ClientSecret string
	// SecretExpiresAt is zero when the secret does not expire.
	SecretExpiresAt time.Time
	// Spec is the registration as the server holds it.
	Spec ClientSpec
	// Enabled is false when the server's own switch has disabled the client.
	Enabled bool
}

// State is opaque per-provider registration state (for example an RFC 7592
// registration access token). The controller stores it durably and privately
// and hands it back on every call. It is a credential: never log it.
type State map[string]string

// Result is what a call that changes a client returns.
type Result struct {
	Client Client
	// State replaces the stored state when not nil.
	State State
}

// Capabilities tell the controller which strategies a server allows.
type Capabilities struct {
	// CallerSuppliedSecret: the operator may choose the secret value.
	CallerSuppliedSecret bool
	// SecretReadable: the secret can be read back after creation.
	SecretReadable bool
	// RegenerateSecret: RotateSecret replaces the secret in place.
	RegenerateSecret bool
	// OverlapSecrets: the server keeps two valid secrets during rotation.
	OverlapSecrets bool
	// NativeDisable: SetEnabled uses the server's own switch.
	NativeDisable bool
	// List: the server can list or search clients (used for adoption and
	// orphan clean-up).
	List bool
	// CallerChosenID: Create honours ClientSpec.ClientID, and a create of an
	// ID that exists with this operator's marker takes that client over.
	CallerChosenID bool
}

// Differ is implemented by adapters whose server fills in defaults or
// reports fields differently from how they were sent: Diff lists the fields
// in which observed differs from desired, in the server's own terms, so a
// default is not drift. Other adapters get Drift.
type Differ interface {
	Diff(desired ClientSpec, observed Client) []string
}

// Diff asks p whether the observed client is up to date: p's own verdict
// when it has one, else the generic comparison.
func Diff(p Provider, desired ClientSpec, observed Client) []string {
	if d, ok := p.(Differ); ok {
		return d.Diff(desired, observed)
	}
	return Drift(desired, observed.Spec)
}

// Provider manages OAuth clients at one authorization server.
type Provider interface {
	// Capabilities reports what this server can do.
	Capabilities() Capabilities
	// Observe reads the client. It returns an error matching ErrNotFound when
	// the server no longer knows it.
	Observe(ctx context.Context, clientID string, state State) (Client, error)
	// Create registers a new client. The returned Result carries the
	// credentials and the state to keep.
	Create(ctx context.Context, spec ClientSpec) (Result, error)
	// Update makes the server's registration match spec.
	Update(ctx context.Context, clientID string, state State, spec ClientSpec) (Result, error)
	// Delete removes the client. Deleting a client that is already gone is
	// not an error.
	Delete(ctx context.Context, clientID string, state State) error
	// RotateSecret issues a new secret for the client, when
	// Capabilities().RegenerateSecret or OverlapSecrets is set.
	RotateSecret(ctx context.Context, clientID string, state State) (Result, error)
	// SetEnabled switches the client on or off, when
	// Capabilities().NativeDisable is set.
	SetEnabled(ctx context.Context, clientID string, state State, enabled bool) error
}
