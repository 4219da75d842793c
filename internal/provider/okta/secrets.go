package okta

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxSecretObjects is how many client secrets an Okta app may hold.
const maxSecretObjects = 2

// wireSecret is one of an app's client secrets (the OAuth2ClientSecret
// schema).
type wireSecret struct {
	ID           string `json:"id"`
	Status       string `json:"status"`
	Created      string `json:"created"`
	ClientSecret string `json:"client_secret"`
}

func secretsPath(appID string) string { return appPath(appID) + "/credentials/secrets" }

func secretPath(appID, id string) string { return secretsPath(appID) + "/" + url.PathEscape(id) }

// listSecrets reads the app's secret objects, oldest first.
func (p *Provider) listSecrets(ctx context.Context, appID string) ([]wireSecret, error) {
	r := request{method: http.MethodGet, path: secretsPath(appID)}
	a, err := p.do(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("listing the client secrets: %w", err)
	}
	var all []wireSecret
	if err := decode(a, r, &all); err != nil {
		return nil, err
	}
	for i, s := range all {
		if s.ID == "" {
			return nil, provider.Malformed(r.method, r.path, fmt.Sprintf("item %d: field id is missing", i))
		}
	}
	slices.SortStableFunc(all, func(a, b wireSecret) int { return createdAt(a).Compare(createdAt(b)) })
	return all, nil
}

// createdAt is when s was made (zero when Okta did not say).
func createdAt(s wireSecret) time.Time {
	t, _ := time.Parse(time.RFC3339, s.Created)
	return t
}

// createSecret adds an active secret: value, or one Okta generates.
func (p *Provider) createSecret(ctx context.Context, appID, value string) (wireSecret, error) {
	body := map[string]any{"status": statusActive}
	if value != "" {
		body["client_secret"] = value
	}
	r := request{method: http.MethodPost, path: secretsPath(appID), body: body, secrets: []string{value}}
	a, err := p.do(ctx, r)
	if err != nil {
		return wireSecret{}, fmt.Errorf("adding a client secret: %w", err)
	}
	var s wireSecret
	if err := decode(a, r, &s); err != nil {
		return wireSecret{}, err
	}
	if s.ID == "" {
		return wireSecret{}, provider.Malformed(r.method, r.path, "field id is missing")
	}
	if value != "" {
		s.ClientSecret = value
	}
	if s.ClientSecret == "" {
		return wireSecret{}, provider.Malformed(r.method, r.path, "field client_secret is missing")
	}
	return s, nil
}

// removeSecret deactivates the secret (Okta deletes inactive secrets only)
// and deletes it; one already gone is not an error.
func (p *Provider) removeSecret(ctx context.Context, appID string, s wireSecret) error {
	if s.Status != statusInactive {
		_, err := p.do(ctx, request{method: http.MethodPost, path: secretPath(appID, s.ID) + "/lifecycle/deactivate"})
		if err != nil && !errors.Is(err, provider.ErrNotFound) {
			return fmt.Errorf("deactivating client secret %q: %w", s.ID, err)
		}
	}
	_, err := p.do(ctx, request{method: http.MethodDelete, path: secretPath(appID, s.ID)})
	if err != nil && !errors.Is(err, provider.ErrNotFound) {
		return fmt.Errorf("deleting client secret %q: %w", s.ID, err)
	}
	return nil
}

// replaceSecrets leaves the app with one new secret (value, or generated)
// and returns it: room is made first when both slots are taken.
func (p *Provider) replaceSecrets(ctx context.Context, appID, value string) (string, error) {
	old, err := p.listSecrets(ctx, appID)
	if err != nil {
		return "", err
	}
	if len(old) >= maxSecretObjects {
		if err := p.removeSecret(ctx, appID, old[0]); err != nil {
			return "", err
		}
		old = old[1:]
	}
	s, err := p.createSecret(ctx, appID, value)
	if err != nil {
		return "", err
	}
	for _, o := range old {
		if err := p.removeSecret(ctx, appID, o); err != nil {
			return "", err
		}
	}
	return s.ClientSecret, nil
}

// RotateSecret adds a second active secret; the first keeps working until
// RevokeRotatedSecrets. An app already holding two secrets is a conflict:
// end the last overlap first.
func (p *Provider) RotateSecret(ctx context.Context, clientID string, state provider.State) (provider.Result, error) {
	fail := func(err error) (provider.Result, error) {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	a, err := p.getApp(ctx, clientID, state)
	if err != nil {
		return fail(err)
	}
	existing, err := p.listSecrets(ctx, a.ID)
	if err != nil {
		return fail(err)
	}
	if len(existing) >= maxSecretObjects {
		return fail(provider.Errorf(provider.KindConflict,
			"the app holds %d client secrets, Okta's limit: the previous rotation's old secret must be revoked first", len(existing)))
	}
	s, err := p.createSecret(ctx, a.ID, "")
	if err != nil {
		return fail(err)
	}
	c := a.client(nil)
	c.ClientSecret = s.ClientSecret
	return provider.Result{Client: c}, nil
}

var _ provider.SecretRevoker = (*Provider)(nil)

// RevokeRotatedSecrets deactivates and deletes every secret of the app but
// the newest. It makes the adapter a provider.SecretRevoker.
func (p *Provider) RevokeRotatedSecrets(ctx context.Context, clientID string, state provider.State) error {
	a, err := p.getApp(ctx, clientID, state)
	if err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	all, err := p.listSecrets(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	for i := 0; i < len(all)-1; i++ {
		if err := p.removeSecret(ctx, a.ID, all[i]); err != nil {
			return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
		}
	}
	return nil
}
