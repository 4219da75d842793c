// Package mgmtauth is the toolkit with which the operator authenticates to
// an authorization server's management API. Adapters compose what their
// server needs:
//
//   - token sources (Source, handed to Cache.TokenSource): an RFC 7591
//     initial access token, a static bearer token, the OAuth 2.0 client
//     credentials grant with the client authenticated by a secret (HTTP
//     Basic, form body, JSON body or an HS256 client_secret_jwt assertion),
//     by its own private key (RFC 7523 private_key_jwt, RS256 or ES256) or by
//     a federated JWT read from a file (a Kubernetes service-account token),
//     and the RFC 7523 JWT bearer grant with an assertion from a file or
//     signed with a private key;
//   - header schemes (Scheme, SchemeClient) for the API calls themselves:
//     Authorization: Bearer, Authorization: SSWS (Okta API tokens), API-key
//     headers, or the bearer token of a token source.
//
// Key material and secrets are values handed in: the caller reads the
// Secrets, this package never reads Kubernetes. Fetched tokens are cached per
// AuthServer and replaced shortly before they expire, so a reconcile never
// fetches a token of its own. No secret, assertion, key or token is ever put
// in an error message.
package mgmtauth

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/http/httpguts"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// ClientCredentials configures the OAuth 2.0 client credentials grant
// (RFC 6749 section 4.4) used to obtain management tokens. The client
// authenticates with exactly one of ClientSecret, PrivateKey and
// AssertionFile.
type ClientCredentials struct {
	// TokenURL is the token endpoint.
	TokenURL string
	// ClientID identifies the operator's management client.
	ClientID string
	// ClientSecret authenticates it, in the way AuthStyle says. Never
	// logged or put in an error.
	ClientSecret string
	// PrivateKey, instead of a secret, signs a new RFC 7523 client
	// assertion for every request (private_key_jwt): iss and sub are the
	// ClientID, aud is AssertionAudience.
	PrivateKey *PrivateKey `json:",omitempty"`
	// AssertionFile, instead of a secret, is the absolute path of a file
	// holding a JWT that is sent as the client assertion, read anew for
	// every request: a federated credential such as a projected Kubernetes
	// service-account token (what Microsoft Entra ID calls workload
	// identity federation). Its content is never logged.
	AssertionFile string `json:",omitempty"`
	// AssertionAudience is the aud claim of the assertions this package
	// signs (PrivateKey, or v1alpha1.AuthStyleSecretJWT). Default: TokenURL.
	AssertionAudience string `json:",omitempty"`
	// AssertionLifetime is how long each signed assertion is valid.
	// Default DefaultAssertionLifetime, at most MaxAssertionLifetime.
	AssertionLifetime time.Duration `json:",omitempty"`
	// Scopes requested, sent space-separated as scope (e.g. Entra's
	// https://graph.microsoft.com/.default).
	Scopes []string
	// Audience is sent as the audience parameter when set (e.g. Auth0's
	// https://TENANT/api/v2/).
	Audience string
	// Resources are RFC 8707 resource indicators, each sent as a resource
	// parameter (absolute URIs without a fragment).
	Resources []string `json:",omitempty"`
	// AuthStyle defaults to v1alpha1.AuthStyleBasic with a client secret and to
	// v1alpha1.AuthStyleForm otherwise.
	AuthStyle v1alpha1.AuthStyle
	// ExtraParams are added to the token request body, e.g. a tenant.
	ExtraParams map[string]string
	// ExtraHeaders are added to token requests and to management API calls,
	// e.g. an API key. Their values are treated as secrets.
	ExtraHeaders map[string]string
	// Response describes the server's deviations in its token responses.
	Response ResponseFormat
}

// JWTBearer configures the JWT bearer authorization grant (RFC 7523
// section 2.1, grant_type urn:ietf:params:oauth:grant-type:jwt-bearer): the
// operator presents a JWT that the server trusts (for example a Kubernetes
// service-account token from a cluster whose issuer the server trusts) and
// needs no management secret at all. The assertion comes from exactly one of
// AssertionFile and PrivateKey.
type JWTBearer struct {
	// TokenURL is the token endpoint.
	TokenURL string
	// AssertionFile is the absolute path of a file holding the JWT to
	// present, read anew for every token request, so a projected
	// service-account token that the kubelet rotates is always current.
	AssertionFile string `json:",omitempty"`
	// PrivateKey, instead, signs a new assertion for every request with
	// Issuer, Subject and AssertionAudience as its iss, sub and aud (the
	// JWT profile of servers such as ZITADEL).
	PrivateKey *PrivateKey `json:",omitempty"`
	// Issuer and Subject of a signed assertion; both required with
	// PrivateKey.
	Issuer  string `json:",omitempty"`
	Subject string `json:",omitempty"`
	// AssertionAudience is the aud claim of signed assertions. Default:
	// TokenURL.
	AssertionAudience string `json:",omitempty"`
	// AssertionLifetime is how long each signed assertion is valid.
	// Default DefaultAssertionLifetime, at most MaxAssertionLifetime.
	AssertionLifetime time.Duration `json:",omitempty"`
	// ClientID, optional, identifies a client alongside the grant, and
	// ClientSecret, optional, authenticates it in the way AuthStyle says
	// (RFC 7523 leaves client authentication to the server). With neither
	// the request carries no client authentication.
	ClientID     string `json:",omitempty"`
	ClientSecret string `json:",omitempty"`
	// AuthStyle defaults to v1alpha1.AuthStyleBasic with a client secret and to
	// v1alpha1.AuthStyleForm otherwise; without a secret only Form and JSON apply.
	AuthStyle v1alpha1.AuthStyle `json:",omitempty"`
	// Scopes, Audience, Resources, ExtraParams, ExtraHeaders and Response
	// are as in ClientCredentials.
	Scopes       []string          `json:",omitempty"`
	Audience     string            `json:",omitempty"`
	Resources    []string          `json:",omitempty"`
	ExtraParams  map[string]string `json:",omitempty"`
	ExtraHeaders map[string]string `json:",omitempty"`
	Response     ResponseFormat
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
	// JWTBearer fetches tokens with the JWT bearer grant.
	JWTBearer *JWTBearer `json:",omitempty"`
	// HTTPClient, when set, carries token requests instead of the cache's
	// client (e.g. one that trusts the server's CA bundle). It is not part
	// of the fingerprint: use a new cache key when it must change.
	HTTPClient *http.Client `json:"-"`
}

// reservedParams are set by this package; ExtraParams may not override them.
// resource is not among them: before Resources existed it was set here.
var reservedParams = []string{
	"grant_type", "client_id", "client_secret", "scope", "audience", "refresh_token",
	"client_assertion", "client_assertion_type", "assertion",
}

// reservedHeaders are set by this package or by net/http.
var reservedHeaders = []string{"Authorization", "Content-Type", "Content-Length", "Host"}

// Validate returns an error naming the offending field, e.g.
// "clientCredentials.tokenURL: required". It never includes a secret value.
func (s Source) Validate() error {
	_, err := s.prepare()
	return err
}

// prepare validates s and, for a grant, returns its parsed request; for a
// static token it returns nil.
func (s Source) prepare() (*request, error) {
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
	if s.JWTBearer != nil {
		set = append(set, "jwtBearer")
	}
	const one = "exactly one of initialAccessToken, bearerToken, clientCredentials or jwtBearer must be set"
	switch len(set) {
	case 0:
		return nil, errors.New(one)
	case 1:
	default:
		return nil, fmt.Errorf("%s, got %s", one, strings.Join(set, " and "))
	}
	switch {
	case s.InitialAccessToken != "":
		return nil, validToken("initialAccessToken", s.InitialAccessToken)
	case s.BearerToken != "":
		return nil, validToken("bearerToken", s.BearerToken)
	case s.JWTBearer != nil:
		return s.JWTBearer.prepare()
	}
	return s.ClientCredentials.prepare()
}

// validToken checks that a static token can be sent in a header. The most
// common way to break one is a trailing newline in the Secret.
func validToken(field, token string) error {
	if token == "" {
		return errors.New(field + ": required")
	}
	if !httpguts.ValidHeaderFieldValue(token) || strings.TrimSpace(token) != token {
		return fmt.Errorf("%s: holds whitespace or control characters (a trailing newline in the Secret?)", field)
	}
	return nil
}

// request is what a token request needs, whichever grant: the validated,
// parsed form of ClientCredentials and JWTBearer.
type request struct {
	tokenURL     string
	auth         clientAuth
	json         bool
	params       map[string][]string
	headers      map[string]string
	format       ResponseFormat
	grantSigner  *assertionSigner
	grantFile    string
	grantType    string
	secretValues []string
}

// prepare validates c and parses its key. Errors name the field under
// "clientCredentials.".
func (c *ClientCredentials) prepare() (*request, error) {
	const p = "clientCredentials."
	if err := validTokenURL(p, c.TokenURL); err != nil {
		return nil, err
	}
	if c.ClientID == "" {
		return nil, errors.New(p + "clientID: required")
	}
	var set []string
	if c.ClientSecret != "" {
		set = append(set, "clientSecret")
	}
	if c.PrivateKey != nil {
		set = append(set, "privateKey")
	}
	if c.AssertionFile != "" {
		set = append(set, "assertionFile")
	}
	switch len(set) {
	case 0:
		return nil, errors.New(p + "clientSecret: required (or privateKey or assertionFile)")
	case 1:
	default:
		return nil, fmt.Errorf("%s: set one of clientSecret, privateKey and assertionFile, got %s", strings.TrimSuffix(p, "."), strings.Join(set, " and "))
	}
	r := &request{tokenURL: c.TokenURL, grantType: "client_credentials"}
	auth, err := newClientAuth(p, c.ClientID, c.ClientSecret, c.PrivateKey, c.AssertionFile, c.AuthStyle,
		assertionOptions{audience: c.AssertionAudience, lifetime: c.AssertionLifetime, tokenURL: c.TokenURL})
	if err != nil {
		return nil, err
	}
	r.auth, r.json = auth, auth.style == v1alpha1.AuthStyleJSON
	if err := r.setParams(p, c.Scopes, c.Audience, c.Resources, c.ExtraParams); err != nil {
		return nil, err
	}
	if err := validHeaders(p, c.ExtraHeaders); err != nil {
		return nil, err
	}
	if err := c.Response.validate(p + "response."); err != nil {
		return nil, err
	}
	r.headers, r.format = c.ExtraHeaders, c.Response
	r.secretValues = append(auth.secrets(), mapValues(c.ExtraHeaders)...)
	return r, nil
}

// prepare validates j and parses its key. Errors name the field under
// "jwtBearer.".
func (j *JWTBearer) prepare() (*request, error) {
	const p = "jwtBearer."
	if err := validTokenURL(p, j.TokenURL); err != nil {
		return nil, err
	}
	r := &request{tokenURL: j.TokenURL, grantType: GrantTypeJWTBearer}
	opts := assertionOptions{audience: j.AssertionAudience, lifetime: j.AssertionLifetime, tokenURL: j.TokenURL}
	switch {
	case j.AssertionFile == "" && j.PrivateKey == nil:
		return nil, errors.New(p + "assertionFile: required (or privateKey)")
	case j.AssertionFile != "" && j.PrivateKey != nil:
		return nil, errors.New("jwtBearer: set one of assertionFile and privateKey, got assertionFile and privateKey")
	case j.AssertionFile != "":
		if err := validAssertionFile(p+"assertionFile", j.AssertionFile); err != nil {
			return nil, err
		}
		if j.Issuer != "" || j.Subject != "" {
			return nil, errors.New(p + "issuer, subject: only used with privateKey")
		}
		r.grantFile = j.AssertionFile
	default:
		if j.Issuer == "" {
			return nil, errors.New(p + "issuer: required with privateKey")
		}
		if j.Subject == "" {
			return nil, errors.New(p + "subject: required with privateKey")
		}
		key, err := j.PrivateKey.signingKey(p + "privateKey")
		if err != nil {
			return nil, err
		}
		if err := opts.validate(p); err != nil {
			return nil, err
		}
		r.grantSigner = newAssertionSigner(key, j.Issuer, j.Subject, opts.aud(), opts.lifetime)
	}
	if j.ClientSecret != "" && j.ClientID == "" {
		return nil, errors.New(p + "clientID: required with clientSecret")
	}
	// The grant's own signer uses the assertion options; the client's
	// authentication may use them too (SecretJWT).
	auth, err := newClientAuth(p, j.ClientID, j.ClientSecret, nil, "", j.AuthStyle, opts.forClient(r.grantSigner != nil))
	if err != nil {
		return nil, err
	}
	r.auth, r.json = auth, auth.style == v1alpha1.AuthStyleJSON
	if err := r.setParams(p, j.Scopes, j.Audience, j.Resources, j.ExtraParams); err != nil {
		return nil, err
	}
	if err := validHeaders(p, j.ExtraHeaders); err != nil {
		return nil, err
	}
	if err := j.Response.validate(p + "response."); err != nil {
		return nil, err
	}
	r.headers, r.format = j.ExtraHeaders, j.Response
	r.secretValues = append(auth.secrets(), mapValues(j.ExtraHeaders)...)
	if j.PrivateKey != nil {
		r.secretValues = append(r.secretValues, j.PrivateKey.Key)
	}
	return r, nil
}

// setParams validates and stores the grant's own parameters.
func (r *request) setParams(p string, scopes []string, audience string, resources []string, extra map[string]string) error {
	params := map[string][]string{}
	if len(scopes) > 0 {
		params["scope"] = []string{strings.Join(scopes, " ")}
	}
	if audience != "" {
		params["audience"] = []string{audience}
	}
	if _, ok := extra["resource"]; ok && len(resources) > 0 {
		return fmt.Errorf("%sresources: also set as extraParams[resource]: use one", p)
	}
	for i, res := range resources {
		u, err := url.Parse(res)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(res, "#") {
			return fmt.Errorf("%sresources[%d]: must be an absolute URI without a fragment (RFC 8707)", p, i)
		}
	}
	if len(resources) > 0 {
		params["resource"] = append([]string(nil), resources...)
	}
	for _, k := range slices.Sorted(maps.Keys(extra)) {
		if k == "" {
			return errors.New(p + "extraParams: empty parameter name")
		}
		if slices.Contains(reservedParams, k) {
			return fmt.Errorf("%sextraParams[%s]: set by the operator, not allowed here", p, k)
		}
		params[k] = []string{extra[k]}
	}
	r.params = params
	return nil
}

// validTokenURL checks a token endpoint URL.
func validTokenURL(p, tokenURL string) error {
	u, err := url.Parse(tokenURL)
	switch {
	case tokenURL == "":
		return errors.New(p + "tokenURL: required")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "":
		return errors.New(p + "tokenURL: must be an absolute http or https URL")
	case u.User != nil:
		return errors.New(p + "tokenURL: must not contain user information")
	}
	return nil
}

// validHeaders checks extra headers: names valid and not reserved, values
// sendable. Errors name the header, never the value.
func validHeaders(p string, headers map[string]string) error {
	for _, k := range slices.Sorted(maps.Keys(headers)) {
		if !httpguts.ValidHeaderFieldName(k) {
			return fmt.Errorf("%sextraHeaders[%q]: not a valid header name", p, k)
		}
		for _, r := range reservedHeaders {
			if strings.EqualFold(k, r) {
				return fmt.Errorf("%sextraHeaders[%s]: set by the operator, not allowed here", p, k)
			}
		}
		if !httpguts.ValidHeaderFieldValue(headers[k]) {
			// Name the header, never the value: it may be an API key.
			return fmt.Errorf("%sextraHeaders[%s]: value holds characters not allowed in a header", p, k)
		}
	}
	return nil
}

// Headers returns the extra headers to send on management API calls, or nil.
func (s Source) Headers() map[string]string {
	switch {
	case s.ClientCredentials != nil:
		return s.ClientCredentials.ExtraHeaders
	case s.JWTBearer != nil:
		return s.JWTBearer.ExtraHeaders
	}
	return nil
}

// fingerprint is a hash over every field of s, secrets included, so that a
// rotated secret yields a new value. Only the hash is compared, never shown.
func (s Source) fingerprint() string {
	// encoding/json writes map keys sorted, so equal Sources hash equal.
	b, err := json.Marshal(s) //nolint:gosec // G117: the secrets are marshalled only to be hashed, never shown
	if err != nil {
		// Marshalling strings, slices and string maps cannot fail.
		panic(fmt.Sprintf("fingerprinting management credentials: %v", err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func mapValues(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for _, k := range slices.Sorted(maps.Keys(m)) {
		out = append(out, m[k])
	}
	return out
}
