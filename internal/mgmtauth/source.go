// Package mgmtauth obtains the bearer token the operator itself presents to an
// authorization server's management API: an RFC 7591 initial access token, a
// static bearer token, or a token fetched with OAuth 2.0 client credentials.
// Client-credentials tokens are cached per AuthServer and refreshed shortly
// before they expire, so a reconcile never fetches a token of its own.
package mgmtauth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// AuthStyle says how the client ID and secret travel to the token endpoint.
type AuthStyle string

// The supported auth styles.
const (
	// AuthStyleBasic sends them in an HTTP Basic Authorization header
	// (client_secret_basic). The default.
	AuthStyleBasic AuthStyle = "Basic"
	// AuthStyleForm sends them as client_id and client_secret in the
	// form-encoded body (client_secret_post).
	AuthStyleForm AuthStyle = "Form"
	// AuthStyleJSON sends the whole request, credentials included, as a JSON
	// object (the Auth0 style).
	AuthStyleJSON AuthStyle = "JSON"
)

// ClientCredentials configures the OAuth 2.0 client credentials grant
// (RFC 6749 section 4.4) used to obtain management tokens.
type ClientCredentials struct {
	// TokenURL is the token endpoint.
	TokenURL string
	// ClientID identifies the operator's management client.
	ClientID string
	// ClientSecret authenticates it. Never logged or put in an error.
	ClientSecret string
	// Scopes requested, sent space-separated as scope.
	Scopes []string
	// Audience is sent as the audience parameter when set.
	Audience string
	// AuthStyle defaults to AuthStyleBasic.
	AuthStyle AuthStyle
	// ExtraParams are added to the token request body, e.g. a tenant.
	ExtraParams map[string]string
	// ExtraHeaders are added to token requests and to management API calls,
	// e.g. an API key. Their values are treated as secrets.
	ExtraHeaders map[string]string
}

// Source describes one way to get the management bearer token. Exactly one
// of the fields is set.
type Source struct {
	// InitialAccessToken is an RFC 7591 initial access token.
	InitialAccessToken string
	// BearerToken is a static, long-lived bearer token.
	BearerToken string
	// ClientCredentials fetches tokens with the client credentials grant.
	ClientCredentials *ClientCredentials
	// HTTPClient, when set, carries token requests instead of the cache's
	// client (e.g. one that trusts the server's CA bundle). It is not part
	// of the fingerprint: use a new cache key when it must change.
	HTTPClient *http.Client `json:"-"`
}

// reservedParams are set by this package; ExtraParams may not override them.
var reservedParams = []string{"grant_type", "client_id", "client_secret", "scope", "audience", "refresh_token"}

// reservedHeaders are set by this package or by net/http.
var reservedHeaders = []string{"Authorization", "Content-Type", "Content-Length", "Host"}

// Validate returns an error naming the offending field, e.g.
// "clientCredentials.tokenURL: required". It never includes a secret value.
func (s Source) Validate() error {
	var set []string
	if s.InitialAccessToken != "" {
		set = append(set, "initialAccessToken")
	}
	if s.BearerToken != "" {
		set = append(set, "bearerToken")
	}
	if s.ClientCredentials != nil {
		set = append(set, "clientCredentials")
	}
	switch len(set) {
	case 0:
		return errors.New("exactly one of initialAccessToken, bearerToken or clientCredentials must be set")
	case 1:
	default:
		return fmt.Errorf("exactly one of initialAccessToken, bearerToken or clientCredentials must be set, got %s", strings.Join(set, " and "))
	}
	switch {
	case s.InitialAccessToken != "":
		return validToken("initialAccessToken", s.InitialAccessToken)
	case s.BearerToken != "":
		return validToken("bearerToken", s.BearerToken)
	}
	return s.ClientCredentials.validate()
}

// validToken checks that a static token can be sent in a header. The most
// common way to break one is a trailing newline in the Secret.
func validToken(field, token string) error {
	if !httpguts.ValidHeaderFieldValue(token) || strings.TrimSpace(token) != token {
		return fmt.Errorf("%s: holds whitespace or control characters (a trailing newline in the Secret?)", field)
	}
	return nil
}

func (c *ClientCredentials) validate() error {
	const p = "clientCredentials."
	u, err := url.Parse(c.TokenURL)
	switch {
	case c.TokenURL == "":
		return errors.New(p + "tokenURL: required")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return errors.New(p + "tokenURL: must be an absolute http or https URL")
	case u.User != nil:
		return errors.New(p + "tokenURL: must not contain user information")
	case c.ClientID == "":
		return errors.New(p + "clientID: required")
	case c.ClientSecret == "":
		return errors.New(p + "clientSecret: required")
	}
	switch c.AuthStyle {
	case "", AuthStyleBasic, AuthStyleForm, AuthStyleJSON:
	default:
		return fmt.Errorf("%sauthStyle: %q is not one of Basic, Form, JSON", p, c.AuthStyle)
	}
	for _, k := range sortedKeys(c.ExtraParams) {
		if k == "" {
			return errors.New(p + "extraParams: empty parameter name")
		}
		for _, r := range reservedParams {
			if k == r {
				return fmt.Errorf("%sextraParams[%s]: set by the operator, not allowed here", p, k)
			}
		}
	}
	for _, k := range sortedKeys(c.ExtraHeaders) {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("%sextraHeaders[%q]: not a valid header name", p, k)
		}
		for _, r := range reservedHeaders {
			if strings.EqualFold(k, r) {
				return fmt.Errorf("%sextraHeaders[%s]: set by the operator, not allowed here", p, k)
			}
		}
		if !httpguts.ValidHeaderFieldValue(c.ExtraHeaders[k]) {
			// Name the header, never the value: it may be an API key.
			return fmt.Errorf("%sextraHeaders[%s]: value holds characters not allowed in a header", p, k)
		}
	}
	return nil
}

// Headers returns the extra headers to send on management API calls, or nil.
func (s Source) Headers() map[string]string {
	if s.ClientCredentials == nil {
		return nil
	}
	return s.ClientCredentials.ExtraHeaders
}

// authStyle returns the configured style, defaulting to Basic.
func (c *ClientCredentials) authStyle() AuthStyle {
	if c.AuthStyle == "" {
		return AuthStyleBasic
	}
	return c.AuthStyle
}

// fingerprint is a hash over every field of s, secrets included, so that a
// rotated secret yields a new value. Only the hash is compared, never shown.
func (s Source) fingerprint() string {
	// encoding/json writes map keys sorted, so equal Sources hash equal.
	b, err := json.Marshal(s)
	if err != nil {
		// Marshalling strings, slices and string maps cannot fail.
		panic(fmt.Sprintf("fingerprinting management credentials: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
