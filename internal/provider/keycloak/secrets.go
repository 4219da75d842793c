package keycloak

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// credential is a CredentialRepresentation of a client secret.
type credential struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

// attrRotatedExpiration is when the rotated secret expires (epoch seconds).
const attrRotatedExpiration = "client.secret.rotated.expiration.time"

// secret reads the client's current secret (GET .../client-secret).
func (p *Provider) secret(ctx context.Context, id string) (string, error) {
	var c credential
	if err := p.getJSON(ctx, clientPath(id)+"/client-secret", &c); err != nil {
		return "", fmt.Errorf("reading the client secret: %w", err)
	}
	if c.Value == "" {
		return "", provider.Malformed(http.MethodGet, "/clients/{id}/client-secret", "field value is missing")
	}
	return c.Value, nil
}

// RotateSecret regenerates the client's secret (POST .../client-secret).
// With the realm's secret rotation Keycloak keeps the previous secret
// valid as the rotated secret; it keeps one only, so a rotation while a
// rotated secret is still valid is a conflict: revoke it first.
func (p *Provider) RotateSecret(ctx context.Context, clientID string, state provider.State) (provider.Result, error) {
	res, err := p.rotate(ctx, clientID, state)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	return res, nil
}

func (p *Provider) rotate(ctx context.Context, clientID string, state provider.State) (provider.Result, error) {
	id, err := p.idOf(ctx, clientID, state)
	if err != nil {
		return provider.Result{}, err
	}
	if p.rotated > 0 {
		if err := p.noRotatedSecret(ctx, clientID, id); err != nil {
			return provider.Result{}, err
		}
	}
	a, err := p.call(ctx, http.MethodPost, clientPath(id)+"/client-secret", nil, nil)
	if err != nil {
		return provider.Result{}, err
	}
	var c credential
	if err := json.Unmarshal(a.body, &c); err != nil || c.Value == "" {
		return provider.Result{}, provider.Malformed(http.MethodPost, "/clients/{id}/client-secret", "field value is missing")
	}
	out := provider.Client{ClientID: clientID, ClientSecret: c.Value, Enabled: true}
	if p.rotated > 0 {
		r, _, err := p.read(ctx, clientID, id)
		if err != nil {
			return provider.Result{}, fmt.Errorf("reading the new secret's expiry: %w", err)
		}
		out.SecretExpiresAt, out.Enabled = expiry(r.Attributes), r.enabled()
	}
	return provider.Result{Client: out}, nil
}

// noRotatedSecret refuses, as a conflict, to rotate while the client has a
// rotated secret that is still valid: Keycloak keeps one only, and would
// drop it without a word.
func (p *Provider) noRotatedSecret(ctx context.Context, clientID, id string) error {
	a, err := p.send(ctx, http.MethodGet, clientPath(id)+"/client-secret/rotated", nil, nil)
	if err != nil {
		return err
	}
	switch {
	case a.status == http.StatusNotFound:
		return nil
	case a.status != http.StatusOK:
		return statusError(a)
	}
	var c credential
	if err := json.Unmarshal(a.body, &c); err != nil || c.Value == "" {
		return nil // no rotated secret to keep
	}
	r, _, err := p.read(ctx, clientID, id)
	if err != nil {
		return err
	}
	until := epoch(r.Attributes[attrRotatedExpiration])
	if !until.IsZero() && !until.After(time.Now()) {
		return nil // expired: nothing is lost
	}
	when := "with no expiry"
	if !until.IsZero() {
		when = "until " + until.Format(time.RFC3339)
	}
	return provider.Errorf(provider.KindConflict,
		"the previous secret is still valid (%s) and Keycloak keeps only one: revoke it before rotating again", when)
}

var _ provider.SecretRevoker = (*Provider)(nil)

// RevokeRotatedSecrets ends an overlap that RotateSecret began: Keycloak
// forgets the rotated secret (DELETE .../client-secret/rotated). Without
// the realm's secret rotation there is none, and it is unsupported.
func (p *Provider) RevokeRotatedSecrets(ctx context.Context, clientID string, state provider.State) error {
	if p.rotated == 0 {
		return provider.Errorf(provider.KindUnsupported,
			"revoking the previous secret of client %q: the realm does not rotate secrets (spec.keycloak.secretRotation is not set), so there is none", clientID)
	}
	err := func() error {
		id, err := p.idOf(ctx, clientID, state)
		if err != nil {
			return err
		}
		_, err = p.call(ctx, http.MethodDelete, clientPath(id)+"/client-secret/rotated", nil, nil)
		if errors.Is(err, provider.ErrNotFound) {
			return nil // none left
		}
		return err
	}()
	if err != nil {
		return fmt.Errorf("revoking the previous secret of client %q: %w", clientID, err)
	}
	return nil
}
