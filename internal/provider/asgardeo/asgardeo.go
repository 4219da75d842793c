// Package asgardeo manages OAuth clients as applications at WSO2 Asgardeo
// and at a self-hosted WSO2 Identity Server, through the WSO2 Application
// Management API ({baseURL}/t/{organization}/api/server/v1/applications).
//
// A client is an application with the OIDC inbound protocol. The client ID
// is the OIDC clientId, which the caller may choose; the application's ID
// (a UUID the paths need) is kept in the registration state and found again
// by filter=clientId eq ... when the state is lost. Application names are
// unique in an organization, so a chosen client ID is part of the name
// ("billing (uid-1)"), and a create retried after a crash meets a 409, finds
// the application by its client ID and takes it over when its description
// carries this operator's ownership marker (the API has no owner field).
//
// Scopes come from API authorization: an application may request the
// scopes of the API resources authorized to it (/authorized-apis). The
// adapter maps spec.audience (one API identifier) and spec.scopes to one
// authorization, or takes them from providerOptions.asgardeo.authorizedAPIs.
//
// Secrets: regenerate-secret revokes the old secret and every token issued
// with it, so RotateSecret uses it only where the server lacks the
// multiple-secrets API (.../oidc/secrets, newer Identity Server releases),
// which the adapter detects on its first create or observe; with it, a rotation adds
// a secret and the old ones stay valid until RevokeRotatedSecrets. Disable is
// applicationEnabled: false.
package asgardeo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "asgardeo"

// DefaultOrganization is the tenant domain of a self-hosted Identity
// Server's super tenant.
const DefaultOrganization = "carbon.super"

// DefaultPageSize is the number of applications List asks for per page.
const DefaultPageSize = 30

// StateApplicationID is the registration state key of the application's ID.
const StateApplicationID = "applicationId"

// Config is what the adapter needs to reach one organization.
type Config struct {
	// BaseURL is the server's base URL: https://api.asgardeo.io, or an
	// Identity Server's, e.g. https://is.example.com.
	BaseURL string
	// Organization is the Asgardeo organization or the Identity Server
	// tenant domain; default DefaultOrganization.
	Organization string
	// HTTPClient carries TLS settings and timeouts; it adds no
	// authentication. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Token yields the management API's bearer token (client credentials
	// of a management application). Nil sends none.
	Token oauth2.TokenSource
	// Owner is the ownership marker written into each application's
	// description.
	Owner string
	// PageSize is the number of applications List asks for per page.
	PageSize int
}

// Provider is the adapter. It is safe for concurrent use.
type Provider struct {
	api      string // {baseURL}/t/{org}/api/server/v1
	hc       *http.Client
	token    oauth2.TokenSource
	owner    string
	pageSize int

	mu sync.Mutex
	// multiSecrets is whether the server has the multiple-secrets API:
	// nil until a probe got a definite answer.
	multiSecrets *bool
}

var _ provider.Provider = (*Provider)(nil)

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	base, ok := provider.BaseURL(cfg.BaseURL)
	if !ok {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.baseURL: %q is not an absolute http(s) URL without query", Name, cfg.BaseURL)
	}
	if strings.Contains(base.Path, "/t/") || strings.Contains(base.Path, "/api/server") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.baseURL: %q holds /t/ or /api/server; give the server's base URL, the adapter adds /t/{organization}/api/server/v1", Name, cfg.BaseURL)
	}
	org := cfg.Organization
	if org == "" {
		org = DefaultOrganization
	}
	if strings.ContainsAny(org, "/?#% ") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.organization: %q is not an organization name or tenant domain", Name, org)
	}
	size, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, 0)
	if err != nil {
		return nil, err
	}
	return &Provider{api: base.String() + "/t/" + org + "/api/server/v1", hc: provider.HTTPClient(cfg.HTTPClient), token: cfg.Token, owner: cfg.Owner, pageSize: size}, nil
}

// Capabilities reports what the server can do: the caller chooses the client ID and may supply the
// secret; RotateSecret regenerates (revoking the old secret) or, where the
// multiple-secrets API exists (known after the first create), adds a secret
// beside the old ones (known after the first Create or Observe);
// applicationEnabled disables natively; applications
// are listed. The secret may be stored hashed, so it is not claimed
// readable (Observe reports it when the server shows it).
func (p *Provider) Capabilities() provider.Capabilities {
	p.mu.Lock()
	overlap := p.multiSecrets != nil && *p.multiSecrets
	p.mu.Unlock()
	return provider.Capabilities{
		List: true, CallerChosenID: true, CallerSuppliedSecret: true,
		RegenerateSecret: true, OverlapSecrets: overlap, NativeDisable: true,
		Audience: true, // spec.audience is the API the client is authorized for
	}
}

// remote is what the server holds for one client.
type remote struct {
	app     application
	oidc    oidcConfig
	oidcRaw map[string]json.RawMessage
	grants  []apiGrant
}

func (r remote) state() provider.State { return provider.State{StateApplicationID: r.app.ID} }

// client converts what the server holds for the controller.
func (r remote) client() provider.Client {
	text, owner := splitMarker(r.app.Description)
	spec := provider.ClientSpec{
		ClientName:              clientName(r.app.Name, r.oidc.ClientID),
		Description:             text,
		GrantTypes:              r.oidc.GrantTypes,
		RedirectURIs:            redirectURIs(r.oidc.CallbackURLs),
		TokenEndpointAuthMethod: r.oidc.authMethod(),
		Extra:                   map[string]string{},
	}
	var scopes []string
	for _, g := range r.grants {
		scopes = append(scopes, g.Scopes...)
		if g.Identifier != "" {
			spec.Audience = append(spec.Audience, g.Identifier)
		}
	}
	spec.Scopes = sorted(scopes)
	if owner != "" {
		spec.Extra[ExtraOwner] = owner
	}
	if len(r.grants) > 0 {
		spec.Extra[ExtraAuthorizedAPIs] = encodeGrants(r.grants)
	}
	if r.oidc.AccessToken != nil && r.oidc.AccessToken.Type != "" {
		spec.Extra[ExtraAccessTokenType] = r.oidc.AccessToken.Type
	}
	if r.oidc.PKCE != nil {
		spec.Extra[ExtraPKCEMandatory] = strconv.FormatBool(r.oidc.PKCE.Mandatory)
	}
	c := provider.Client{
		ClientID: r.oidc.ClientID, ClientSecret: r.oidc.ClientSecret, Spec: spec,
		Enabled: r.app.enabled(),
	}
	if r.oidc.ClientSecretExpiresAt > 0 {
		c.SecretExpiresAt = time.Unix(r.oidc.ClientSecretExpiresAt, 0)
	}
	if r.oidc.MultipleSecrets {
		// With several secrets it is not said which one clientSecret is;
		// the operator must not take an older one for a change.
		c.ClientSecret = ""
	}
	if !needsSecret(spec.TokenEndpointAuthMethod) {
		// A public client has no secret to hand out, whatever the server
		// keeps for it.
		c.ClientSecret, c.SecretExpiresAt = "", time.Time{}
	}
	return c
}

// Observe reads the application, its OIDC configuration and its API
// authorizations.
func (p *Provider) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	r, err := p.read(ctx, clientID, state)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	p.probe(ctx, r.app.ID)
	return r.client(), nil
}

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired, the
// server's defaults taken into account.
func (p *Provider) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	o, err := clientOptions(desired)
	if err != nil {
		return []string{"providerOptions"}
	}
	return diff(desired, o, observed.Spec, p.owner)
}

// diff compares the fields the adapter manages.
func diff(desired provider.ClientSpec, o options, observed provider.ClientSpec, owner string) []string {
	var d []string
	add := func(field string, differs bool) {
		if differs {
			d = append(d, field)
		}
	}
	grants := desired.GrantTypes
	if len(grants) == 0 {
		grants = []string{"client_credentials"}
	}
	add("clientName", desired.ClientName != observed.ClientName)
	add("description", desired.Description != observed.Description)
	add("grantTypes", !provider.SameSet(grants, observed.GrantTypes))
	add("redirectURIs", !provider.SameSet(desired.RedirectURIs, observed.RedirectURIs))
	add("tokenEndpointAuthMethod", !sameAuthMethod(desired.TokenEndpointAuthMethod, observed.TokenEndpointAuthMethod))
	add("owner", owner != "" && observed.Extra[ExtraOwner] != owner)
	add("accessTokenType", o.AccessTokenType != "" && observed.Extra[ExtraAccessTokenType] != o.AccessTokenType)
	add("pkceMandatory", o.PKCEMandatory != nil && observed.Extra[ExtraPKCEMandatory] != strconv.FormatBool(*o.PKCEMandatory))
	add("authorizedAPIs", grantsDiffer(o.APIs, decodeGrants(observed.Extra[ExtraAuthorizedAPIs])))
	return d
}

// Create registers an application. With a chosen client ID a create
// retried after a crash is safe: the server refuses the duplicate (409),
// and an application with that client ID and this operator's marker is
// brought in line with spec and given a new secret.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	o, err := clientOptions(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if err := checkSpec(spec); err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	name := appName(spec.ClientName, spec.ClientID)
	if name == "" {
		name = "oauth-client-" + strings.ToLower(rand.Text()[:10])
	}
	oidc := map[string]any{}
	putOIDC(oidc, spec, o)
	if spec.ClientID != "" {
		oidc["clientId"] = spec.ClientID
	}
	if spec.ClientSecret != "" {
		oidc["clientSecret"] = spec.ClientSecret
	}
	body := map[string]any{
		"name": name, "description": withMarker(spec.Description, p.owner), "applicationEnabled": true,
		"inboundProtocolConfiguration": map[string]any{"oidc": oidc},
	}
	a, err := p.send(ctx, http.MethodPost, "/applications", body, spec.ClientSecret)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if a.status == http.StatusConflict && spec.ClientID != "" {
		res, err := p.takeOver(ctx, spec, o)
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q as %q: %w", spec.ClientName, spec.ClientID, err)
		}
		return res, nil
	}
	if a.status != http.StatusCreated {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, statusError(a.status, a.header, a.body, ScopeCreate, spec.ClientSecret))
	}
	appID := path.Base(strings.TrimSuffix(a.header.Get("Location"), "/"))
	if a.header.Get("Location") == "" || appID == "." || appID == "/" || strings.ContainsAny(appID, "?#") {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, provider.Malformed(http.MethodPost, "/applications", "no application ID in the Location header"))
	}
	res, err := p.finishCreate(ctx, appID, spec, o)
	if err != nil {
		// The application is of no use without its credentials or APIs:
		// remove it, so no client is left that nobody holds.
		if derr := p.deleteApp(ctx, appID); derr != nil {
			err = errors.Join(err, fmt.Errorf("removing the unfinished application: %w", derr))
		}
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	p.probe(ctx, appID)
	return res, nil
}

// finishCreate reads the new application's credentials and authorizes
// its APIs.
func (p *Provider) finishCreate(ctx context.Context, appID string, spec provider.ClientSpec, o options) (provider.Result, error) {
	r, err := p.readApp(ctx, appID)
	if err != nil {
		return provider.Result{}, err
	}
	if spec.ClientID != "" && r.oidc.ClientID != spec.ClientID {
		return provider.Result{}, provider.Errorf(provider.KindTransient, "the server made client ID %q, not the chosen %q", r.oidc.ClientID, spec.ClientID)
	}
	switch {
	case spec.ClientSecret != "":
		r.oidc.ClientSecret = spec.ClientSecret
	case r.oidc.ClientSecret == "" && needsSecret(spec.TokenEndpointAuthMethod):
		// The server keeps secrets hashed and did not show it: make one
		// that is shown (nothing holds a token of this new client yet).
		secret, expires, err := p.regenerate(ctx, appID)
		if err != nil {
			return provider.Result{}, err
		}
		r.oidc.ClientSecret, r.oidc.ClientSecretExpiresAt = secret, expires
	}
	if err := p.syncGrants(ctx, appID, o.APIs, nil); err != nil {
		return provider.Result{}, err
	}
	r.grants = o.APIs
	return provider.Result{Client: r.client(), State: r.state()}, nil
}

// takeOver handles a create refused as a duplicate: the application that
// holds the chosen client ID is the one an earlier attempt made when it
// carries this operator's marker; it gets spec and a new secret.
func (p *Provider) takeOver(ctx context.Context, spec provider.ClientSpec, o options) (provider.Result, error) {
	appID, err := p.findByClientID(ctx, spec.ClientID)
	if errors.Is(err, provider.ErrNotFound) {
		return provider.Result{}, provider.Errorf(provider.KindConflict,
			"the application name %q is taken by another application; choose another clientName", appName(spec.ClientName, spec.ClientID))
	}
	if err != nil {
		return provider.Result{}, fmt.Errorf("finding the application that holds the chosen client ID: %w", err)
	}
	r, err := p.readApp(ctx, appID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("reading the application that holds the chosen client ID: %w", err)
	}
	if _, owner := splitMarker(r.app.Description); p.owner == "" || owner != p.owner {
		return provider.Result{}, provider.Errorf(provider.KindConflict,
			"the client ID is held by an application without this operator's ownership marker (owner %q); choose another or adopt it", owner)
	}
	if r.grants, err = p.grants(ctx, appID); err != nil {
		return provider.Result{}, err
	}
	r, err = p.apply(ctx, r, spec, o)
	if err != nil {
		return provider.Result{}, fmt.Errorf("taking over the application an earlier attempt made: %w", err)
	}
	if spec.ClientSecret != "" {
		if err := p.putSecret(ctx, r, spec.ClientSecret); err != nil {
			return provider.Result{}, err
		}
		r.oidc.ClientSecret = spec.ClientSecret
	} else if needsSecret(spec.TokenEndpointAuthMethod) {
		// Whatever secret the earlier attempt got was never stored:
		// regenerate, which also revokes it.
		if r.oidc.ClientSecret, r.oidc.ClientSecretExpiresAt, err = p.regenerate(ctx, appID); err != nil {
			return provider.Result{}, err
		}
	}
	r.oidc.MultipleSecrets = false // both leave the application one secret
	p.probe(ctx, appID)
	return provider.Result{Client: r.client(), State: r.state()}, nil
}

// Update makes the managed fields match spec: a PATCH of the application
// (name, description), a PUT of the OIDC configuration (as read, with the
// managed fields set) and the API authorizations, each only when it
// differs. A public client made confidential gets a secret, in the Result.
func (p *Provider) Update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	o, err := clientOptions(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	if err := checkSpec(spec); err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	r, err := p.read(ctx, clientID, state)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	wasPublic := r.oidc.PublicClient
	if r, err = p.apply(ctx, r, spec, o); err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	c := r.client()
	c.ClientSecret = ""
	if wasPublic && needsSecret(spec.TokenEndpointAuthMethod) {
		if c.ClientSecret, _, err = p.regenerate(ctx, r.app.ID); err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q: giving it a secret: %w", clientID, err)
		}
	}
	return provider.Result{Client: c, State: r.state()}, nil
}

// apply writes what differs between r and spec and returns r as it is now.
func (p *Provider) apply(ctx context.Context, r remote, spec provider.ClientSpec, o options) (remote, error) {
	fields := diff(spec, o, r.client().Spec, p.owner)
	has := func(names ...string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return slices.Contains(fields, n) })
	}
	if has("clientName", "description", "owner") {
		body := map[string]any{"name": appName(spec.ClientName, r.oidc.ClientID), "description": withMarker(spec.Description, p.owner)}
		if _, err := p.expect(ctx, http.MethodPatch, appPath(r.app.ID), ScopeUpdate, body, []int{http.StatusOK, http.StatusNoContent}); err != nil {
			return r, fmt.Errorf("changing %s: %w", strings.Join(fields, ", "), err)
		}
	}
	if has("grantTypes", "redirectURIs", "tokenEndpointAuthMethod", "accessTokenType", "pkceMandatory") {
		body := forPut(r.oidcRaw)
		putOIDC(body, spec, o)
		if _, err := p.expect(ctx, http.MethodPut, oidcPath(r.app.ID), ScopeUpdate, body, []int{http.StatusOK, http.StatusCreated, http.StatusNoContent}); err != nil {
			return r, fmt.Errorf("changing the OIDC configuration (%s): %w", strings.Join(fields, ", "), err)
		}
	}
	if has("authorizedAPIs") {
		if err := p.syncGrants(ctx, r.app.ID, o.APIs, r.grants); err != nil {
			return r, err
		}
	}
	if len(fields) == 0 {
		return r, nil
	}
	now, err := p.readApp(ctx, r.app.ID)
	if err != nil {
		return r, err
	}
	if now.grants, err = p.grants(ctx, r.app.ID); err != nil {
		return r, err
	}
	return now, nil
}

// putSecret sets a caller-supplied secret through the OIDC configuration.
func (p *Provider) putSecret(ctx context.Context, r remote, secret string) error {
	body := forPut(r.oidcRaw)
	body["clientSecret"] = secret
	if _, err := p.expect(ctx, http.MethodPut, oidcPath(r.app.ID), ScopeUpdate, body, []int{http.StatusOK, http.StatusCreated, http.StatusNoContent}, secret); err != nil {
		return fmt.Errorf("setting the supplied secret: %w", err)
	}
	return nil
}

// Delete removes the application; one that is already gone is not an
// error.
func (p *Provider) Delete(ctx context.Context, clientID string, state provider.State) error {
	appID, err := p.appID(ctx, clientID, state)
	if errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	if err := p.deleteApp(ctx, appID); err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	return nil
}

func (p *Provider) deleteApp(ctx context.Context, appID string) error {
	_, err := p.expect(ctx, http.MethodDelete, appPath(appID), ScopeDelete, nil, []int{http.StatusNoContent, http.StatusOK, http.StatusNotFound})
	return err
}

// SetEnabled switches applicationEnabled.
func (p *Provider) SetEnabled(ctx context.Context, clientID string, state provider.State, enabled bool) error {
	appID, err := p.appID(ctx, clientID, state)
	if err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	if _, err := p.expect(ctx, http.MethodPatch, appPath(appID), ScopeUpdate, map[string]any{"applicationEnabled": enabled}, []int{http.StatusOK, http.StatusNoContent}); err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	return nil
}

// checkSpec refuses what the adapter cannot send, naming the field.
func checkSpec(spec provider.ClientSpec) error {
	if len(spec.Extra) > 0 {
		return provider.Errorf(provider.KindInvalidMetadata, "spec.extraMetadata: the %s adapter passes no extra metadata; use spec.providerOptions.%s", Name, Name)
	}
	if strings.ContainsAny(spec.ClientID, "/?#%") || strings.TrimSpace(spec.ClientID) != spec.ClientID {
		return provider.Errorf(provider.KindInvalidMetadata, "spec.clientID: %q holds a character the API's filter and paths cannot carry", spec.ClientID)
	}
	return nil
}

// appPath and oidcPath are the paths of one application and of its OIDC
// configuration.
func appPath(appID string) string  { return "/applications/" + url.PathEscape(appID) }
func oidcPath(appID string) string { return appPath(appID) + "/inbound-protocols/oidc" }
