// Package provider is the boundary between the controllers and the
// authorization servers. Every server family implements Provider; the
// controllers only ever see this package, never an adapter.
package provider

import (
	"context"
	"encoding/json"
	"time"
)

// ClientSpec is the desired registration of one OAuth client, in plain values.
type ClientSpec struct {
	// ClientID is the client ID the operator chose, for a server whose
	// Capabilities say CallerChosenID; empty lets the server choose. The
	// same OAuthClient always asks for the same ID, so a create retried
	// after a crash finds the client it made.
	ClientID string
	// CreateKey, set on Create only, is the same for the same OAuthClient
	// and credential version and unique otherwise (the controller uses
	// the value it would choose as ClientID). An adapter whose server chooses the ID but can store
	// metadata with the client may write it there, so that a create
	// retried after a crash finds the client it made instead of making a
	// second one. Adapters that have no use for it ignore it.
	CreateKey string
	// ClientSecret is the secret the operator chose, for a server whose
	// Capabilities say CallerSuppliedSecret; empty lets the server (or the
	// adapter) choose. Create of a server without the capability refuses
	// it (KindUnsupported) rather than hand out another secret. It is a
	// credential: never log a ClientSpec that may hold one. Observe and
	// List never fill it in.
	ClientSecret string
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
	// TokenEndpointAuthMethod such as client_secret_basic, none or
	// private_key_jwt.
	TokenEndpointAuthMethod string
	// JWKS is, for a private_key_jwt client, the JSON Web Key Set (RFC 7517
	// §5) of its public keys: one key, or two during a rotation. Public
	// keys only; sent by Create and Update with the KeySet capability. In
	// an observed Client it is the set the server holds (nil when the
	// server does not report it), compared by key ID (KeyIDs).
	JWKS json.RawMessage
	// Extra holds provider-specific metadata, passed through as given.
	Extra map[string]string
	// Options is the OAuthClient's providerOptions block for this server's
	// kind (a pointer to its typed struct in api/v1alpha1, e.g.
	// *v1alpha1.HydraClientOptions); nil when none is set. The controller
	// hands an adapter only its own kind's block.
	Options any
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

// Capabilities tell the controller which strategies a server allows, and
// the conformance suite (providertest) which tests to run: each flag an
// adapter claims is tested against its server, and each it does not claim
// must fail with KindUnsupported rather than do something else. A flag may
// change once the adapter has learnt more about its server (Hydra learns on
// its first call whether it can overlap secrets); a zero Capabilities is
// an RFC 7591/7592 server.
type Capabilities struct {
	// List: List pages through the server's clients, filtered by the
	// ownership marker. Used by the suite (ListFindsCreatedNotDeleted,
	// ListPages); meant for adoption and orphan clean-up.
	List bool
	// CallerChosenID: Create honours ClientSpec.ClientID, and a create of
	// an ID that exists with this operator's ownership marker takes that
	// client over (a retry after a crash), while one without it is a
	// KindConflict. Used by the controller (it chooses the ID, so a
	// retried create is not made twice) and the suite (CallerChosenID).
	CallerChosenID bool
	// CallerSuppliedSecret: Create honours ClientSpec.ClientSecret. Used by
	// the suite (CallerSuppliedSecret).
	CallerSuppliedSecret bool
	// SecretReadable: Observe returns the client's current secret, so a
	// lost secret can be read back. Used by the suite (SecretReadable).
	SecretReadable bool
	// RegenerateSecret: RotateSecret issues a new secret for the same
	// client ID; without OverlapSecrets the old one stops working at once.
	// Used by the controller (strategy Regenerate) and the suite
	// (RegenerateInvalidatesOldSecret).
	RegenerateSecret bool
	// OverlapSecrets: RotateSecret issues a new secret and the old ones stay
	// valid until the adapter's SecretRevoker ends them (or, with
	// SecretExpiry, until each expires). An adapter that claims it
	// implements SecretRevoker. Used by the controller (strategy Overlap)
	// and the suite (OverlapKeepsOldSecretUntilRevoked).
	OverlapSecrets bool
	// MaxSecrets is, with OverlapSecrets, how many secrets may be valid at
	// once, the newest included (2 for a server that keeps one previous
	// secret); 0 when the server sets no limit. A RotateSecret that would
	// pass the limit fails with KindConflict: revoke first. Used by the
	// suite (OverlapKeepsOldSecretUntilRevoked).
	MaxSecrets int
	// SecretExpiry: every secret the server issues expires; Create and
	// RotateSecret report when in Client.SecretExpiresAt, and with
	// OverlapSecrets each secret keeps its own expiry. (The controller
	// rotates before any reported SecretExpiresAt, claimed or not: an RFC
	// 7591 server may or may not set client_secret_expires_at.) Used by the
	// suite (SecretExpiry).
	SecretExpiry bool
	// NativeDisable: SetEnabled uses the server's own switch, and a
	// disabled client's credentials obtain no token until it is enabled
	// again. Used by the controller (disable in place rather than delete)
	// and the suite (DisableAndEnable).
	NativeDisable bool
	// Audience: Create and Update send ClientSpec.Audience to the server,
	// and either the server registers it or the call fails with
	// KindInvalidMetadata naming spec.audience; it is never ignored.
	// Without it the controller refuses an OAuthClient with spec.audience
	// before anything is registered. Used by the controller.
	Audience bool
	// PreRegistered: the server has no management API; a person creates
	// each client in its dashboard. Create and Update change nothing at
	// the server: they hand back the ID and secret of ClientSpec, which the
	// controller takes from spec.credentialsFrom (it refuses an OAuthClient
	// without one), verifies (Verifier) and delivers. Delete has nothing to
	// remove. The controller never rotates such a client; it says when
	// rotation is due.
	PreRegistered bool
	// KeySet: Create and Update register ClientSpec.JWKS as the client's
	// key set for private_key_jwt, replacing the set the server held, and
	// Observe reports the set (Client.Spec.JWKS) so its drift is seen.
	// Without it the controller refuses a private_key_jwt OAuthClient
	// before anything is registered. Used by the controller (key-based
	// clients, rotation by key overlap) and the suite (KeySet).
	KeySet bool
}

// SecretRevoker is implemented by adapters whose Capabilities say
// OverlapSecrets: RevokeRotatedSecrets ends the overlap that RotateSecret
// began, so that only the newest secret still works.
type SecretRevoker interface {
	RevokeRotatedSecrets(ctx context.Context, clientID string, state State) error
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
	// Capabilities().RegenerateSecret or OverlapSecrets is set. The Result
	// carries it (and its SecretExpiresAt).
	RotateSecret(ctx context.Context, clientID string, state State) (Result, error)
	// SetEnabled switches the client on or off, when
	// Capabilities().NativeDisable is set.
	SetEnabled(ctx context.Context, clientID string, state State, enabled bool) error
	// List returns one page of the clients that carry the ownership marker
	// (every client the management credentials can see when marker is
	// empty), starting at page ("" for the first), and the token of the
	// next page ("" after the last), when Capabilities().List is set. Page
	// tokens are the adapter's own and opaque to the caller. Listed
	// clients carry no secret. A client may appear on two pages when
	// others are created or deleted meanwhile; ListAll drops repeats.
	List(ctx context.Context, marker, page string) (clients []Client, next string, err error)
}
