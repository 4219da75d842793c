// Package okta manages OAuth clients at Okta through its management API:
// an OAuth client is an OpenID Connect app (/api/v1/apps), its secrets are
// the app's client secrets (/api/v1/apps/{id}/credentials/secrets, two at
// most), and the scopes it may ask for are an access policy of its own on
// the custom authorization server that issues its tokens
// (/api/v1/authorizationServers/{id}/policies): Okta apps hold no scopes.
//
// The caller may choose the client_id; a create retried after a crash finds
// the app it made by client_id and takes it over when the app carries this
// operator's ownership marker (in the app's profile). An app is disabled by
// deactivating it, and must be deactivated before it can be deleted.
package okta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "okta"

// DefaultAuthorizationServer is the custom authorization server every Okta
// org with API Access Management has.
const DefaultAuthorizationServer = "default"

// DefaultPageSize is the number of apps List asks for per page.
const DefaultPageSize = 100

// Config is what the adapter needs to reach one Okta org.
type Config struct {
	// OrgURL is the org's base URL, e.g. https://example.okta.com.
	OrgURL string
	// AuthorizationServerID is the custom authorization server whose
	// token endpoint the delivered clients use and on which each client
	// gets its access policy. Default DefaultAuthorizationServer.
	AuthorizationServerID string
	// HTTPClient carries TLS settings and timeouts, and may itself
	// authenticate (an SSWS header set by the caller). Default: a client
	// with a 30s timeout.
	HTTPClient *http.Client
	// Token yields the management credential: an OAuth access token of a
	// service app (token type Bearer), or an API token with token type
	// SSWS (see APIToken). Nil sends none, for an HTTPClient that
	// authenticates itself.
	Token oauth2.TokenSource
	// Owner is the ownership marker written into each app's profile.
	Owner string
	// PageSize is how many apps List asks for per page; default
	// DefaultPageSize (Okta allows up to 200).
	PageSize int
}

// APIToken is a token source for an Okta API token, sent as
// "Authorization: SSWS <token>".
func APIToken(token string) oauth2.TokenSource {
	return provider.StaticToken(token, "SSWS")
}

// Provider is the Okta adapter. It is safe for concurrent use.
type Provider struct {
	org        *url.URL
	authServer string
	hc         *http.Client
	token      oauth2.TokenSource
	owner      string
	pageSize   int
}

var _ provider.Provider = (*Provider)(nil)

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	org, err := url.Parse(strings.TrimSuffix(cfg.OrgURL, "/"))
	if err != nil || (org.Scheme != "https" && org.Scheme != "http") || org.Host == "" ||
		(org.Path != "" && org.Path != "/") || org.RawQuery != "" || org.Fragment != "" {
		return nil, provider.Errorf(provider.KindInvalidMetadata,
			"spec.okta.orgURL: %q is not the org's base URL (https://ORG.okta.com, no path)", cfg.OrgURL)
	}
	org.Path = ""
	as := cfg.AuthorizationServerID
	if as == "" {
		as = DefaultAuthorizationServer
	}
	if strings.ContainsAny(as, "/?#% ") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.okta.authorizationServerID: %q is not an authorization server ID", as)
	}
	size, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, 200)
	if err != nil {
		return nil, err
	}
	return &Provider{org: org, authServer: as, hc: provider.HTTPClient(cfg.HTTPClient), token: cfg.Token, owner: cfg.Owner, pageSize: size}, nil
}

// Issuer is the issuer of the custom authorization server the delivered
// clients get their tokens from.
func (p *Provider) Issuer() string {
	return p.org.String() + "/oauth2/" + p.authServer
}

// Endpoints returns the custom authorization server's endpoints.
func (p *Provider) Endpoints() provider.Endpoints {
	base := p.Issuer() + "/v1"
	return provider.Endpoints{
		Issuer: p.Issuer(), Token: base + "/token",
		Introspection: base + "/introspect", Revocation: base + "/revoke",
	}
}

// Capabilities reports what Okta can do: a caller-chosen client_id and
// secret, secrets that cannot be read back (orgs may hash them), two
// secrets at once for a rotation with overlap, deactivation as the native
// switch, and apps listed with paging.
func (p *Provider) Capabilities() provider.Capabilities {
	return provider.Capabilities{
		List:                 true,
		CallerChosenID:       true,
		CallerSuppliedSecret: true,
		RegenerateSecret:     true,
		OverlapSecrets:       true,
		MaxSecrets:           2,
		NativeDisable:        true,
	}
}

// request is one call to the management API.
type request struct {
	method, path string
	query        url.Values
	body         any
	// secrets are values the body carries that must never reach an error.
	secrets []string
}

// answer is the management API's reply.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// do sends r and returns the answer. Its error is typed and never holds the
// management credential or a secret.
func (p *Provider) do(ctx context.Context, r request) (answer, error) {
	u := *p.org
	u.Path = r.path
	u.RawQuery = r.query.Encode()
	got, err := provider.Send(ctx, p.hc, provider.Request{
		Method: r.method, URL: u.String(), Body: r.body, Secrets: r.secrets, MaxAnswer: provider.MaxAnswer,
		Authorize: p.authorize,
	})
	if err != nil {
		return answer{}, err
	}
	a := answer{status: got.Status, header: got.Header, body: got.Body}
	if a.status >= 400 {
		return a, fmt.Errorf("%s %s: %w", r.method, r.path, statusError(a, r.secrets...))
	}
	return a, nil
}

// authorize sets the Authorization header from the token source and returns
// the credential it sent ("" when there is no source).
func (p *Provider) authorize(req *http.Request) (string, error) {
	if p.token == nil {
		return "", nil
	}
	tok, err := p.token.Token()
	if err != nil {
		return "", provider.TokenError("obtaining the Okta management token", err)
	}
	if tok.AccessToken == "" {
		return "", provider.Errorf(provider.KindUnauthorized, "the Okta management token source returned an empty token")
	}
	switch typ := tok.Type(); {
	case strings.EqualFold(typ, "Bearer"):
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	case strings.EqualFold(typ, "SSWS"):
		req.Header.Set("Authorization", "SSWS "+tok.AccessToken)
	default:
		return "", provider.Errorf(provider.KindUnauthorized,
			"the Okta org token endpoint issued a %q token; the adapter sends Bearer tokens only: turn off \"Require Demonstrating Proof of Possession (DPoP)\" for the operator's service app", provider.CleanText(typ, 32, nil))
	}
	return tok.AccessToken, nil
}

// decode reads a JSON answer into v; what names the answer for an error,
// which never holds the body.
func decode(a answer, r request, v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		return provider.Malformed(r.method, r.path, "not the JSON expected")
	}
	return nil
}
