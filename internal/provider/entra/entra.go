// Package entra manages OAuth clients at Microsoft Entra ID through
// Microsoft Graph v1.0: an OAuthClient is an application registration plus
// its service principal in the tenant.
//
// The client ID is the application's appId, chosen by Entra; the adapter
// keeps the application's and the service principal's object IDs in the
// provider state. Each application gets a uniqueName derived from the
// ownership marker and the client name, so a create interrupted before it
// finished (the application made, the service principal or the secret
// not yet) is found again and finished rather than made twice.
//
// Secrets are password credentials: Entra generates each value and shows
// it once, in the answer of addPassword. Several are valid at once, each
// with its own end date, so rotation overlaps natively: RotateSecret adds
// one, RevokeRotatedSecrets removes all but the one the operator holds.
// Disabling switches the service principal's accountEnabled. Access to
// resource APIs is the scopes RESOURCE/.default plus the app roles of
// spec.providerOptions.entra, written as requiredResourceAccess and
// granted as app role assignments.
package entra

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "entra"

// DefaultPageSize is how many applications List asks for per page.
const DefaultPageSize = 100

// MaxSecrets is how many client secrets the adapter lets an application
// hold at once: the one in use and the one being replaced.
const MaxSecrets = 2

// OwnerTagPrefix starts the application tag that carries the ownership
// marker.
const OwnerTagPrefix = "oauth.clientoperator.io/owner="

// passwordName is the displayName of the secrets the adapter adds.
const passwordName = "oauth-client-operator" //nolint:gosec // G101: the display name of the secrets, not a credential

// maxUniqueNameTries bounds the uniqueNames Create tries for one client
// name (more than one only while a Replace rotation keeps the old client).
const maxUniqueNameTries = 8

// Keys of the provider state.
const (
	stateObjectID = "objectId"
	stateSPID     = "servicePrincipalId"
	stateKeyID    = "keyId"
	stateGrants   = "grants"
	stateScopes   = "delegatedScopes"
	stateMethod   = "authMethod"
)

// Config is what the adapter needs to reach one tenant's Graph.
type Config struct {
	// GraphURL is the base URL of Microsoft Graph, without /v1.0: e.g.
	// https://graph.microsoft.com.
	GraphURL string
	// HTTPClient carries TLS settings and timeouts; it adds no
	// authentication. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Token yields the Graph access token (client credentials with scope
	// https://graph.microsoft.com/.default).
	Token oauth2.TokenSource
	// Owner is the ownership marker written into each application's tags.
	Owner string
	// PageSize is how many applications List asks for per page; default
	// DefaultPageSize (Graph allows up to 999).
	PageSize int
	// SecretLifetime is how long each new secret is valid; zero keeps
	// Entra's default (two years).
	SecretLifetime time.Duration
	// Now is the clock (for secret end dates); default time.Now.
	Now func() time.Time
}

// Provider is the Entra adapter. It is safe for concurrent use.
type Provider struct {
	graph    string // base URL with /v1.0
	hc       *http.Client
	token    oauth2.TokenSource
	owner    string
	pageSize int
	lifetime time.Duration
	now      func() time.Time
}

var _ provider.Provider = (*Provider)(nil)

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	u, ok := provider.BaseURL(cfg.GraphURL)
	if !ok {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.graphURL: %q is not an absolute http(s) URL without query", Name, cfg.GraphURL)
	}
	if strings.HasSuffix(u.Path, "/v1.0") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.graphURL: %q ends in /v1.0; give the base URL", Name, cfg.GraphURL)
	}
	pageSize, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, 999)
	if err != nil {
		return nil, err
	}
	if cfg.SecretLifetime < 0 {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.secretLifetime: negative", Name)
	}
	p := &Provider{graph: u.String() + "/v1.0", hc: provider.HTTPClient(cfg.HTTPClient), token: cfg.Token, owner: cfg.Owner,
		pageSize: pageSize, lifetime: cfg.SecretLifetime, now: cfg.Now}
	if p.now == nil {
		p.now = time.Now
	}
	return p, nil
}

// Capabilities reports what Entra can do: list by tag, several secrets
// each with an end date (overlap), and the service principal's switch.
// Entra chooses the client ID (appId) and the secrets, which are shown
// once.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		List:             true,
		RegenerateSecret: true,
		OverlapSecrets:   true,
		MaxSecrets:       MaxSecrets,
		SecretExpiry:     true,
		NativeDisable:    true,
	}
}

// ownerTag is the tag that carries marker.
func ownerTag(marker string) string { return OwnerTagPrefix + marker }

// uniqueName is the application's alternate key for the try-th create of
// a client name under this operator's marker.
func (p *Provider) uniqueName(clientName string, try int) string {
	sum := sha256.Sum256([]byte(p.owner + "\n" + clientName))
	return fmt.Sprintf("oco-%s-%d", hex.EncodeToString(sum[:12]), try)
}

// getJSON GETs path and reads the object answer into v.
func (p *Provider) getJSON(ctx context.Context, path string, v any) error {
	a, err := p.do(ctx, http.MethodGet, path, nil, nil, http.StatusOK)
	if err != nil {
		return err
	}
	return decode(a, http.MethodGet, path, v)
}

// getApp reads an application by appId.
func (p *Provider) getApp(ctx context.Context, appID string) (application, error) {
	var app application
	path := keyPath("applications", "appId", appID) + "?$select=" + appSelect
	a, err := p.do(ctx, http.MethodGet, path, nil, nil, http.StatusOK)
	if err != nil {
		return app, err
	}
	if err := decode(a, http.MethodGet, path, &app); err != nil {
		return app, err
	}
	if app.ID == "" || app.AppID == "" {
		return app, provider.Malformed(http.MethodGet, "/applications(appId=...)", "id or appId is missing")
	}
	var raw struct {
		Web          map[string]any `json:"web"`
		PublicClient map[string]any `json:"publicClient"`
	}
	_ = json.Unmarshal(a.body, &raw) // read above: an object
	app.rawWeb, app.rawPublic = raw.Web, raw.PublicClient
	return app, nil
}

// getSP reads the service principal of an application; found is false
// when there is none.
func (p *Provider) getSP(ctx context.Context, appID string) (sp servicePrincipal, found bool, err error) {
	err = p.getJSON(ctx, keyPath("servicePrincipals", "appId", appID)+"?$select=id,appId,accountEnabled", &sp)
	if provider.KindOf(err) == provider.KindNotFound {
		return sp, false, nil
	}
	if err == nil && sp.ID == "" {
		err = provider.Malformed(http.MethodGet, "/servicePrincipals(appId=...)", "id is missing")
	}
	return sp, err == nil, err
}

// Observe reads the application and its service principal.
func (p *Provider) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	app, err := p.getApp(ctx, clientID)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading application %q: %w", clientID, err)
	}
	sp, found, err := p.getSP(ctx, clientID)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading the service principal of %q: %w", clientID, err)
	}
	c := p.client(app, withGrants(state, p.describe(ctx, []application{app}, decodeGrants(state[stateGrants]))))
	c.Enabled = found && (sp.AccountEnabled == nil || *sp.AccountEnabled)
	return c, nil
}

// client converts what Entra holds for the controller, in the user's words
// where the state remembers them.
func (p *Provider) client(app application, state provider.State) provider.Client {
	spec := provider.ClientSpec{ClientName: app.DisplayName}
	if app.Description != nil {
		spec.Description = *app.Description
	}
	public := app.PublicClient != nil && len(app.PublicClient.RedirectURIs) > 0
	if app.Web != nil {
		spec.RedirectURIs = append(spec.RedirectURIs, app.Web.RedirectURIs...)
	}
	if app.PublicClient != nil {
		spec.RedirectURIs = append(spec.RedirectURIs, app.PublicClient.RedirectURIs...)
	}
	spec.TokenEndpointAuthMethod = state[stateMethod]
	if public {
		spec.TokenEndpointAuthMethod = "none"
	}
	if spec.TokenEndpointAuthMethod == "" {
		spec.TokenEndpointAuthMethod = "client_secret_basic"
	}
	if spec.TokenEndpointAuthMethod != "none" {
		spec.GrantTypes = append(spec.GrantTypes, "client_credentials")
	}
	if len(spec.RedirectURIs) > 0 {
		spec.GrantTypes = append(spec.GrantTypes, "authorization_code", "refresh_token")
	}
	known := map[string]grant{}
	for _, g := range decodeGrants(state[stateGrants]) {
		known[g.AppID] = g
	}
	roles := map[string][]string{}
	for _, ra := range app.RequiredResourceAccess {
		g, ok := known[ra.ResourceAppID]
		resource := ra.ResourceAppID
		if ok {
			resource = g.Resource
		}
		spec.Scopes = append(spec.Scopes, resource+defaultScopeSuffix)
		for _, a := range ra.ResourceAccess {
			if a.Type != "Role" {
				continue
			}
			v := a.ID
			if name, ok := g.Roles[a.ID]; ok {
				v = name
			}
			roles[resource] = append(roles[resource], v)
		}
	}
	for r := range roles {
		slices.Sort(roles[r])
	}
	if o := options(roles); o != nil {
		spec.Options = o
	}
	var delegated []string
	_ = json.Unmarshal([]byte(state[stateScopes]), &delegated) // absent: none
	spec.Scopes = append(spec.Scopes, delegated...)
	for _, t := range app.Tags {
		if m, ok := strings.CutPrefix(t, OwnerTagPrefix); ok {
			spec.Extra = map[string]string{"owner": m}
		}
	}
	c := provider.Client{ClientID: app.AppID, Spec: spec, Enabled: true}
	if pc, ok := current(app, state); ok && pc.EndDateTime != nil {
		c.SecretExpiresAt = *pc.EndDateTime
	}
	return c
}

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired.
// Entra keeps no grant type list (what a registration allows follows from
// its secrets and redirect URIs), so grant types are not compared.
func (p *Provider) Diff(want provider.ClientSpec, observed provider.Client) []string {
	d, err := checkSpec(want)
	if err != nil {
		return []string{"spec"}
	}
	got := observed.Spec
	var out []string
	if want.ClientName != got.ClientName {
		out = append(out, "clientName")
	}
	if want.Description != got.Description {
		out = append(out, "description")
	}
	if !provider.SameSet(want.RedirectURIs, got.RedirectURIs) {
		out = append(out, "redirectURIs")
	}
	if d.public != (got.TokenEndpointAuthMethod == "none") {
		out = append(out, "tokenEndpointAuthMethod")
	}
	if !provider.SameSet(want.Scopes, got.Scopes) {
		out = append(out, "scopes")
	}
	if !sameRoles(rolesOf(d), observedRoles(got)) {
		out = append(out, "providerOptions.entra.appRoles")
	}
	if p.owner != "" && got.Extra["owner"] != p.owner {
		out = append(out, "owner")
	}
	return out
}

// body renders the managed fields of d as an application body.
func (p *Provider) body(d desired, gs []grant) application {
	desc := d.spec.Description
	app := application{
		DisplayName:            d.spec.ClientName,
		Description:            &desc,
		SignInAudience:         "AzureADMyOrg",
		RequiredResourceAccess: requiredAccess(gs),
	}
	if p.owner != "" {
		app.Tags = []string{ownerTag(p.owner)}
	}
	uris := slices.Clone(d.spec.RedirectURIs)
	if uris == nil {
		uris = []string{}
	}
	if d.public {
		app.PublicClient = &redirects{RedirectURIs: uris}
		app.Web = &redirects{RedirectURIs: []string{}}
	} else {
		app.Web = &redirects{RedirectURIs: uris}
		app.PublicClient = &redirects{RedirectURIs: []string{}}
	}
	return app
}

// patch is the PATCH body for the fields of diff: body's values, merged
// with what app holds where the field is an object or list of which the
// adapter manages only a part.
func (p *Provider) patch(diff []string, body, app application) map[string]any {
	out := map[string]any{}
	for _, f := range diff {
		switch f {
		case "clientName":
			out["displayName"] = body.DisplayName
		case "description":
			out["description"] = body.Description
		case "redirectURIs", "tokenEndpointAuthMethod":
			out["web"] = merged(app.rawWeb, body.Web.RedirectURIs)
			out["publicClient"] = merged(app.rawPublic, body.PublicClient.RedirectURIs)
		case "scopes", "providerOptions.entra.appRoles":
			out["requiredResourceAccess"] = body.RequiredResourceAccess
		case "owner":
			tags := slices.DeleteFunc(slices.Clone(app.Tags), func(t string) bool { return strings.HasPrefix(t, OwnerTagPrefix) })
			out["tags"] = append(tags, ownerTag(p.owner))
		}
	}
	return out
}

// merged is a web or publicClient object as the application holds it
// (its logout URL, implicit grant settings...) with new redirect URIs.
func merged(held map[string]any, uris []string) map[string]any {
	out := map[string]any{}
	for k, v := range held {
		if k != "redirectUriSettings" && v != nil { // derived from redirectUris by Entra
			out[k] = v
		}
	}
	out["redirectUris"] = uris
	return out
}

// state is the provider state for an application, its service principal,
// the secret the operator holds and the grants.
func state(app application, spID, keyID string, d desired, gs []grant) provider.State {
	s := provider.State{stateObjectID: app.ID, stateSPID: spID, stateKeyID: keyID, stateGrants: encodeGrants(gs)}
	if len(d.delegated) > 0 {
		b, _ := json.Marshal(d.delegated) // strings: cannot fail
		s[stateScopes] = string(b)
	}
	if d.spec.TokenEndpointAuthMethod != "" {
		s[stateMethod] = d.spec.TokenEndpointAuthMethod
	}
	return s
}

// withGrants is state with gs as its grants (state itself is not changed).
func withGrants(st provider.State, gs []grant) provider.State {
	next := provider.State{}
	maps.Copy(next, st)
	next[stateGrants] = encodeGrants(gs)
	return next
}

// Update makes the managed fields of the application and its app roles
// match spec; nothing is sent when nothing differs.
func (p *Provider) Update(ctx context.Context, clientID string, st provider.State, spec provider.ClientSpec) (provider.Result, error) {
	d, err := checkSpec(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	app, err := p.getApp(ctx, clientID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	observed := p.client(app, st)
	if len(p.Diff(spec, observed)) == 0 {
		return provider.Result{Client: observed}, nil
	}
	// Only the fields that differ are sent, each merged with what the
	// application holds (its other tags, its web settings).
	diff := p.Diff(spec, observed)
	before := decodeGrants(st[stateGrants])
	gs := before
	access := slices.Contains(diff, "scopes") || slices.Contains(diff, "providerOptions.entra.appRoles")
	if access {
		if gs, err = p.resolve(ctx, d); err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
		}
	}
	body := p.body(d, gs)
	if _, err := p.do(ctx, http.MethodPatch, "/applications/"+url.PathEscape(app.ID), p.patch(diff, body, app), nil, http.StatusNoContent, http.StatusOK); err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	sp, err := p.ensureSP(ctx, clientID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	if access {
		if err := p.assign(ctx, sp.ID, before, gs); err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
		}
	} else {
		body.RequiredResourceAccess = app.RequiredResourceAccess
	}
	body.ID, body.AppID, body.PasswordCredentials = app.ID, app.AppID, app.PasswordCredentials
	keyID, secret := st[stateKeyID], ""
	var expires time.Time
	if !d.public && len(app.PasswordCredentials) == 0 {
		// A public client became confidential: it needs a secret.
		pc, err := p.addPassword(ctx, app.ID)
		if err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q: adding its secret: %w", clientID, err)
		}
		keyID, secret = pc.KeyID, pc.SecretText
		if pc.EndDateTime != nil {
			expires = *pc.EndDateTime
		}
		body.PasswordCredentials = []passwordCredential{{KeyID: pc.KeyID, EndDateTime: pc.EndDateTime}}
	}
	next := state(body, sp.ID, keyID, d, gs)
	c := p.client(body, next)
	if secret != "" {
		c.ClientSecret, c.SecretExpiresAt = secret, expires
	}
	return provider.Result{Client: c, State: next}, nil
}

// Delete removes the application; Entra removes its service principal
// with it. One already gone is not an error.
func (p *Provider) Delete(ctx context.Context, clientID string, _ provider.State) error {
	_, err := p.do(ctx, http.MethodDelete, keyPath("applications", "appId", clientID), nil, nil, http.StatusNoContent, http.StatusOK)
	if err != nil && provider.KindOf(err) != provider.KindNotFound {
		return fmt.Errorf("deleting application %q: %w", clientID, err)
	}
	return nil
}

// SetEnabled switches the service principal's accountEnabled; enabling an
// application without one creates it.
func (p *Provider) SetEnabled(ctx context.Context, clientID string, _ provider.State, enabled bool) error {
	sp, found, err := p.getSP(ctx, clientID)
	if err == nil && !found {
		if !enabled {
			return nil // no service principal: nothing can sign in
		}
		sp, err = p.ensureSP(ctx, clientID)
	}
	if err != nil {
		return fmt.Errorf("switching client %q: %w", clientID, err)
	}
	if sp.AccountEnabled != nil && *sp.AccountEnabled == enabled {
		return nil
	}
	_, err = p.do(ctx, http.MethodPatch, "/servicePrincipals/"+url.PathEscape(sp.ID), map[string]bool{"accountEnabled": enabled}, nil, http.StatusNoContent, http.StatusOK)
	if err != nil {
		return fmt.Errorf("switching client %q enabled=%t: %w", clientID, enabled, err)
	}
	return nil
}
