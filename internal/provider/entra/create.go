package entra

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Create registers an application, its service principal, its app roles
// and (for a confidential client) a secret. It first looks the
// application up by its uniqueName: one that carries this operator's tag
// and has no secret yet is one an interrupted earlier attempt made, and is
// finished instead of made again.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	d, err := checkSpec(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	gs, err := p.resolve(ctx, d)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	app, err := p.createApp(ctx, d, gs)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	sp, err := p.ensureSP(ctx, app.AppID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: creating its service principal: %w", spec.ClientName, err)
	}
	if err := p.assign(ctx, sp.ID, nil, gs); err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	c := p.client(app, nil)
	c.Enabled = sp.AccountEnabled == nil || *sp.AccountEnabled
	keyID := ""
	if !d.public {
		pc, err := p.addPassword(ctx, app.ID)
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q: adding its secret: %w", spec.ClientName, err)
		}
		keyID, c.ClientSecret = pc.KeyID, pc.SecretText
		if pc.EndDateTime != nil {
			c.SecretExpiresAt = *pc.EndDateTime
		}
	}
	st := state(app, sp.ID, keyID, d, gs)
	c = withSpec(c, p.client(app, st))
	return provider.Result{Client: c, State: st}, nil
}

// withSpec keeps c's credentials with the spec of from.
func withSpec(c, from provider.Client) provider.Client {
	c.Spec = from.Spec
	return c
}

// createApp finds the application an earlier attempt made, or makes it
// with an upsert by uniqueName (Prefer: create-if-missing).
func (p *Provider) createApp(ctx context.Context, d desired, gs []grant) (application, error) {
	body := p.body(d, gs)
	for try := range maxUniqueNameTries {
		key := p.uniqueName(d.spec.ClientName, try)
		path := keyPath("applications", "uniqueName", key)
		var found application
		err := p.getJSON(ctx, path+"?$select="+appSelect, &found)
		switch {
		case provider.KindOf(err) == provider.KindNotFound:
			a, err := p.do(ctx, http.MethodPatch, path, body, map[string]string{"Prefer": "create-if-missing"}, http.StatusCreated, http.StatusNoContent)
			if err != nil {
				return application{}, fmt.Errorf("creating application %s: %w", key, err)
			}
			if a.status == http.StatusNoContent {
				// Made meanwhile by another attempt: look again.
				if err := p.getJSON(ctx, path+"?$select="+appSelect, &found); err != nil {
					return application{}, fmt.Errorf("reading application %s: %w", key, err)
				}
				return p.takeOver(ctx, found, body)
			}
			var app application
			if err := decode(a, http.MethodPatch, "/applications(uniqueName=...)", &app); err != nil {
				return application{}, err
			}
			if app.ID == "" || app.AppID == "" {
				return application{}, provider.Malformed(http.MethodPatch, "/applications(uniqueName=...)", "id or appId is missing")
			}
			return app, nil
		case err != nil:
			return application{}, fmt.Errorf("looking for application %s: %w", key, err)
		case p.owner != "" && slices.Contains(found.Tags, ownerTag(p.owner)) && len(found.PasswordCredentials) == 0 && !d.public:
			return p.takeOver(ctx, found, body)
		}
		// Taken by a client that is in use: try the next name.
	}
	return application{}, provider.Errorf(provider.KindConflict, "%d applications named %q already exist for this operator; delete unused ones", maxUniqueNameTries, d.spec.ClientName)
}

// takeOver finishes an application an earlier attempt made: its managed
// fields are set to body.
func (p *Provider) takeOver(ctx context.Context, app application, body application) (application, error) {
	if app.ID == "" || app.AppID == "" {
		return application{}, provider.Malformed(http.MethodGet, "/applications(uniqueName=...)", "id or appId is missing")
	}
	if _, err := p.do(ctx, http.MethodPatch, "/applications/"+url.PathEscape(app.ID), body, nil, http.StatusNoContent, http.StatusOK); err != nil {
		return application{}, fmt.Errorf("finishing application %s that an earlier attempt made: %w", app.AppID, err)
	}
	body.ID, body.AppID, body.PasswordCredentials = app.ID, app.AppID, app.PasswordCredentials
	return body, nil
}

// ensureSP returns the application's service principal, creating it when
// missing.
func (p *Provider) ensureSP(ctx context.Context, appID string) (servicePrincipal, error) {
	sp, found, err := p.getSP(ctx, appID)
	if err != nil || found {
		return sp, err
	}
	body := servicePrincipal{AppID: appID}
	if p.owner != "" {
		body.Tags = []string{ownerTag(p.owner)}
	}
	a, err := p.do(ctx, http.MethodPost, "/servicePrincipals", body, nil, http.StatusCreated, http.StatusOK)
	if err != nil {
		return sp, err
	}
	if err := decode(a, http.MethodPost, "/servicePrincipals", &sp); err != nil {
		return sp, err
	}
	if sp.ID == "" {
		return sp, provider.Malformed(http.MethodPost, "/servicePrincipals", "id is missing")
	}
	return sp, nil
}
