// Package hydra manages OAuth clients at Ory Hydra v2 (self-hosted, or Ory
// Network) through its admin API, /admin/clients.
//
// Hydra lets the caller choose the client_id, so a create that is retried
// after a crash finds the client it made before: Create answers a 409 by
// reading the client back and, when it carries this operator's ownership
// marker (Hydra's owner field), takes it over by setting a new secret.
// Secrets are stored hashed and never readable; the adapter sets a new one
// by JSON Patch to regenerate it. Hydra v2.3.0 has no secret rotation with
// overlap; newer versions add POST /admin/clients/{id}/secrets/rotate, which
// the adapter detects at run time. There is no enable/disable switch.
//
// Hydra fills defaults into what it stores (scope "offline_access offline
// openid" when none is given, client_secret_basic, subject_type public, ...):
// Update and UpToDate compare only the fields the operator manages, each
// with Hydra's default in mind, so an unchanged client is never written.
package hydra

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "hydra"

// DefaultPageSize is the number of clients List asks for per page.
const DefaultPageSize = 100

const (
	clientsPath = "/admin/clients"
	// rotatePath follows a client's path: the secret rotation endpoint of
	// Hydra versions newer than v2.3.0.
	rotatePath = "/secrets/rotate"
)

// Config is what the adapter needs to reach one Hydra.
type Config struct {
	// AdminURL is the base URL of Hydra's admin API, without /admin: e.g.
	// http://hydra-admin:4445 for a self-hosted admin port, or
	// https://PROJECT.projects.oryapis.com for Ory Network.
	AdminURL string
	// PublicIssuer is Hydra's issuer (urls.self.issuer), from which the
	// token URL handed to workloads is derived. Optional for the adapter's
	// own calls.
	PublicIssuer string
	// HTTPClient carries TLS settings and timeouts; it adds no
	// authentication. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// APIKey yields the bearer token sent to the admin API (Ory Network's
	// API key, or a gateway's token in front of a self-hosted admin port).
	// Nil sends none: a self-hosted admin port has no authentication. See
	// provider.StaticToken.
	APIKey oauth2.TokenSource
	// Owner is the ownership marker written to each client's owner field.
	// List finds the operator's clients by it, and Create takes over an
	// existing client with the chosen ID only when it carries it. Empty
	// writes no marker (and a create that finds its client ID taken fails
	// with a conflict).
	Owner string
	// PageSize is the number of clients List asks for per page; default
	// DefaultPageSize. Hydra caps it (500 per its API document).
	PageSize int
}

// Provider is the Hydra adapter. It is safe for concurrent use.
type Provider struct {
	admin    *url.URL
	issuer   string
	hc       *http.Client
	apiKey   oauth2.TokenSource
	owner    string
	pageSize int

	mu sync.Mutex
	// rotate is whether the admin API has the secret rotation endpoint:
	// nil until a probe got a definite answer.
	rotate *bool
	// probeFailed is when the last probe got no definite answer.
	probeFailed time.Time
}

// probeRetry is how long calls wait before probing again after a probe got
// no definite answer, so a server that never gives one costs one extra
// request per probeRetry, not one per call.
const probeRetry = time.Minute

var _ provider.Provider = (*Provider)(nil)

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	admin, ok := provider.BaseURL(cfg.AdminURL)
	if !ok {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "%s: admin URL %q is not an absolute http(s) URL without query", Name, cfg.AdminURL)
	}
	if strings.HasSuffix(admin.Path, "/admin") {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"%s: admin URL %q ends in /admin; give the base URL, the adapter adds %s", Name, cfg.AdminURL, clientsPath)
	}
	if cfg.PublicIssuer != "" {
		u, err := url.Parse(cfg.PublicIssuer)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return nil, provider.Errorf(provider.KindInvalidMetadata, "%s: public issuer %q is not an absolute http(s) URL", Name, cfg.PublicIssuer)
		}
	}
	pageSize, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, 0)
	if err != nil {
		return nil, err
	}
	return &Provider{admin: admin, issuer: cfg.PublicIssuer, hc: provider.HTTPClient(cfg.HTTPClient), apiKey: cfg.APIKey, owner: cfg.Owner, pageSize: pageSize}, nil
}

// Endpoints returns Hydra's public endpoints derived from PublicIssuer
// (empty when it is not set).
func (p *Provider) Endpoints() provider.Endpoints {
	if p.issuer == "" {
		return provider.Endpoints{}
	}
	base := strings.TrimSuffix(p.issuer, "/")
	return provider.Endpoints{
		Issuer:     p.issuer,
		Token:      base + "/oauth2/token",
		Revocation: base + "/oauth2/revoke",
	}
}

// Capabilities reports what Hydra can do. The caller may choose the secret
// and the client ID; the secret is not readable; RotateSecret sets a new
// secret in place; the old secret stays valid during rotation (with no
// limit on how many, until RevokeRotatedSecrets) only when the admin API
// has the rotation endpoint, which is known after the first call that
// reached Hydra (or Probe); secrets do not expire; there is no native
// disable; clients can be listed by owner; audience is registered; a
// private_key_jwt client's key set (jwks) is registered and reported.
func (p *Provider) Capabilities() provider.Capabilities {
	p.mu.Lock()
	overlap := p.rotate != nil && *p.rotate
	p.mu.Unlock()
	return provider.Capabilities{
		CallerSuppliedSecret: true,
		RegenerateSecret:     true,
		OverlapSecrets:       overlap,
		List:                 true,
		CallerChosenID:       true,
		Audience:             true,
		KeySet:               true,
	}
}

// Probe finds out whether the admin API has the secret rotation endpoint
// (POST /admin/clients/{id}/secrets/rotate, newer than v2.3.0): a GET of it
// answers 405 where it exists and 404 where it does not. Only a definite
// answer is kept; Probe is repeated by later calls until there is one.
func (p *Provider) Probe(ctx context.Context) error {
	_, err := p.hasRotate(ctx)
	return err
}

func (p *Provider) hasRotate(ctx context.Context) (bool, error) {
	p.mu.Lock()
	known := p.rotate
	p.mu.Unlock()
	if known != nil {
		return *known, nil
	}
	path := clientPath("oauth-client-operator-probe") + rotatePath
	status, header, body, err := p.send(ctx, http.MethodGet, path, nil, nil)
	var has bool
	switch {
	case err != nil:
	case status == http.StatusMethodNotAllowed:
		has = true
	case status == http.StatusNotFound:
		has = false
	default:
		err = statusError(status, header, body)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if err != nil {
		p.probeFailed = time.Now()
		return false, fmt.Errorf("probing for the secret rotation endpoint: %w", err)
	}
	p.rotate = &has
	return has, nil
}

// probeQuietly runs the probe as a side effect of another call, so
// Capabilities becomes exact; its failure is not the caller's error, and
// after one it waits probeRetry before trying again.
func (p *Provider) probeQuietly(ctx context.Context) {
	p.mu.Lock()
	skip := p.rotate != nil || (!p.probeFailed.IsZero() && time.Since(p.probeFailed) < probeRetry)
	p.mu.Unlock()
	if !skip {
		_, _ = p.hasRotate(ctx)
	}
}

// Observe reads the client.
func (p *Provider) Observe(ctx context.Context, clientID string, _ provider.State) (provider.Client, error) {
	c, err := p.get(ctx, clientID)
	if err != nil {
		return provider.Client{}, fmt.Errorf("reading client %q: %w", clientID, err)
	}
	p.probeQuietly(ctx)
	return c.client(), nil
}

// UpToDate reports whether the observed client matches desired in every
// field the adapter manages, Hydra's defaults taken into account.
func (p *Provider) UpToDate(desired provider.ClientSpec, observed provider.Client) bool {
	return len(p.Diff(desired, observed)) == 0
}

var _ provider.Differ = (*Provider)(nil)

// Diff names the managed fields where observed differs from desired
// (provider.DiffClientName, provider.DiffScopes, ..., or an Extra key), for a condition or
// event; empty when the client is up to date.
func (p *Provider) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	desired, err := withOptions(desired)
	if err != nil {
		return []string{"providerOptions"}
	}
	return diff(desired, observed.Spec, p.owner)
}

// Create registers a client. With a client ID chosen in
// spec.Extra[ExtraClientID] a create retried after a crash is safe: when the
// ID is taken by a client carrying this operator's owner marker, that client
// is brought in line with spec and given a new secret, which the Result
// carries; a client without the marker is a conflict and is left alone.
func (p *Provider) Create(ctx context.Context, spec provider.ClientSpec) (provider.Result, error) {
	spec, err := withOptions(spec)
	if err != nil {
		return provider.Result{}, err
	}
	if spec.ClientID != "" {
		spec.Extra = maps.Clone(spec.Extra)
		if spec.Extra == nil {
			spec.Extra = map[string]string{}
		}
		spec.Extra[ExtraClientID] = spec.ClientID
	}
	if err := checkSpec(spec); err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	chosen := spec.Extra[ExtraClientID]
	status, header, body, err := p.send(ctx, http.MethodPost, clientsPath, createBody(spec, p.owner), []string{spec.ClientSecret})
	if err != nil {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, err)
	}
	if status == http.StatusConflict && chosen != "" {
		res, err := p.takeOver(ctx, chosen, spec)
		if err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q as %q: %w", spec.ClientName, chosen, err)
		}
		return res, nil
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, statusError(status, header, body, spec.ClientSecret))
	}
	c, err := parseOne(body)
	if err != nil {
		// The client may exist with a secret nobody holds: with a chosen ID
		// a retry takes it over; without one it cannot be found again.
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName, provider.Malformed(http.MethodPost, clientsPath, err.Error()))
	}
	if chosen != "" && c.ClientID != chosen {
		return provider.Result{}, fmt.Errorf("registering client %q: %w", spec.ClientName,
			provider.Errorf(provider.KindTransient, "Hydra answered for client_id %q, not the chosen %q", c.ClientID, chosen))
	}
	p.probeQuietly(ctx)
	if !provider.NeedsSecret(c.AuthMethod) {
		// Hydra makes a secret even for a private_key_jwt client; with
		// that auth method it authenticates nothing, so none is handed out.
		c.ClientSecret = ""
	}
	if spec.ClientSecret != "" {
		// Hydra stored the secret it was given (and echoes it).
		c.ClientSecret = spec.ClientSecret
	}
	if c.ClientSecret == "" && provider.NeedsSecret(c.AuthMethod) {
		// Hydra always echoes the secret it made; should it not, set one
		// rather than hand out a client nobody can use.
		secret := rand.Text()
		if c, err = p.patch(ctx, c.ClientID, []patchOp{{Op: "add", Path: "/" + fieldClientSecret, Value: secret}}, secret); err != nil {
			return provider.Result{}, fmt.Errorf("registering client %q: setting the secret Hydra did not return: %w", spec.ClientName, err)
		}
		c.ClientSecret = secret
	}
	return provider.Result{Client: c.client()}, nil
}

// takeOver handles a create whose chosen ID is taken: a client carrying
// the owner marker is the one an earlier attempt made; it gets spec and a
// new secret.
func (p *Provider) takeOver(ctx context.Context, id string, spec provider.ClientSpec) (provider.Result, error) {
	current, err := p.get(ctx, id)
	if err != nil {
		if errors.Is(err, provider.ErrNotFound) {
			return provider.Result{}, provider.Errorf(provider.KindTransient, "the client_id was taken and is free again; retry")
		}
		return provider.Result{}, fmt.Errorf("reading the client that holds the chosen client_id: %w", err)
	}
	if p.owner == "" || current.Owner != p.owner {
		return provider.Result{}, provider.Errorf(provider.KindConflict,
			"the client_id is taken by a client without this operator's owner marker (owner %q); choose another or adopt it", current.Owner)
	}
	ops := patchOps(diff(spec, current.client().Spec, p.owner), spec, current, p.owner)
	var secret string
	if provider.NeedsSecret(spec.TokenEndpointAuthMethod) {
		secret = spec.ClientSecret
		if secret == "" {
			secret = rand.Text()
		}
		ops = append(ops, patchOp{Op: "add", Path: "/" + fieldClientSecret, Value: secret})
	}
	if len(ops) == 0 {
		return provider.Result{Client: current.client()}, nil
	}
	c, err := p.patch(ctx, id, ops, secret)
	if err != nil {
		return provider.Result{}, fmt.Errorf("taking over the client an earlier attempt made: %w", err)
	}
	c.ClientSecret = secret
	return provider.Result{Client: c.client()}, nil
}

// Update makes the managed fields of the client match spec. It reads the
// client and, only when a managed field differs (Hydra's defaults taken
// into account), sends a JSON Patch that sets exactly those fields: the
// secret, other fields and other metadata keys stay as they are. A client
// whose auth method changes to one that needs a secret gets a new one,
// carried in the Result.
func (p *Provider) Update(ctx context.Context, clientID string, _ provider.State, spec provider.ClientSpec) (provider.Result, error) {
	spec, err := withOptions(spec)
	if err != nil {
		return provider.Result{}, err
	}
	if err := checkSpec(spec); err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	current, err := p.get(ctx, clientID)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q: %w", clientID, err)
	}
	fields := diff(spec, current.client().Spec, p.owner)
	if len(fields) == 0 {
		return provider.Result{Client: current.client()}, nil
	}
	ops := patchOps(fields, spec, current, p.owner)
	var secret string
	if provider.NeedsSecret(spec.TokenEndpointAuthMethod) && !provider.NeedsSecret(current.AuthMethod) {
		secret = rand.Text()
		ops = append(ops, patchOp{Op: "add", Path: "/" + fieldClientSecret, Value: secret})
	}
	c, err := p.patch(ctx, clientID, ops, secret)
	if err != nil {
		return provider.Result{}, fmt.Errorf("updating client %q (%s): %w", clientID, strings.Join(fields, ", "), err)
	}
	c.ClientSecret = secret
	return provider.Result{Client: c.client()}, nil
}

// Delete removes the client; one that is already gone is not an error.
func (p *Provider) Delete(ctx context.Context, clientID string, _ provider.State) error {
	if err := checkClientID(clientID); err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	path := clientPath(clientID)
	status, header, body, err := p.send(ctx, http.MethodDelete, path, nil, nil)
	if err == nil && !provider.Deleted(status) {
		err = statusError(status, header, body)
	}
	if err != nil {
		return fmt.Errorf("deleting client %q: %w", clientID, err)
	}
	return nil
}

// RotateSecret gives the client a new secret. Where the admin API has the
// rotation endpoint, Hydra makes the secret and keeps the old one valid
// (RevokeRotatedSecrets ends that); otherwise the adapter sets a new secret
// by JSON Patch and the old one stops working at once.
func (p *Provider) RotateSecret(ctx context.Context, clientID string, _ provider.State) (provider.Result, error) {
	if err := checkClientID(clientID); err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	overlap, err := p.hasRotate(ctx)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	if overlap {
		c, err := p.call(ctx, http.MethodPost, clientID, rotatePath, nil, "")
		if err != nil {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
		}
		if c.ClientSecret == "" {
			return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID,
				provider.Malformed(http.MethodPost, clientPath(clientID)+rotatePath, "no client_secret"))
		}
		return provider.Result{Client: c.client()}, nil
	}
	secret := rand.Text()
	c, err := p.patch(ctx, clientID, []patchOp{{Op: "add", Path: "/" + fieldClientSecret, Value: secret}}, secret)
	if err != nil {
		return provider.Result{}, fmt.Errorf("rotating the secret of client %q: %w", clientID, err)
	}
	c.ClientSecret = secret
	return provider.Result{Client: c.client()}, nil
}

var _ provider.SecretRevoker = (*Provider)(nil)

// RevokeRotatedSecrets ends an overlap that RotateSecret began: Hydra
// forgets the client's old secrets (DELETE
// /admin/clients/{id}/secrets/rotate). Unsupported where the admin API has
// no rotation endpoint. It makes the adapter a provider.SecretRevoker.
func (p *Provider) RevokeRotatedSecrets(ctx context.Context, clientID string, _ provider.State) error {
	if err := checkClientID(clientID); err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	overlap, err := p.hasRotate(ctx)
	if err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	if !overlap {
		return provider.Errorf(provider.KindUnsupported,
			"revoking the old secrets of client %q: this Hydra has no secret rotation endpoint, so there are none", clientID)
	}
	if _, err := p.call(ctx, http.MethodDelete, clientID, rotatePath, nil, ""); err != nil {
		return fmt.Errorf("revoking the old secrets of client %q: %w", clientID, err)
	}
	return nil
}

// SetEnabled is unsupported: Hydra has no enable/disable switch. The
// controller's fallback is to delete the client and register it again.
func (p *Provider) SetEnabled(_ context.Context, clientID string, _ provider.State, enabled bool) error {
	return provider.Errorf(provider.KindUnsupported,
		"setting client %q enabled=%t: Hydra has no disable switch; delete the client and register it again instead", clientID, enabled)
}

// List returns one page of the clients whose owner is marker (every client
// when marker is empty) and the token of the next page: Hydra's page_token
// from the rel="next" link of the answer's Link header, "" when the page is
// empty or has no next link. Secrets are never listed.
func (p *Provider) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	q := url.Values{"page_size": {strconv.Itoa(p.pageSize)}}
	if marker != "" {
		q.Set(fieldOwner, marker)
	}
	if page != "" {
		q.Set("page_token", page)
	}
	path := clientsPath + "?" + q.Encode()
	status, header, body, err := p.send(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	if status != http.StatusOK {
		return nil, "", fmt.Errorf("listing clients: %w", statusError(status, header, body))
	}
	cs, err := parseList(body)
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", provider.Malformed(http.MethodGet, clientsPath, err.Error()))
	}
	out := make([]provider.Client, 0, len(cs))
	for _, c := range cs {
		c.ClientSecret = ""
		out = append(out, c.client())
	}
	// Only the page token is taken from the link: its host and path are
	// what Hydra saw, which a proxy in front may have changed.
	next, ok := nextPage(header)
	if len(cs) == 0 || !ok || next.Get("page_token") == page {
		return out, "", nil
	}
	return out, next.Get("page_token"), nil
}

// nextPage returns the query of the rel="next" target of a Link header
// (RFC 8288).
func nextPage(h http.Header) (url.Values, bool) {
	for _, v := range h.Values("Link") {
		for _, link := range splitLinks(v) {
			target, params, ok := strings.Cut(link, ";")
			target = strings.TrimSpace(target)
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") {
				continue
			}
			if !hasRel(params, "next") {
				continue
			}
			u, err := url.Parse(target[1 : len(target)-1])
			if err != nil {
				continue
			}
			return u.Query(), true
		}
	}
	return nil, false
}

// splitLinks splits a Link header value at the commas between links (a
// comma inside <...> or a quoted string belongs to the link).
func splitLinks(v string) []string {
	var links []string
	inURL, inQuote, start := false, false, 0
	for i, r := range v {
		switch {
		case r == '<' && !inQuote:
			inURL = true
		case r == '>' && !inQuote:
			inURL = false
		case r == '"' && !inURL:
			inQuote = !inQuote
		case r == ',' && !inURL && !inQuote:
			links = append(links, v[start:i])
			start = i + 1
		}
	}
	return append(links, v[start:])
}

// hasRel reports whether link parameters (`; rel="next"; ...`) hold rel.
func hasRel(params, rel string) bool {
	for p := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
			continue
		}
		for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
			if strings.EqualFold(r, rel) {
				return true
			}
		}
	}
	return false
}

// get reads one client.
func (p *Provider) get(ctx context.Context, clientID string) (wireClient, error) {
	if err := checkClientID(clientID); err != nil {
		return wireClient{}, err
	}
	return p.call(ctx, http.MethodGet, clientID, "", nil, "")
}

// patch applies ops to the client and returns Hydra's answer. secret is a
// value the ops carry that must never reach an error message.
func (p *Provider) patch(ctx context.Context, clientID string, ops []patchOp, secret string) (wireClient, error) {
	return p.call(ctx, http.MethodPatch, clientID, "", ops, secret)
}

// call makes a request about one client (its path plus suffix) that
// answers with the client, and checks that the answer is about it. secret
// is a value the body carries that must never reach an error message.
func (p *Provider) call(ctx context.Context, method, clientID, suffix string, body any, secret string) (wireClient, error) {
	path := clientPath(clientID) + suffix
	status, header, resp, err := p.send(ctx, method, path, body, []string{secret})
	if err != nil {
		return wireClient{}, err
	}
	if status != http.StatusOK {
		return wireClient{}, statusError(status, header, resp, secret)
	}
	c, err := parseOne(resp)
	if err != nil {
		return wireClient{}, provider.Malformed(method, path, err.Error())
	}
	if c.ClientID != clientID {
		return wireClient{}, provider.Malformed(method, path, fmt.Sprintf("it is about client_id %q", c.ClientID))
	}
	return c, nil
}

// send makes one request to the admin API with an optional JSON body and
// returns the status, headers and (size-limited) body. Its error is a typed
// provider error and never holds the API key or a secret; the key is cut
// from the body of an error answer, so statusError cannot show it.
func (p *Provider) send(ctx context.Context, method, path string, body any, secrets []string) (int, http.Header, []byte, error) {
	u := *p.admin
	rel, err := url.Parse(path)
	if err != nil {
		return 0, nil, nil, fmt.Errorf("building the request: %w", err)
	}
	u.Path = p.admin.Path + rel.Path
	u.RawPath = ""
	if rel.RawPath != "" {
		u.RawPath = p.admin.EscapedPath() + rel.RawPath
	}
	u.RawQuery = rel.RawQuery
	a, err := provider.Send(ctx, p.hc, provider.Request{
		Method: method, URL: u.String(), Body: body, Secrets: secrets, MaxAnswer: provider.MaxAnswer,
		Authorize: provider.Bearer(p.apiKey, "the API key"),
	})
	return a.Status, a.Header, a.Body, err
}

// clientPath is the admin API path of one client.
func clientPath(clientID string) string {
	return clientsPath + "/" + url.PathEscape(clientID)
}
