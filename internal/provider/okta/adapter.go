package okta

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Observe reads the client: its app and its access policy.
func (p *Provider) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	a, err := p.getApp(ctx, clientID, state)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	acc, err := p.loadAccess(ctx, clientID, state)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	c := a.client(acc)
	c.ClientSecret = ""
	return c, nil
}

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired, Okta's
// defaults taken into account; empty when the client is up to date.
func (p *Provider) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	return diff(desired, observed.Spec, p.owner)
}

// Create registers the client as an active OIDC app, gives it its access
// policy, and returns its client_id and secret, with the app's and the
// policy's IDs as state. With a chosen client_id a create retried after a
// crash is safe: an app holding that client_id with this operator's marker
// is taken over (brought in line with spec, given a fresh secret); one
// without the marker is a conflict and is left alone.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if err := checkSpec(spec); err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if spec.ClientID != "" {
		// q finds apps whose label starts with it: the app an earlier
		// attempt made with this spec.
		a, found, err := p.findApp(ctx, spec.ClientID, url.Values{"q": {label(spec)}})
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
		}
		if found {
			return p.takeOver(ctx, a, spec)
		}
	}
	r := request{method: http.MethodPost, path: appsPath, query: url.Values{"activate": {"true"}},
		body: createBody(spec, p.owner), secrets: []string{spec.ClientSecret}}
	ans, err := p.do(ctx, r)
	if err != nil {
		if spec.ClientID != "" && errors.Is(err, provider.ErrInvalidMetadata) {
			// The client_id may be taken by an app with another label.
			a, found, ferr := p.findApp(ctx, spec.ClientID, url.Values{"filter": {`name eq "` + appName + `"`}})
			if ferr == nil && found {
				return p.takeOver(ctx, a, spec)
			}
		}
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	a, err := parseApp(ans.body)
	if err != nil {
		// With a chosen client_id a retry takes the app over; without one
		// it cannot be found again.
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, provider.Malformed(r.method, r.path, err.Error()))
	}
	clientID := a.Credentials.OAuthClient.ClientID
	if spec.ClientID != "" && clientID != spec.ClientID {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName,
			provider.Errorf(provider.KindTransient, "Okta answered for client_id %q, not the chosen %q", clientID, spec.ClientID))
	}
	secret := a.Credentials.OAuthClient.ClientSecret
	if spec.ClientSecret != "" {
		secret = spec.ClientSecret
	}
	if secret == "" && provider.NeedsSecret(spec.TokenEndpointAuthMethod) {
		// Okta shows a generated secret in the create answer; should it
		// not, add one through the secrets API rather than hand out a
		// client nobody can use.
		s, err := p.createSecret(ctx, a.ID, "")
		if err == nil {
			secret = s.ClientSecret
		}
		if err != nil || secret == "" {
			p.cleanUp(ctx, a)
			return provider.Result{}, fmt.Errorf("registering client %q: Okta returned no secret and adding one failed: %w", spec.ClientName, orMalformed(err, "POST", secretsPath(a.ID)))
		}
	}
	state, err := p.ensureAccess(ctx, clientID, provider.State{stateAppID: a.ID}, spec)
	if err != nil {
		p.cleanUp(ctx, a)
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	return provider.Result{Client: created(a, spec, state, secret), State: state}, nil
}

// created is the client as Create or a take-over leaves it.
func created(a wireApp, spec provider.ClientSpec, state provider.State, secret string) provider.Client {
	c := a.client(&access{policyID: state[statePolicyID], ruleID: state[stateRuleID], scopes: spec.Scopes})
	c.ClientSecret = secret
	return c
}

// cleanUp deletes an app Create cannot hand out, so none is left that
// nobody holds; a failure is left to the caller's retry (a chosen client_id
// finds it again).
func (p *Provider) cleanUp(ctx context.Context, a wireApp) {
	a.Status = statusActive
	_ = p.deleteApp(ctx, a)
}

// takeOver handles a create whose chosen client_id an app holds: one with
// this operator's marker is what an earlier attempt made; it gets spec, its
// access policy and a fresh secret (the earlier secret never reached
// anyone).
func (p *Provider) takeOver(ctx context.Context, a wireApp, spec provider.ClientSpec) (provider.Result, error) {
	fail := func(err error) (provider.Result, error) {
		return provider.Result{}, fmt.Errorf("registering client %q as %q: %w", spec.ClientName, spec.ClientID, err)
	}
	if p.owner == "" || a.owner() != p.owner {
		return fail(provider.Errorf(provider.KindConflict,
			"the client_id is held by app %q without this operator's ownership marker (owner %q); choose another client ID or adopt the app", a.ID, a.owner()))
	}
	if appFields(diff(spec, a.client(&access{policyID: "-", ruleID: "-", scopes: spec.Scopes}).Spec, p.owner)) {
		var err error
		if a, err = p.putApp(ctx, a, spec); err != nil {
			return fail(fmt.Errorf("taking over the app an earlier attempt made: %w", err))
		}
	}
	var secret string
	if provider.NeedsSecret(spec.TokenEndpointAuthMethod) {
		var err error
		if secret, err = p.replaceSecrets(ctx, a.ID, spec.ClientSecret); err != nil {
			return fail(err)
		}
	}
	state, err := p.ensureAccess(ctx, spec.ClientID, provider.State{stateAppID: a.ID}, spec)
	if err != nil {
		return fail(err)
	}
	return provider.Result{Client: created(a, spec, state, secret), State: state}, nil
}

// Update makes the app and the access policy match spec, writing only what
// differs: the app by a PUT of the whole app as read, with the managed
// fields changed; the policy's rule by a PUT of the rule. A client whose
// auth method changes to one that needs a secret gets a new one.
func (p *Provider) Update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	fail := func(err error) (provider.Result, error) {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	if err := checkSpec(spec); err != nil {
		return fail(err)
	}
	a, err := p.getApp(ctx, clientID, state)
	if err != nil {
		return fail(err)
	}
	fields := diff(spec, a.client(&access{policyID: "-", ruleID: "-", scopes: spec.Scopes}).Spec, p.owner)
	var secret string
	if appFields(fields) {
		wantSecret := provider.NeedsSecret(spec.TokenEndpointAuthMethod) && !provider.NeedsSecret(a.Credentials.OAuthClient.AuthMethod)
		if a, err = p.putApp(ctx, a, spec); err != nil {
			return fail(fmt.Errorf("replacing the app (%s): %w", strings.Join(fields, ", "), err))
		}
		if wantSecret {
			if secret, err = p.replaceSecrets(ctx, a.ID, ""); err != nil {
				return fail(err)
			}
		}
	}
	st := provider.State{}
	maps.Copy(st, state)
	st[stateAppID] = a.ID
	st, err = p.ensureAccess(ctx, clientID, st, spec)
	if err != nil {
		return fail(err)
	}
	return provider.Result{Client: created(a, spec, st, secret), State: st}, nil
}

// Delete deactivates and deletes the app and deletes its access policy;
// what is already gone is not an error.
func (p *Provider) Delete(ctx context.Context, clientID string, state provider.State) error {
	a, err := p.getApp(ctx, clientID, state)
	switch {
	case errors.Is(err, provider.ErrNotFound):
	case err != nil:
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	default:
		if err := p.deleteApp(ctx, a); err != nil {
			return fmt.Errorf("deleting client %q: %w", clientID, err)
		}
	}
	if err := p.removeAccess(ctx, clientID, state); err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	return nil
}

// SetEnabled activates or deactivates the app: a deactivated app's
// credentials get no token.
func (p *Provider) SetEnabled(ctx context.Context, clientID string, state provider.State, enabled bool) error {
	a, err := p.getApp(ctx, clientID, state)
	if err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	if (a.Status == statusActive) == enabled {
		return nil
	}
	if err := p.lifecycle(ctx, a.ID, enabled); err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	return nil
}

// List returns one page of the OIDC apps carrying marker in their profile
// (every OIDC app when marker is empty) and the cursor of the next page,
// each with the scopes of its access policy: beside the page, one request
// for the authorization server's policies and one per listed app's rule.
// Okta cannot filter by profile, so a page may hold fewer apps than the
// page size, or none, before the last. Secrets are never listed.
func (p *Provider) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	apps, next, err := p.listApps(ctx, url.Values{"filter": {`name eq "` + appName + `"`}}, page)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	var mine []wireApp
	for _, a := range apps {
		if marker == "" || a.owner() == marker {
			mine = append(mine, a)
		}
	}
	var all policies
	if len(mine) > 0 {
		if all, err = p.listPolicies(ctx); err != nil {
			return nil, "", fmt.Errorf("listing clients: %w", err)
		}
	}
	out := make([]provider.Client, 0, len(mine))
	for _, a := range mine {
		acc := &access{}
		if pol := all.of(a.Credentials.OAuthClient.ClientID); pol != nil {
			if acc, err = p.accessOf(ctx, pol, ""); err != nil {
				return nil, "", fmt.Errorf("listing clients: %w", err)
			}
		}
		c := a.client(acc)
		c.ClientSecret = ""
		out = append(out, c)
	}
	if next == page {
		next = ""
	}
	return out, next, nil
}

// orMalformed is err, or the error for an answer without the field wanted.
func orMalformed(err error, method, path string) error {
	if err != nil {
		return err
	}
	return provider.Malformed(method, path, "field client_secret is missing")
}
