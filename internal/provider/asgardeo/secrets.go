package asgardeo

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// probe finds out, with an application that exists, whether the server
// has the multiple-secrets API: GET .../oidc/secrets answers 200 where it
// does and 404 (or 405, 501) where it does not; 401 or 403 (a login
// without the secret scopes) counts as not. Only a definite answer is
// kept; a later Create or Observe probes again.
func (p *Provider) probe(ctx context.Context, appID string) {
	p.mu.Lock()
	known := p.multiSecrets != nil
	p.mu.Unlock()
	if known {
		return
	}
	a, err := p.send(ctx, http.MethodGet, oidcPath(appID)+"/secrets", nil)
	if err != nil {
		return
	}
	var has bool
	switch a.status {
	case http.StatusOK:
		has = true
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusNotImplemented:
	case http.StatusUnauthorized, http.StatusForbidden:
		// The login lacks internal_application_mgt_client_secret_view:
		// without it the old secrets could not be listed and revoked, so
		// there is no overlap to offer.
	default:
		return
	}
	p.mu.Lock()
	p.multiSecrets = &has
	p.mu.Unlock()
}

func (p *Provider) overlap() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.multiSecrets != nil && *p.multiSecrets
}

// regenerate makes the server issue a new secret in place of the old one,
// which it revokes with every token issued with it.
func (p *Provider) regenerate(ctx context.Context, appID string) (string, int64, error) {
	where := oidcPath(appID) + "/regenerate-secret"
	a, err := p.expect(ctx, http.MethodPost, where, ScopeSecretCreate, nil, []int{http.StatusOK})
	if err != nil {
		return "", 0, fmt.Errorf("regenerating the secret: %w", err)
	}
	var o oidcConfig
	if err := decode(a, http.MethodPost, "/applications/{applicationId}/inbound-protocols/oidc/regenerate-secret", &o); err != nil {
		return "", 0, err
	}
	if o.ClientSecret == "" {
		return "", 0, provider.Malformed(http.MethodPost, "/applications/{applicationId}/inbound-protocols/oidc/regenerate-secret", "no clientSecret")
	}
	return o.ClientSecret, o.ClientSecretExpiresAt, nil
}

// secretInfo is ClientSecretResponse.
type secretInfo struct {
	SecretID    string `json:"secretId"`
	SecretValue string `json:"secretValue"`
	ExpiresAt   int64  `json:"expiresAt"`
	Status      string `json:"status"`
	Latest      bool   `json:"latest"`
}

// RotateSecret issues a new secret. With the multiple-secrets API it adds
// one (never expiring) and the old ones stay valid until
// RevokeRotatedSecrets; without it, it regenerates, which revokes the old
// secret and its tokens at once (strategy Regenerate, never the default).
func (p *Provider) RotateSecret(ctx context.Context, clientID string, state provider.State) (provider.Result, error) {
	appID, err := p.appID(ctx, clientID, state)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	// Without a probe, an adapter built anew would regenerate, cutting the
	// old secret off at a server that could have overlapped.
	p.probe(ctx, appID)
	c := provider.Client{ClientID: clientID, Enabled: true}
	if p.overlap() {
		where := oidcPath(appID) + "/secrets"
		a, err := p.expect(ctx, http.MethodPost, where, ScopeSecretCreate, map[string]any{"expiresAt": 0}, []int{http.StatusCreated, http.StatusOK})
		if err != nil {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: adding a secret: %w", clientID, err)
		}
		var s secretInfo
		if err := decode(a, http.MethodPost, "/applications/{applicationId}/inbound-protocols/oidc/secrets", &s); err != nil {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
		}
		if s.SecretValue == "" {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID,
				provider.Malformed(http.MethodPost, "/applications/{applicationId}/inbound-protocols/oidc/secrets", "no secretValue"))
		}
		c.ClientSecret = s.SecretValue
		if s.ExpiresAt > 0 {
			c.SecretExpiresAt = time.Unix(s.ExpiresAt, 0)
		}
	} else {
		secret, expires, err := p.regenerate(ctx, appID)
		if err != nil {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
		}
		c.ClientSecret = secret
		if expires > 0 {
			c.SecretExpiresAt = time.Unix(expires, 0)
		}
	}
	return provider.Result{Client: c, State: provider.State{StateApplicationID: appID}}, nil
}

var _ provider.SecretRevoker = (*Provider)(nil)

// RevokeRotatedSecrets ends an overlap: every secret but the latest is
// deleted. Unsupported without the multiple-secrets API.
func (p *Provider) RevokeRotatedSecrets(ctx context.Context, clientID string, state provider.State) error {
	appID, err := p.appID(ctx, clientID, state)
	if err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	// An adapter built anew (the server was proven again) has not probed
	// yet; the overlap it ends was begun by an earlier one.
	p.probe(ctx, appID)
	if !p.overlap() {
		return provider.Errorf(provider.KindUnsupported,
			"revoking the old secrets of client %q: this server has no multiple-secrets API, so there are none", clientID)
	}
	where := oidcPath(appID) + "/secrets"
	a, err := p.expect(ctx, http.MethodGet, where, ScopeSecretView, nil, []int{http.StatusOK})
	if err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	var list struct {
		List []secretInfo `json:"list"`
	}
	if err := decode(a, http.MethodGet, "/applications/{applicationId}/inbound-protocols/oidc/secrets", &list); err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	for _, s := range list.List {
		if s.Latest || s.SecretID == "" {
			continue
		}
		if _, err := p.expect(ctx, http.MethodDelete, where+"/"+url.PathEscape(s.SecretID), ScopeSecretDelete, nil,
			[]int{http.StatusNoContent, http.StatusOK, http.StatusNotFound}); err != nil {
			return fmt.Errorf("revoking the old secrets of client %q: secret %q: %w", clientID, s.SecretID, err)
		}
	}
	return nil
}
