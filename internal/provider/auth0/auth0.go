// Package auth0 manages the clients (applications) of an Auth0 tenant
// through its Management API v2: /api/v2/clients for the client and
// /api/v2/client-grants for the APIs a client_credentials client may get
// tokens for.
//
// Auth0 chooses the client_id and the secret; a secret of the caller's
// choosing is set by PATCH after the create. rotate-secret issues a new
// secret and the old one stops working at once (no overlap), so the
// controller's zero-downtime default is to replace the client. There is no
// disable switch. The list API has no filter by name or metadata: List
// pages through all clients and matches the ownership marker the adapter
// writes into client_metadata.
//
// Every create writes a key into client_metadata: the controller's
// CreateKey (the same for the same OAuthClient and credential version), or
// a random one. A create is first looked for by its key, and a client an
// earlier attempt made is taken over (a retry after a crash); a create
// whose answer is lost (a dropped connection, a 5xx after the client was
// stored) is found by its key and deleted, so that no client is left that
// nobody holds a secret for.
package auth0

import (
	"context"
	"crypto/rand"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "auth0"

// DefaultPageSize is how many clients (and grants) one page asks for:
// Auth0's maximum.
const DefaultPageSize = 100

// Config is what the adapter needs to reach one tenant.
type Config struct {
	// Domain is the tenant domain, e.g. acme.eu.auth0.com: the Management
	// API is https://Domain/api/v2 (plain http for a loopback host).
	Domain string
	// HTTPClient carries TLS settings and timeouts; it adds no
	// authentication. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Token yields the Management API access token (client credentials of
	// a machine-to-machine application, audience https://Domain/api/v2/).
	Token oauth2.TokenSource
	// Owner is the ownership marker written into each client's
	// client_metadata; List matches it.
	Owner string
	// PageSize is how many clients one List page asks for; default and
	// maximum DefaultPageSize.
	PageSize int
}

// Provider is the Auth0 adapter. It is safe for concurrent use.
type Provider struct {
	base     *url.URL
	hc       *http.Client
	token    oauth2.TokenSource
	owner    string
	pageSize int
}

var _ provider.Provider = (*Provider)(nil)

// ManagementURL is the Management API's base URL for a tenant domain.
func ManagementURL(domain string) (*url.URL, error) {
	if domain == "" || strings.ContainsAny(domain, "/?#@ ") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.domain %q: give the tenant's host name, such as acme.eu.auth0.com, without https:// or a path", Name, domain)
	}
	scheme := "https"
	if isLoopback(domain) {
		scheme = "http"
	}
	u, err := url.Parse(scheme + "://" + domain + "/api/v2")
	if err != nil || u.Hostname() == "" {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.domain %q: not a host name", Name, domain)
	}
	return u, nil
}

// isLoopback reports whether host[:port] names the local machine.
func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	base, err := ManagementURL(cfg.Domain)
	if err != nil {
		return nil, err
	}
	size, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, DefaultPageSize)
	if err != nil {
		return nil, err
	}
	if len(cfg.Owner) > maxMetadataLen {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "%s: the ownership marker is longer than the %d characters client_metadata holds", Name, maxMetadataLen)
	}
	return &Provider{base: base, hc: provider.HTTPClient(cfg.HTTPClient), token: cfg.Token, owner: cfg.Owner, pageSize: size}, nil
}

// Capabilities reports what Auth0 can do: a secret of the caller's choosing
// (set after the create), regeneration in place (the old secret stops at
// once), and listing by the ownership marker. It cannot overlap secrets,
// let the caller choose the client_id, disable a client, or show the
// secret to the adapter (which never asks for it).
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		List: true, CallerSuppliedSecret: true, RegenerateSecret: true,
		Audience: true, // spec.audience is the API of the client grant
	}
}

// Observe reads the client and its grants.
func (p *Provider) Observe(ctx context.Context, clientID string, _ provider.State) (provider.Client, error) {
	c, grants, err := p.read(ctx, clientID)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	return c.client(grantMap(grants)), nil
}

// read gets the client and its grants.
func (p *Provider) read(ctx context.Context, clientID string) (wireClient, []wireGrant, error) {
	if err := checkID(clientID); err != nil {
		return wireClient{}, nil, err
	}
	c, err := p.get(ctx, clientID)
	if err != nil {
		return wireClient{}, nil, err
	}
	if c.ClientID != clientID {
		return wireClient{}, nil, provider.Malformed(http.MethodGet, "/clients/{id}", "client_id is not the one asked for")
	}
	grants, err := p.grants(ctx, clientID)
	if err != nil {
		return wireClient{}, nil, err
	}
	return c, grants, nil
}

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired.
// Auth0's own additions (other metadata keys, fields the operator does not
// manage) are not drift; the client grants are.
func (p *Provider) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	d, err := resolve(desired)
	if err != nil {
		return []string{"providerOptions"}
	}
	o, _ := observed.Spec.Options.(*observedOptions)
	if o == nil {
		o = &observedOptions{}
	}
	return p.diff(d, observed.Spec, o)
}

func (p *Provider) diff(d desired, observed provider.ClientSpec, o *observedOptions) []string {
	var fields []string
	add := func(name string, differs bool) {
		if differs {
			fields = append(fields, name)
		}
	}
	add("clientName", d.spec.ClientName != observed.ClientName)
	add("description", d.spec.Description != observed.Description)
	add("grantTypes", !provider.SameSet(d.spec.GrantTypes, observed.GrantTypes))
	add("redirectURIs", !provider.SameSet(d.spec.RedirectURIs, observed.RedirectURIs))
	add("tokenEndpointAuthMethod", d.spec.TokenEndpointAuthMethod != "" && d.spec.TokenEndpointAuthMethod != observed.TokenEndpointAuthMethod)
	add("appType", d.appType != o.AppType)
	add("owner", p.owner != "" && observed.Extra[MetadataOwner] != p.owner)
	for _, k := range slices.Sorted(maps.Keys(d.spec.Extra)) {
		add("extraMetadata."+k, observed.Extra[k] != d.spec.Extra[k])
	}
	for _, aud := range slices.Sorted(maps.Keys(d.grants)) {
		have, ok := o.Grants[aud]
		add(grantField(aud), !ok || !provider.SameSet(have, d.grants[aud]))
	}
	for _, aud := range slices.Sorted(maps.Keys(o.Grants)) {
		_, wanted := d.grants[aud]
		add(grantField(aud), !wanted)
	}
	return fields
}

// Create registers a client, sets a supplied secret, and creates its
// client grants. A client that cannot be completed is deleted again and
// the error returned, so that none is left half made.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	d, err := resolve(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	key := spec.CreateKey
	if key == "" {
		key = rand.Text()
	} else if res, found, err := p.resume(ctx, d, key); found || err != nil {
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
		}
		return res, nil
	}
	c, err := p.call(ctx, http.MethodPost, "/clients", nil, createBody(d, p.owner, key), http.StatusCreated)
	if err != nil {
		if lost(err) {
			err = p.undoLost(ctx, key, err)
		}
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	secret := c.ClientSecret
	if spec.ClientSecret != "" && needsSecret(spec.TokenEndpointAuthMethod) {
		if _, err := p.patch(ctx, c.ClientID, map[string]any{"client_secret": spec.ClientSecret}, spec.ClientSecret); err != nil {
			return provider.Result{}, p.undo(ctx, c.ClientID, fmt.Errorf("registering client %q: setting the supplied secret: %w", spec.ClientName, err))
		}
		secret = spec.ClientSecret
	}
	if err := p.syncGrants(ctx, c.ClientID, d.grants, nil); err != nil {
		return provider.Result{}, p.undo(ctx, c.ClientID, fmt.Errorf("registering client %q: %w", spec.ClientName, err))
	}
	if needsSecret(spec.TokenEndpointAuthMethod) && secret == "" {
		return provider.Result{}, p.undo(ctx, c.ClientID, fmt.Errorf("registering client %q: %w", spec.ClientName,
			provider.Malformed(http.MethodPost, "/clients", "no client_secret")))
	}
	c.ClientSecret = secret
	return provider.Result{Client: c.client(d.grants)}, nil
}

// resume finds the client an earlier Create with the same key made (a
// retry after a crash that lost its answer, or the operator's record of
// it) and takes it over: its fields and grants are brought in line with
// d, and it gets a new secret (the supplied one, or one from
// rotate-secret), since the earlier one is held by nobody. found is false
// when there is none.
func (p *Provider) resume(ctx context.Context, d desired, key string) (provider.Result, bool, error) {
	id, err := p.findByMetadata(ctx, MetadataCreate, key)
	if err != nil {
		return provider.Result{}, false, fmt.Errorf("looking for a client an earlier attempt made: %w", err)
	}
	if id == "" {
		return provider.Result{}, false, nil
	}
	c, grants, err := p.read(ctx, id)
	if err != nil {
		return provider.Result{}, false, fmt.Errorf("reading client %s an earlier attempt made: %w", id, err)
	}
	if p.owner == "" || c.Metadata[MetadataOwner] != p.owner {
		return provider.Result{}, false, provider.Errorf(provider.KindConflict,
			"client %s carries the create key but not this operator's ownership marker; delete it or give it the marker", id)
	}
	if patch := p.patchBody(d, c); len(patch) > 0 {
		if c, err = p.patch(ctx, id, patch); err != nil {
			return provider.Result{}, false, fmt.Errorf("updating client %s an earlier attempt made: %w", id, err)
		}
	}
	if err := p.syncGrants(ctx, id, d.grants, grants); err != nil {
		return provider.Result{}, false, fmt.Errorf("taking over client %s an earlier attempt made: %w", id, err)
	}
	res := provider.Result{Client: c.client(d.grants)}
	res.Client.ClientSecret = ""
	if needsSecret(d.spec.TokenEndpointAuthMethod) {
		secret := d.spec.ClientSecret
		if secret != "" {
			_, err = p.patch(ctx, id, map[string]any{"client_secret": secret}, secret)
		} else {
			var rotated provider.Result
			rotated, err = p.RotateSecret(ctx, id, nil)
			secret = rotated.Client.ClientSecret
		}
		if err != nil {
			return provider.Result{}, false, fmt.Errorf("giving client %s an earlier attempt made a new secret: %w", id, err)
		}
		res.Client.ClientSecret = secret
	}
	return res, true, nil
}

// createBody renders the desired client as the body of POST /clients.
func createBody(d desired, owner, key string) map[string]any {
	meta := map[string]string{MetadataCreate: key}
	maps.Copy(meta, d.spec.Extra)
	if owner != "" {
		meta[MetadataOwner] = owner
	}
	m := map[string]any{
		"name":            d.spec.ClientName,
		"app_type":        d.appType,
		"client_metadata": meta,
		"oidc_conformant": true,
	}
	if d.spec.Description != "" {
		m["description"] = d.spec.Description
	}
	if len(d.spec.GrantTypes) > 0 {
		m["grant_types"] = d.spec.GrantTypes
	}
	if len(d.spec.RedirectURIs) > 0 {
		m["callbacks"] = d.spec.RedirectURIs
	}
	if d.spec.TokenEndpointAuthMethod != "" {
		m["token_endpoint_auth_method"] = d.spec.TokenEndpointAuthMethod
	}
	return m
}

// lost reports whether a create may have reached Auth0 with its answer
// lost: the connection failed, or the server failed after the request.
func lost(err error) bool {
	k := provider.KindOf(err)
	return k == provider.KindTransient
}

// undoLost finds the client a create with key made, if any, and deletes
// it; the create's own error is returned either way, saying which.
func (p *Provider) undoLost(ctx context.Context, key string, cause error) error {
	found, err := p.findByMetadata(ctx, MetadataCreate, key)
	if err != nil || found == "" {
		return cause
	}
	if err := p.Delete(ctx, found, nil); err != nil {
		return fmt.Errorf("%w (the client the create made, %s, could not be deleted again: %v)", cause, found, err)
	}
	return fmt.Errorf("%w (the client the create made, %s, was deleted again)", cause, found)
}

// undo deletes a client Create could not complete and returns cause.
func (p *Provider) undo(ctx context.Context, clientID string, cause error) error {
	if err := p.Delete(ctx, clientID, nil); err != nil {
		return fmt.Errorf("%w (deleting the incomplete client %s failed too: %v)", cause, clientID, err)
	}
	return cause
}

// findByMetadata pages through the clients for the one whose
// client_metadata has key = value.
func (p *Provider) findByMetadata(ctx context.Context, key, value string) (string, error) {
	page := ""
	for range provider.MaxListPages {
		cs, next, err := p.page(ctx, page)
		if err != nil {
			return "", err
		}
		for _, c := range cs {
			if c.Metadata[key] == value {
				return c.ClientID, nil
			}
		}
		if next == "" {
			return "", nil
		}
		page = next
	}
	return "", provider.Errorf(provider.KindTransient, "more than %d pages of clients", provider.MaxListPages)
}

// Update makes the managed fields and the grants of the client match
// spec: it reads both and sends a PATCH of the fields that differ, and the
// grant changes; with nothing different it sends nothing. A public client
// turned confidential gets a new secret, which the Result carries.
func (p *Provider) Update(ctx context.Context, clientID string, _ provider.State, spec provider.ClientSpec) (provider.Result, error) {
	d, err := resolve(spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	c, grants, err := p.read(ctx, clientID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	have := grantMap(grants)
	observed := c.client(have)
	fields := p.diff(d, observed.Spec, observed.Spec.Options.(*observedOptions))
	if len(fields) == 0 {
		return provider.Result{Client: observed}, nil
	}
	if patch := p.patchBody(d, c); len(patch) > 0 {
		if c, err = p.patch(ctx, clientID, patch); err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q (%s): %w", clientID, strings.Join(fields, ", "), err)
		}
	}
	if err := p.syncGrants(ctx, clientID, d.grants, grants); err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	res := provider.Result{Client: c.client(d.grants)}
	res.Client.ClientSecret = ""
	if needsSecret(d.spec.TokenEndpointAuthMethod) && observed.Spec.TokenEndpointAuthMethod == "none" {
		rotated, err := p.RotateSecret(ctx, clientID, nil)
		if err != nil {
			return provider.Result{}, fmt.Errorf("updating client %q to a confidential client: %w", clientID, err)
		}
		res.Client.ClientSecret = rotated.Client.ClientSecret
	}
	return res, nil
}

// patchBody is the PATCH of the client fields that differ from d (the
// grants are not client fields). client_metadata is sent whole: Auth0's
// own and other keys as they are, the desired ones set.
func (p *Provider) patchBody(d desired, c wireClient) map[string]any {
	m := map[string]any{}
	list := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	if d.spec.ClientName != c.Name {
		m["name"] = d.spec.ClientName
	}
	if d.spec.Description != c.Description {
		m["description"] = d.spec.Description
	}
	if !provider.SameSet(d.spec.GrantTypes, c.GrantTypes) {
		m["grant_types"] = list(d.spec.GrantTypes)
	}
	if !provider.SameSet(d.spec.RedirectURIs, c.Callbacks) {
		m["callbacks"] = list(d.spec.RedirectURIs)
	}
	if d.spec.TokenEndpointAuthMethod != "" && d.spec.TokenEndpointAuthMethod != c.AuthMethod {
		m["token_endpoint_auth_method"] = d.spec.TokenEndpointAuthMethod
	}
	if d.appType != c.AppType {
		m["app_type"] = d.appType
	}
	meta := maps.Clone(c.Metadata)
	if meta == nil {
		meta = map[string]string{}
	}
	maps.Copy(meta, d.spec.Extra)
	if p.owner != "" {
		meta[MetadataOwner] = p.owner
	}
	if !maps.Equal(meta, c.Metadata) {
		m["client_metadata"] = meta
	}
	return m
}

// Delete removes the client; Auth0 removes its grants with it. One that is
// already gone is not an error.
func (p *Provider) Delete(ctx context.Context, clientID string, _ provider.State) error {
	if err := checkID(clientID); err != nil {
		return nil // no such client can exist
	}
	status, header, body, err := p.send(ctx, http.MethodDelete, clientPath(clientID), nil, nil, nil)
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	if provider.Deleted(status) {
		return nil
	}
	return fmt.Errorf("deleting client %q: %w", clientID, statusError(status, header, body))
}

// RotateSecret has Auth0 issue a new secret (POST
// /clients/{id}/rotate-secret); the old one stops working at once.
func (p *Provider) RotateSecret(ctx context.Context, clientID string, _ provider.State) (provider.Result, error) {
	if err := checkID(clientID); err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	c, err := p.call(ctx, http.MethodPost, clientPath(clientID)+"/rotate-secret", nil, nil, http.StatusOK)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	if c.ClientSecret == "" {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID,
			provider.Malformed(http.MethodPost, "/clients/{id}/rotate-secret", "no client_secret"))
	}
	return provider.Result{Client: c.client(nil)}, nil
}

// SetEnabled is unsupported: Auth0 has no switch to disable an
// application. The controller's fallback deletes the client and registers
// it again on enable.
func (p *Provider) SetEnabled(_ context.Context, clientID string, _ provider.State, enabled bool) error {
	return provider.Errorf(provider.KindUnsupported,
		"setting client %q enabled=%t: Auth0 has no switch to disable an application; delete it and register it again instead", clientID, enabled)
}

// List returns one page of the clients whose client_metadata carries
// marker as the owner (every client but the tenant's global one when
// marker is empty), each with its grants, and the next page's token (a
// page number).
// Auth0 cannot filter by metadata, so a page may hold fewer matches than
// the page size, or none, and still have a next page. No secrets.
func (p *Provider) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	cs, next, err := p.page(ctx, page)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	var out []provider.Client
	for _, c := range cs {
		if c.Global || (marker != "" && c.Metadata[MetadataOwner] != marker) {
			continue
		}
		grants, err := p.grants(ctx, c.ClientID)
		if err != nil {
			return nil, "", fmt.Errorf("listing clients: client %q: %w", c.ClientID, err)
		}
		c.ClientSecret = ""
		out = append(out, c.client(grantMap(grants)))
	}
	return out, next, nil
}

// page reads one page of clients (Auth0's offset paging: page is the page
// number, "" for the first), reduced to the fields the adapter reads, and
// the next page's number, "" after the last.
func (p *Provider) page(ctx context.Context, page string) ([]wireClient, string, error) {
	n, err := pageNumber(page)
	if err != nil {
		return nil, "", err
	}
	q := fieldsQuery()
	q.Set("page", strconv.Itoa(n))
	q.Set("per_page", strconv.Itoa(p.pageSize))
	q.Set("include_totals", "true")
	status, header, body, err := p.send(ctx, http.MethodGet, "/clients", q, nil, nil)
	if err != nil {
		return nil, "", err
	}
	if status != http.StatusOK {
		return nil, "", statusError(status, header, body)
	}
	var pg struct {
		Clients []wireClient `json:"clients"`
		Total   int          `json:"total"`
	}
	if err := decode(body, &pg); err != nil {
		return nil, "", provider.Malformed(http.MethodGet, "/clients", err.Error())
	}
	for i, c := range pg.Clients {
		if c.ClientID == "" {
			return nil, "", provider.Malformed(http.MethodGet, "/clients", fmt.Sprintf("item %d has no client_id", i))
		}
	}
	if len(pg.Clients) == 0 || (n+1)*p.pageSize >= pg.Total {
		return pg.Clients, "", nil
	}
	return pg.Clients, strconv.Itoa(n + 1), nil
}

// pageNumber reads a page token: a page number ("" is the first).
func pageNumber(page string) (int, error) {
	if page == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(page)
	if err != nil || n < 0 || n > provider.MaxListPages {
		return 0, provider.Errorf(provider.KindInvalidMetadata, "page token %q is not one this adapter gave", page)
	}
	return n, nil
}
