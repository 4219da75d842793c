package mgmtauth

import (
	"fmt"
	"net/http"
	"strings"

	"golang.org/x/net/http/httpguts"
	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Scheme authenticates one management API request, typically by setting a
// header. Apply may be called concurrently and must not keep the request.
type Scheme interface {
	Apply(req *http.Request) error
}

// headerScheme sets one header to a fixed value, which is a secret.
type headerScheme struct {
	name, value string
}

// Apply sets the header.
func (s headerScheme) Apply(req *http.Request) error {
	req.Header.Set(s.name, s.value)
	return nil
}

// String names the header, not its value.
func (s headerScheme) String() string { return "header " + s.name + ": " + redacted }

// BearerScheme sends a static token as "Authorization: Bearer <token>"
// (RFC 6750), e.g. an API token of authentik or Ory Network.
func BearerScheme(token string) (Scheme, error) {
	if err := validToken("bearerToken", token); err != nil {
		return nil, err
	}
	return headerScheme{name: "Authorization", value: "Bearer " + token}, nil
}

// SSWSScheme sends an Okta API token as "Authorization: SSWS <token>".
func SSWSScheme(token string) (Scheme, error) {
	if err := validToken("sswsToken", token); err != nil {
		return nil, err
	}
	return headerScheme{name: "Authorization", value: "SSWS " + token}, nil
}

// APIKeyScheme sends value in the header name, e.g. "X-API-Key: <key>". The
// name may be Authorization, for a server with a scheme of its own (then
// value carries the prefix, e.g. "Token <key>"); Content-Type,
// Content-Length and Host are refused. The value is a secret: errors name
// the header, never the value.
func APIKeyScheme(name, value string) (Scheme, error) {
	if !httpguts.ValidHeaderFieldName(name) {
		return nil, fmt.Errorf("apiKey.header: %q is not a valid header name", sanitize(name, 64))
	}
	for _, r := range []string{"Content-Type", "Content-Length", "Host"} {
		if strings.EqualFold(name, r) {
			return nil, fmt.Errorf("apiKey.header: %s is set by the operator, not allowed here", r)
		}
	}
	if value == "" {
		return nil, fmt.Errorf("apiKey[%s]: value required", name)
	}
	if !httpguts.ValidHeaderFieldValue(value) || strings.TrimSpace(value) != value {
		return nil, fmt.Errorf("apiKey[%s]: value holds whitespace or control characters (a trailing newline in the Secret?)", name)
	}
	return headerScheme{name: http.CanonicalHeaderKey(name), value: value}, nil
}

// TokenScheme sends the access token of ts as "Authorization: Bearer
// <token>", fetching it (from the cache, for a source the Cache returned)
// on every request. A failure to get a token is the source's typed error.
func TokenScheme(ts oauth2.TokenSource) Scheme { return tokenScheme{ts: ts} }

type tokenScheme struct{ ts oauth2.TokenSource }

// Apply sets the Authorization header from the current token.
func (s tokenScheme) Apply(req *http.Request) error {
	tok, err := s.ts.Token()
	if err != nil {
		return err
	}
	if tok == nil || tok.AccessToken == "" {
		return provider.Errorf(provider.KindUnauthorized, "the management token source returned an empty token")
	}
	req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
	return nil
}

// Schemes applies each scheme in turn, e.g. a token and an API key a
// gateway in front of the server wants. A later scheme setting the same
// header wins.
func Schemes(schemes ...Scheme) Scheme { return multiScheme(schemes) }

type multiScheme []Scheme

// Apply applies every scheme, stopping at the first error.
func (m multiScheme) Apply(req *http.Request) error {
	for _, s := range m {
		if err := s.Apply(req); err != nil {
			return err
		}
	}
	return nil
}

// SchemeClient returns a client that authenticates every request it sends
// with s, over hc's transport, timeout, redirect policy and cookie jar (nil
// hc means http.DefaultClient). The caller's request is not modified. An
// error from s fails the request and is reachable with errors.As through
// the *url.Error the client returns.
func SchemeClient(hc *http.Client, s Scheme) *http.Client {
	return provider.WrapTransport(hc, func(base http.RoundTripper) http.RoundTripper {
		return &schemeTransport{base: base, scheme: s}
	})
}

// schemeTransport applies a scheme to a copy of each request.
type schemeTransport struct {
	base   http.RoundTripper
	scheme Scheme
}

// RoundTrip sends a copy of req authenticated by the scheme; a RoundTripper
// must not change the request it was given, and closes its body even when
// it fails.
func (t *schemeTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	if err := t.scheme.Apply(r); err != nil {
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, err
	}
	return t.base.RoundTrip(r)
}
