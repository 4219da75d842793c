package keycloak

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// observed is what Observe reads beyond the common fields, handed to Diff
// in Client.Spec.Options.
type observed struct {
	optional   []string
	attributes map[string]string
	// roles are the service account's roles (nil: it has none, or no
	// service account); managed the ones the operator gave.
	roles, managed []roleRef
}

// checkClientID refuses a clientId Keycloak cannot hold as asked.
func checkClientID(id string) error {
	switch {
	case strings.TrimSpace(id) != id || id == "":
		return provider.Errorf(provider.KindInvalidMetadata, "clientId %q is empty or has surrounding space", id)
	case len(id) > 255:
		return provider.Errorf(provider.KindInvalidMetadata, "clientId is longer than 255 characters")
	}
	return nil
}

// clientUUID finds the internal id of the client clientID (GET
// /clients?clientId=, an exact match); KindNotFound when there is none.
func (p *Provider) clientUUID(ctx context.Context, clientID string) (string, error) {
	r, err := p.findByClientID(ctx, clientID)
	return r.ID, err
}

// findByClientID reads the client clientID by the clientId lookup.
func (p *Provider) findByClientID(ctx context.Context, clientID string) (rep, error) {
	a, err := p.call(ctx, http.MethodGet, "/clients", url.Values{"clientId": {clientID}}, nil)
	if err != nil {
		return rep{}, err
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &raws); err != nil {
		return rep{}, provider.Malformed(http.MethodGet, "/clients", "not a JSON array of clients")
	}
	for i, raw := range raws {
		r, err := repOf(raw)
		if err != nil {
			return rep{}, provider.Malformed(http.MethodGet, "/clients", fmt.Sprintf("item %d: %v", i, err))
		}
		if r.ClientID == clientID {
			return r, nil
		}
	}
	return rep{}, provider.Errorf(provider.KindNotFound, "Keycloak has no client %q in the realm", clientID)
}

// idOf is the internal id of clientID: from the state, else looked up.
func (p *Provider) idOf(ctx context.Context, clientID string, state provider.State) (string, error) {
	if id := state[stateID]; id != "" {
		return id, nil
	}
	return p.clientUUID(ctx, clientID)
}

// read GETs the client by internal id; KindNotFound when it is gone, or
// when the id now names another clientId.
func (p *Provider) read(ctx context.Context, clientID, id string) (rep, map[string]json.RawMessage, error) {
	a, err := p.call(ctx, http.MethodGet, clientPath(id), nil, nil)
	if err != nil {
		return rep{}, nil, err
	}
	r, raw, err := parseRep(a.body)
	if err != nil {
		return rep{}, nil, provider.Malformed(http.MethodGet, "/clients/{id}", err.Error())
	}
	if r.ClientID != clientID {
		return rep{}, nil, provider.Errorf(provider.KindNotFound, "Keycloak's client %s is now %q", id, r.ClientID)
	}
	return r, raw, nil
}

// Observe reads the client: its representation, default and optional
// client scopes, its secret and, for a client with a service account, the
// account's roles.
func (p *Provider) Observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	c, err := p.observe(ctx, clientID, state)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	return c, nil
}

func (p *Provider) observe(ctx context.Context, clientID string, state provider.State) (provider.Client, error) {
	id, err := p.idOf(ctx, clientID, state)
	if err != nil {
		return provider.Client{}, err
	}
	r, _, err := p.read(ctx, clientID, id)
	if err != nil {
		return provider.Client{}, err
	}
	c := provider.Client{ClientID: clientID, Enabled: r.enabled(), Spec: r.spec(), SecretExpiresAt: expiry(r.Attributes)}
	if c.Spec.Scopes, err = p.clientScopes(ctx, id, defaultScopes); err != nil {
		return provider.Client{}, err
	}
	ex := &observed{attributes: r.Attributes, managed: managedRoles(state)}
	if ex.optional, err = p.clientScopes(ctx, id, optionalScopes); err != nil {
		return provider.Client{}, err
	}
	if !r.PublicClient && usesSecret(c.Spec.TokenEndpointAuthMethod) {
		if c.ClientSecret, err = p.secret(ctx, id); err != nil {
			return provider.Client{}, err
		}
	}
	if r.ServiceAccountsEnabled {
		user := state[stateUser]
		if user == "" {
			if user, err = p.serviceAccountUser(ctx, id); err != nil {
				return provider.Client{}, err
			}
		}
		if _, ex.roles, err = p.assignedRoles(ctx, user); err != nil {
			return provider.Client{}, err
		}
	}
	c.Spec.Options = ex
	return c, nil
}

// expiry is when the secret expires, from the secret-rotation executor's
// attribute (epoch seconds); zero when it does not.
func expiry(attrs map[string]string) time.Time {
	return epoch(attrs[attrSecretExpiration])
}

func epoch(v string) time.Time {
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return time.Unix(n, 0).UTC()
}

// Create registers a client with the chosen clientId (a random one when
// none is chosen). A create retried after a crash finds the client it made
// before (409, then GET ?clientId=): one carrying this operator's
// ownership marker is brought in line with spec and its secret read back;
// one without it is a conflict and is left alone.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if spec.ClientID == "" {
		spec.ClientID = "oauth-client-" + strings.ToLower(rand.Text()[:16])
	}
	res, err := p.create(ctx, spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientID, err)
	}
	return res, nil
}

func (p *Provider) create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	if err := checkClientID(spec.ClientID); err != nil {
		return provider.Result{}, err
	}
	opts, fields, attrs, err := managed(spec)
	if err != nil {
		return provider.Result{}, err
	}
	body := maps.Clone(fields)
	body["clientId"], body["enabled"] = spec.ClientID, true
	createAttrs := p.attributes(attrs, opts)
	if spec.CreateKey != "" {
		createAttrs[AttributeCreateKey] = spec.CreateKey
	}
	body["attributes"] = createAttrs
	if spec.ClientSecret != "" {
		body["secret"] = spec.ClientSecret
	}
	if len(spec.Scopes) > 0 || len(opts.optional) > 0 {
		realm, err := p.realmScopes(ctx)
		if err != nil {
			return provider.Result{}, err
		}
		if err := checkScopes(realm, "spec.scopes", spec.Scopes); err != nil {
			return provider.Result{}, err
		}
		if err := checkScopes(realm, "spec.providerOptions.keycloak.optionalClientScopes", opts.optional); err != nil {
			return provider.Result{}, err
		}
		body["defaultClientScopes"], body["optionalClientScopes"] = nonNil(spec.Scopes), nonNil(opts.optional)
	}
	if len(spec.Audience) > 0 {
		var ms []mapper
		for _, aud := range spec.Audience {
			ms = append(ms, audienceMapper(aud))
		}
		body["protocolMappers"] = ms
	}
	a, err := p.send(ctx, http.MethodPost, "/clients", nil, body, spec.ClientSecret)
	if err != nil {
		return provider.Result{}, err
	}
	switch a.status {
	case http.StatusCreated:
	case http.StatusConflict:
		return p.takeOver(ctx, spec)
	default:
		return provider.Result{}, statusError(a, spec.ClientSecret)
	}
	id := path.Base(a.header.Get("Location"))
	if id == "" || id == "." || id == "/" || id == "clients" {
		// No usable Location: find the client by its clientId.
		if id, err = p.clientUUID(ctx, spec.ClientID); err != nil {
			return provider.Result{}, fmt.Errorf("finding the client created without a Location: %w", err)
		}
	}
	res, err := p.finish(ctx, spec, id, nil, opts)
	if err != nil {
		// Nobody would hold a client the operator could not finish (its
		// secret unread, its roles missing): remove it, then report.
		if derr := p.remove(ctx, id); derr != nil {
			return provider.Result{}, fmt.Errorf("%w (and deleting the unfinished client failed: %v)", err, derr)
		}
		return provider.Result{}, fmt.Errorf("%w (the unfinished client was deleted again)", err)
	}
	return res, nil
}

// attributes are the managed attributes a client gets: the switches, the
// options' extra attributes and the ownership marker.
func (p *Provider) attributes(switches map[string]string, opts options) map[string]string {
	out := maps.Clone(opts.attributes)
	if out == nil {
		out = map[string]string{}
	}
	maps.Copy(out, switches)
	if p.owner != "" {
		out[AttributeOwner] = p.owner
	}
	return out
}

// finish does what follows a create: the service account's roles, and
// reading back the secret and its expiry. managed are roles an earlier
// attempt gave.
func (p *Provider) finish(ctx context.Context, spec provider.ClientSpec, id string, managed []roleRef, opts options) (provider.Result, error) {
	user := ""
	if slices.Contains(spec.GrantTypes, grantClientCredentials) {
		// Kept in the state, so that reading the client's roles later
		// takes one request, not two.
		var err error
		if user, err = p.serviceAccountUser(ctx, id); err != nil {
			return provider.Result{}, err
		}
		if want := opts.roles(); len(want) > 0 || len(managed) > 0 {
			if managed, err = p.syncRoles(ctx, user, want, managed); err != nil {
				return provider.Result{}, err
			}
		}
	}
	c := provider.Client{ClientID: spec.ClientID, Enabled: true, Spec: spec}
	if usesSecret(spec.TokenEndpointAuthMethod) {
		secret, err := p.secret(ctx, id)
		if err != nil {
			return provider.Result{}, err
		}
		if spec.ClientSecret != "" && secret != spec.ClientSecret {
			return provider.Result{}, provider.Errorf(provider.KindTransient, "Keycloak holds another secret than the one supplied")
		}
		c.ClientSecret = secret
	}
	if p.rotated > 0 {
		r, _, err := p.read(ctx, spec.ClientID, id)
		if err != nil {
			return provider.Result{}, err
		}
		c.SecretExpiresAt = expiry(r.Attributes)
	}
	return provider.Result{Client: c, State: stateOf(id, user, managed)}, nil
}

// takeOver handles a create whose clientId is taken: a client carrying the
// ownership marker is the one an earlier attempt made.
func (p *Provider) takeOver(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	r, err := p.findByClientID(ctx, spec.ClientID)
	if err != nil {
		if errors.Is(err, provider.ErrNotFound) {
			return provider.Result{}, provider.Errorf(provider.KindTransient, "the clientId was taken and is free again; retry")
		}
		return provider.Result{}, fmt.Errorf("reading the client that holds the clientId: %w", err)
	}
	if p.owner == "" || r.Attributes[AttributeOwner] != p.owner {
		return provider.Result{}, provider.Errorf(provider.KindConflict,
			"the clientId is taken by a client without this operator's ownership marker (attribute %s = %q); choose another or adopt it",
			AttributeOwner, r.Attributes[AttributeOwner])
	}
	res, err := p.update(ctx, spec.ClientID, provider.State{stateID: r.ID}, spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("bringing the existing client in line: %w", err)
	}
	opts, _ := optionsOf(spec) // checked by update
	return p.finish(ctx, spec, r.ID, managedRoles(res.State), opts)
}

// Update makes the client match spec: a read, modify, write of its full
// representation (only when a managed field differs), then its client
// scopes, audience mappers and service-account roles, each only where it
// differs.
func (p *Provider) Update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	spec.ClientID = clientID
	res, err := p.update(ctx, clientID, state, spec)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	return res, nil
}

func (p *Provider) update(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	opts, fields, attrs, err := managed(spec)
	if err != nil {
		return provider.Result{}, err
	}
	id, err := p.idOf(ctx, clientID, state)
	if err != nil {
		return provider.Result{}, err
	}
	var realm map[string]string
	if len(spec.Scopes) > 0 || len(opts.optional) > 0 {
		if realm, err = p.realmScopes(ctx); err != nil {
			return provider.Result{}, err
		}
		if err := checkScopes(realm, "spec.scopes", spec.Scopes); err != nil {
			return provider.Result{}, err
		}
		if err := checkScopes(realm, "spec.providerOptions.keycloak.optionalClientScopes", opts.optional); err != nil {
			return provider.Result{}, err
		}
	}
	r, raw, err := p.read(ctx, clientID, id)
	if err != nil {
		return provider.Result{}, err
	}
	if spec.ClientSecret != "" {
		fields["secret"] = spec.ClientSecret
	}
	if err := p.put(ctx, id, raw, fields, p.attributes(attrs, opts), spec.ClientSecret); err != nil {
		return provider.Result{}, err
	}
	for _, s := range []struct {
		kind scopeKind
		want []string
	}{{defaultScopes, spec.Scopes}, {optionalScopes, opts.optional}} {
		if len(s.want) == 0 {
			continue // none asked for: Keycloak's defaults stay
		}
		have, err := p.clientScopes(ctx, id, s.kind)
		if err != nil {
			return provider.Result{}, err
		}
		if err := p.syncScopes(ctx, id, s.kind, realm, have, s.want); err != nil {
			return provider.Result{}, err
		}
	}
	if err := p.syncAudience(ctx, id, r.ProtocolMappers, spec.Audience); err != nil {
		return provider.Result{}, err
	}
	user, managed := state[stateUser], managedRoles(state)
	if want := opts.roles(); slices.Contains(spec.GrantTypes, grantClientCredentials) && (len(want) > 0 || len(managed) > 0) {
		if user == "" {
			if user, err = p.serviceAccountUser(ctx, id); err != nil {
				return provider.Result{}, err
			}
		}
		if managed, err = p.syncRoles(ctx, user, want, managed); err != nil {
			return provider.Result{}, err
		}
	}
	c := provider.Client{ClientID: clientID, ClientSecret: spec.ClientSecret, Enabled: r.enabled(), Spec: spec}
	return provider.Result{Client: c, State: stateOf(id, user, managed)}, nil
}

// put writes fields and attributes into the representation raw as read and
// PUTs it back when anything changed. The secret as read is never sent
// back (Keycloak keeps the secret of a representation without one).
func (p *Provider) put(ctx context.Context, id string, raw map[string]json.RawMessage, fields map[string]any, attrs map[string]string, secret string) error {
	delete(raw, "secret")
	changed, err := merge(raw, fields, attrs)
	if err != nil {
		return provider.Malformed(http.MethodGet, "/clients/{id}", err.Error())
	}
	if !changed {
		return nil
	}
	if _, err := p.call(ctx, http.MethodPut, clientPath(id), nil, raw, secret); err != nil {
		return err
	}
	return nil
}

// syncAudience makes the adapter's audience mappers exactly want; mappers
// an administrator added are left alone.
func (p *Provider) syncAudience(ctx context.Context, id string, have []mapper, want []string) error {
	path := clientPath(id) + "/protocol-mappers/models"
	ours := map[string]mapper{}
	for _, m := range have {
		if m.ProtocolMapper == audienceMapperType && strings.HasPrefix(m.Name, audiencePrefix) {
			ours[m.Config["included.custom.audience"]] = m
		}
	}
	for _, aud := range want {
		if _, ok := ours[aud]; !ok {
			if _, err := p.call(ctx, http.MethodPost, path, nil, audienceMapper(aud)); err != nil {
				return fmt.Errorf("adding the audience mapper for %q: %w", aud, err)
			}
		}
	}
	for _, aud := range slices.Sorted(maps.Keys(ours)) {
		if !slices.Contains(want, aud) {
			if _, err := p.call(ctx, http.MethodDelete, path+"/"+url.PathEscape(ours[aud].ID), nil, nil); err != nil && !errors.Is(err, provider.ErrNotFound) {
				return fmt.Errorf("removing the audience mapper for %q: %w", aud, err)
			}
		}
	}
	return nil
}

// Delete removes the client; one that is already gone is not an error.
func (p *Provider) Delete(ctx context.Context, clientID string, state provider.State) error {
	id, err := p.idOf(ctx, clientID, state)
	if errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	if err == nil {
		err = p.remove(ctx, id)
	}
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	return nil
}

// remove deletes the client with internal id id; gone already is fine.
func (p *Provider) remove(ctx context.Context, id string) error {
	a, err := p.send(ctx, http.MethodDelete, clientPath(id), nil, nil)
	if err != nil {
		return err
	}
	if provider.Deleted(a.status) {
		return nil
	}
	return statusError(a)
}

// SetEnabled switches the client's enabled flag (a read, modify, write of
// its representation; nothing is written when it is already as asked).
func (p *Provider) SetEnabled(ctx context.Context, clientID string, state provider.State, enabled bool) error {
	err := func() error {
		id, err := p.idOf(ctx, clientID, state)
		if err != nil {
			return err
		}
		_, raw, err := p.read(ctx, clientID, id)
		if err != nil {
			return err
		}
		return p.put(ctx, id, raw, map[string]any{"enabled": enabled}, nil, "")
	}()
	if err != nil {
		return fmt.Errorf("setting client %q enabled=%t: %w", clientID, enabled, err)
	}
	return nil
}

// List returns one page of the clients whose ownership attribute is marker
// (every client when marker is empty): GET /clients?q=...&first=&max=.
// The page token is the offset of the next page, "" after a short page.
func (p *Provider) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	first := 0
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 0 {
			return nil, "", provider.Errorf(provider.KindInvalidMetadata, "listing clients: page token %q is not one this adapter gave", page)
		}
		first = n
	}
	q := url.Values{"first": {strconv.Itoa(first)}, "max": {strconv.Itoa(p.pageSize)}}
	if marker != "" {
		if strings.ContainsAny(marker, ": ") {
			return nil, "", provider.Errorf(provider.KindInvalidMetadata, "listing clients: marker %q holds a colon or space, which Keycloak's attribute query cannot carry", marker)
		}
		q.Set("q", AttributeOwner+":"+marker)
	}
	a, err := p.call(ctx, http.MethodGet, "/clients", q, nil)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &raws); err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", provider.Malformed(http.MethodGet, "/clients", "not a JSON array of clients"))
	}
	out := make([]provider.Client, 0, len(raws))
	for i, raw := range raws {
		r, err := repOf(raw)
		if err != nil {
			return nil, "", fmt.Errorf("listing clients: %w", provider.Malformed(http.MethodGet, "/clients", fmt.Sprintf("item %d: %v", i, err)))
		}
		if marker != "" && r.Attributes[AttributeOwner] != marker {
			continue
		}
		c := provider.Client{ClientID: r.ClientID, Enabled: r.enabled(), Spec: r.spec(), SecretExpiresAt: expiry(r.Attributes)}
		if c.Spec.Scopes, err = p.clientScopes(ctx, r.ID, defaultScopes); err != nil {
			return nil, "", fmt.Errorf("listing clients: %w", err)
		}
		out = append(out, c)
	}
	if len(raws) < p.pageSize {
		return out, "", nil
	}
	return out, strconv.Itoa(first + len(raws)), nil
}
