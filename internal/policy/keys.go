package policy

import (
	"encoding/json"
	"fmt"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// IsKeyBased reports whether the client authenticates with its own key
// pair (private_key_jwt) instead of a secret.
func IsKeyBased(oac *v1alpha1.OAuthClient) bool {
	return oac.Spec.TokenEndpointAuthMethod == v1alpha1.AuthMethodPrivateKeyJWT
}

// KeyAlgorithm and KeyBits are the key pair a key-based client asks for.
func KeyAlgorithm(oac *v1alpha1.OAuthClient) (algorithm string, bits int) {
	k := oac.Spec.Keys
	if k == nil || k.Algorithm == "" {
		return keys.ES256, 0
	}
	return string(k.Algorithm), int(k.Size)
}

// CheckKeys refuses, before anything is registered, a key-based client
// that its server cannot take (the adapter has no KeySet capability) or
// that asks for a rotation strategy other than key overlap. providerName
// is the adapter's name, for the message.
func CheckKeys(oac *v1alpha1.OAuthClient, caps provider.Capabilities, providerName string) error {
	if !IsKeyBased(oac) {
		return nil
	}
	if !caps.KeySet {
		return fmt.Errorf("spec.tokenEndpointAuthMethod: the %s adapter cannot register a client's public keys at its server, so private_key_jwt is not available there; use client_secret_basic or a server that supports key sets (docs/key-based-clients.md)", providerName)
	}
	switch StrategyOf(oac) {
	case v1alpha1.StrategyAuto, v1alpha1.StrategyOverlap:
		return nil
	}
	return fmt.Errorf("spec.rotation.strategy: a private_key_jwt client rotates by key overlap (both public keys registered during the grace period); use Auto or Overlap, not %s", StrategyOf(oac))
}

// KeySet is the public key set the server should hold for rec: its current
// key, then the old keys of rotations still in their grace period. It is
// nil for a client without keys. Its error never holds a key.
func KeySet(rec *record.Record) (json.RawMessage, error) {
	if rec == nil || rec.Key == "" {
		return nil, nil
	}
	cur, err := keys.Parse([]byte(rec.Key))
	if err != nil {
		return nil, fmt.Errorf("the recorded private key of client %s: %w", rec.ClientID, err)
	}
	pairs := []keys.Pair{cur}
	for _, rc := range rec.Retiring {
		if rc.Key == "" || rc.ClientID != rec.ClientID {
			continue
		}
		old, err := keys.Parse([]byte(rc.Key))
		if err != nil {
			return nil, fmt.Errorf("the recorded old private key of client %s: %w", rec.ClientID, err)
		}
		pairs = append(pairs, old)
	}
	return keys.Set(pairs...), nil
}

// DesiredFor is Desired with the key set rec holds the private halves of.
func DesiredFor(oac *v1alpha1.OAuthClient, rec *record.Record) (provider.ClientSpec, error) {
	spec := Desired(oac)
	if !IsKeyBased(oac) {
		return spec, nil
	}
	set, err := KeySet(rec)
	if err != nil {
		return spec, err
	}
	spec.JWKS = set
	return spec, nil
}

// keyStrategy is the rotation strategy of a key-based client: always key
// overlap (CheckKeys refused any other before anything was registered).
func keyStrategy(requested v1alpha1.RotationStrategy, caps provider.Capabilities) (v1alpha1.RotationStrategy, error) {
	switch requested {
	case "", v1alpha1.StrategyAuto, v1alpha1.StrategyOverlap:
		if !caps.KeySet {
			return "", fmt.Errorf("spec.tokenEndpointAuthMethod: this server cannot hold a client's key set")
		}
		return v1alpha1.StrategyOverlap, nil
	}
	return "", fmt.Errorf("spec.rotation.strategy: a private_key_jwt client rotates by key overlap; use Auto or Overlap, not %s", requested)
}
