package oktafake

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// The methods below let a test look at and change the org behind the
// adapter's back, as an administrator in Okta's console would.

func (f *Fake) byClientID(clientID string) *app {
	for _, a := range f.apps {
		if a.clientID == clientID {
			return a
		}
	}
	return nil
}

// Apps is the number of apps.
func (f *Fake) Apps() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.apps)
}

// Has reports whether an app holds clientID.
func (f *Fake) Has(clientID string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.byClientID(clientID) != nil
}

// Status is the app's status (ACTIVE, INACTIVE), "" when there is none.
func (f *Fake) Status(clientID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.byClientID(clientID); a != nil {
		return a.status
	}
	return ""
}

// Label is the app's label.
func (f *Fake) Label(clientID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.byClientID(clientID); a != nil {
		return a.oidc().Label
	}
	return ""
}

// SetLabel changes the app's label, as drift.
func (f *Fake) SetLabel(clientID, label string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.byClientID(clientID); a != nil {
		a.body["label"] = label
	}
}

// Secrets is the number of the app's secret objects.
func (f *Fake) Secrets(clientID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.byClientID(clientID); a != nil {
		return len(a.secrets)
	}
	return 0
}

// RemoveApp deletes the app, whatever its status.
func (f *Fake) RemoveApp(clientID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.apps = slices.DeleteFunc(f.apps, func(a *app) bool { return a.clientID == clientID })
}

// Policies is the number of access policies that name clientID, on every
// authorization server.
func (f *Fake) Policies(clientID string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, as := range f.servers {
		for _, p := range as.policies {
			if slices.Contains(p.clients, clientID) {
				n++
			}
		}
	}
	return n
}

// ClientCredentials asks the token endpoint tokenURL for a token with the
// client credentials grant (client_secret_basic); nil when one is issued.
// The error holds Okta's error code, never the secret.
func ClientCredentials(ctx context.Context, hc *http.Client, tokenURL, clientID, secret, scope string) error {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(clientID, secret)
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return errors.New("token request failed")
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Error string `json:"error"`
		}
		_ = decodeJSON(resp, &e)
		return fmt.Errorf("token endpoint answered %d %s", resp.StatusCode, e.Error)
	}
	return nil
}

// Owner is the ownership marker in the app's profile.
func (f *Fake) Owner(clientID string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if a := f.byClientID(clientID); a != nil {
		s, _ := a.oidc().Profile["oauthClientOperatorOwner"].(string)
		return s
	}
	return ""
}

// Requests counts the management requests answered.
func (f *Fake) Requests() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.requests
}

// AddAuthorizationServer adds a custom authorization server with the given
// scopes.
func (f *Fake) AddAuthorizationServer(id string, scopes ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.servers[id] = &authServer{scopes: scopes}
}
