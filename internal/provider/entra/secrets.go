package entra

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// current is the password the operator holds: the state's keyId, or else
// the one that started last.
func current(app application, state provider.State) (passwordCredential, bool) {
	var newest passwordCredential
	found := false
	for _, pc := range app.PasswordCredentials {
		if pc.KeyID == state[stateKeyID] && pc.KeyID != "" {
			return pc, true
		}
		if !found || (pc.StartDateTime != nil && newest.StartDateTime != nil && pc.StartDateTime.After(*newest.StartDateTime)) {
			newest, found = pc, true
		}
	}
	if state[stateKeyID] != "" {
		return passwordCredential{}, false
	}
	return newest, found
}

// addPassword adds a secret to the application.
func (p *Provider) addPassword(ctx context.Context, objectID string) (passwordCredential, error) {
	pc := passwordCredential{DisplayName: passwordName}
	if p.lifetime > 0 {
		end := p.now().Add(p.lifetime).UTC().Truncate(time.Second)
		pc.EndDateTime = &end
	}
	path := "/applications/" + url.PathEscape(objectID) + "/addPassword"
	a, err := p.do(ctx, http.MethodPost, path, map[string]any{"passwordCredential": pc}, nil, http.StatusOK, http.StatusCreated)
	if err != nil {
		return pc, err
	}
	var got passwordCredential
	if err := decode(a, http.MethodPost, path, &got); err != nil {
		return pc, err
	}
	if got.SecretText == "" || got.KeyID == "" {
		return pc, provider.Malformed(http.MethodPost, path, "secretText or keyId is missing")
	}
	return got, nil
}

// RotateSecret adds a secret; the old ones stay valid until
// RevokeRotatedSecrets. An application that already holds MaxSecrets is a
// conflict: revoke first.
func (p *Provider) RotateSecret(ctx context.Context, clientID string, st provider.State) (provider.Result, error) {
	app, err := p.getApp(ctx, clientID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of %q: %w", clientID, err)
	}
	if n := len(app.PasswordCredentials); n >= MaxSecrets {
		return provider.Result{}, fmt.Errorf("rotating the secret of %q: %w", clientID,
			provider.Errorf(provider.KindConflict, "the application holds %d secrets, the most the operator keeps at once (%d); the old ones are removed when the grace period ends", n, MaxSecrets))
	}
	pc, err := p.addPassword(ctx, app.ID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of %q: %w", clientID, err)
	}
	next := provider.State{}
	maps.Copy(next, st)
	next[stateKeyID], next[stateObjectID] = pc.KeyID, app.ID
	c := p.client(app, next)
	c.ClientSecret = pc.SecretText
	if pc.EndDateTime != nil {
		c.SecretExpiresAt = *pc.EndDateTime
	}
	return provider.Result{Client: c, State: next}, nil
}

var _ provider.SecretRevoker = (*Provider)(nil)

// RevokeRotatedSecrets removes every secret of the application but the one
// the operator holds (the state's keyId; without one, the newest).
func (p *Provider) RevokeRotatedSecrets(ctx context.Context, clientID string, st provider.State) error {
	app, err := p.getApp(ctx, clientID)
	if err != nil {
		return fmt.Errorf("revoking the old secrets of %q: %w", clientID, err)
	}
	keep, ok := current(app, st)
	if !ok {
		return fmt.Errorf("revoking the old secrets of %q: %w", clientID,
			provider.Errorf(provider.KindConflict, "the secret the operator holds is no longer on the application; rotate to get a new one"))
	}
	for _, pc := range app.PasswordCredentials {
		if pc.KeyID == keep.KeyID {
			continue
		}
		path := "/applications/" + url.PathEscape(app.ID) + "/removePassword"
		_, err := p.do(ctx, http.MethodPost, path, map[string]string{"keyId": pc.KeyID}, nil, http.StatusNoContent, http.StatusOK)
		if err != nil && provider.KindOf(err) != provider.KindNotFound {
			return fmt.Errorf("revoking an old secret of %q: %w", clientID, err)
		}
	}
	return nil
}
