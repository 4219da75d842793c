package mgmtauth

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const (
	// tokenRequestTimeout bounds one token request, whatever the base
	// client's timeout: a hung endpoint must not hold every reconcile.
	tokenRequestTimeout = 30 * time.Second
	// maxResponseBytes bounds how much of a token response is read.
	maxResponseBytes = 1 << 20
	// minAssertionLifetime keeps exp after iat, which count whole seconds.
	minAssertionLifetime = 10 * time.Second
)

// assertionOptions are the aud and lifetime of the assertions this package
// signs for one token endpoint.
type assertionOptions struct {
	audience string
	lifetime time.Duration
	tokenURL string
	// usedElsewhere says another signer (a JWT bearer grant's) uses them
	// when the client's authentication does not.
	usedElsewhere bool
}

func (o assertionOptions) validate(p string) error {
	if o.lifetime != 0 && (o.lifetime < minAssertionLifetime || o.lifetime > MaxAssertionLifetime) {
		return fmt.Errorf("%sassertionLifetime: must be between %s and %s (or 0 for %s)", p, minAssertionLifetime, MaxAssertionLifetime, DefaultAssertionLifetime)
	}
	return nil
}

// aud is the configured audience, or the token URL.
func (o assertionOptions) aud() string {
	if o.audience != "" {
		return o.audience
	}
	return o.tokenURL
}

// forClient returns o for the client's authentication, noting whether the
// grant signs with them too.
func (o assertionOptions) forClient(grantSigns bool) assertionOptions {
	o.usedElsewhere = grantSigns
	return o
}

// clientAuth is how the operator's client authenticates at the token
// endpoint: a secret (Basic, Form, JSON), a signed assertion (private key
// or client_secret_jwt), a federated assertion from a file, or nothing.
type clientAuth struct {
	// style is resolved: never empty.
	style    v1alpha1.AuthStyle
	clientID string
	secret   string
	signer   *assertionSigner
	file     string
	keyText  string
}

// newClientAuth validates one way of authenticating; at most one of secret,
// key and file is set. Errors name fields under prefix p.
func newClientAuth(p, clientID, secret string, key *PrivateKey, file string, style v1alpha1.AuthStyle, opts assertionOptions) (clientAuth, error) {
	a := clientAuth{style: style, clientID: clientID, secret: secret, file: file}
	switch style {
	case "", v1alpha1.AuthStyleBasic, v1alpha1.AuthStyleForm, v1alpha1.AuthStyleJSON, v1alpha1.AuthStyleSecretJWT:
	default:
		return a, fmt.Errorf("%sauthStyle: %q is not one of Basic, Form, JSON, SecretJWT", p, sanitize(string(style), 40))
	}
	what := ""
	switch {
	case key != nil:
		what = "privateKey"
	case file != "":
		what = "assertionFile"
	case secret == "":
		what = "no client secret"
	}
	if what != "" {
		// Only the body can carry an assertion or a bare client_id.
		if style == v1alpha1.AuthStyleBasic || style == v1alpha1.AuthStyleSecretJWT {
			return a, fmt.Errorf("%sauthStyle: %s needs a client secret; with %s use Form or JSON", p, style, what)
		}
		if a.style == "" {
			a.style = v1alpha1.AuthStyleForm
		}
	} else if a.style == "" {
		a.style = v1alpha1.AuthStyleBasic
	}
	switch {
	case key != nil:
		k, err := key.signingKey(p + "privateKey")
		if err != nil {
			return a, err
		}
		a.signer = newAssertionSigner(k, clientID, clientID, opts.aud(), opts.lifetime)
		a.keyText = key.Key
	case file != "":
		if err := validAssertionFile(p+"assertionFile", file); err != nil {
			return a, err
		}
	case a.style == v1alpha1.AuthStyleSecretJWT:
		a.signer = newAssertionSigner(hmacKey(secret), clientID, clientID, opts.aud(), opts.lifetime)
	}
	if a.signer == nil && !opts.usedElsewhere && (opts.audience != "" || opts.lifetime != 0) {
		return a, fmt.Errorf("%sassertionAudience, assertionLifetime: only used with privateKey or authStyle SecretJWT", p)
	}
	if err := opts.validate(p); err != nil {
		return a, err
	}
	return a, nil
}

// secrets are the values of a that must never appear in an error message.
func (a clientAuth) secrets() []string {
	return []string{a.secret, url.QueryEscape(a.secret), a.keyText}
}

// apply adds the client's authentication to a request's body parameters
// or headers. It returns any assertion it sent, a secret for as long as it
// is valid.
func (a clientAuth) apply(params url.Values, header http.Header, now time.Time) (string, error) {
	var assertion string
	switch {
	case a.signer != nil:
		s, err := a.signer.assertion(now)
		if err != nil {
			return "", &provider.Error{Kind: provider.KindTransient, Description: "signing the client assertion", Err: err}
		}
		assertion = s
	case a.file != "":
		s, err := readAssertionFile(a.file)
		if err != nil {
			return "", &provider.Error{Kind: provider.KindUnauthorized, Description: "client assertion", Err: err}
		}
		assertion = s
	case a.secret != "" && a.style == v1alpha1.AuthStyleBasic:
		// RFC 6749 section 2.3.1: both are form-urlencoded before Basic.
		creds := url.QueryEscape(a.clientID) + ":" + url.QueryEscape(a.secret)
		header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(creds)))
		return "", nil
	case a.secret != "":
		params.Set("client_id", a.clientID)
		params.Set("client_secret", a.secret)
		return "", nil
	default:
		if a.clientID != "" {
			params.Set("client_id", a.clientID)
		}
		return "", nil
	}
	// RFC 7521 section 4.2: client_id is optional beside an assertion, but
	// some servers (Entra ID) want it, and it must name the client.
	params.Set("client_id", a.clientID)
	params.Set("client_assertion_type", ClientAssertionTypeJWT)
	params.Set("client_assertion", assertion)
	return assertion, nil
}

// grantSource fetches tokens with one grant (client credentials or JWT
// bearer), and with the refresh_token grant when the server issued a
// refresh token. It is not safe for concurrent use: reuseSource serialises
// the calls.
type grantSource struct {
	r *request
	// client is the base client plus the request's extra headers.
	client   *http.Client
	requests *atomic.Int64
	now      func() time.Time

	refreshToken string
}

// Token fetches a new token, by refresh token when there is one, falling
// back to the grant itself when the refresh is refused.
func (s *grantSource) Token() (*oauth2.Token, error) {
	if s.refreshToken != "" {
		t, err := s.post(s.refreshParams(), "")
		if err == nil {
			if t.RefreshToken == "" {
				// RFC 6749 section 6: the old refresh token stays valid
				// unless the server issues a new one.
				t.RefreshToken = s.refreshToken
			}
			s.refreshToken = t.RefreshToken
			return t, nil
		}
		// Expired, revoked or otherwise refused: start over with the
		// client's own credentials.
		s.refreshToken = ""
	}
	t, err := s.login()
	if err != nil {
		return nil, fmt.Errorf("requesting management token from %s: %w", s.r.tokenURL, err)
	}
	s.refreshToken = t.RefreshToken
	return t, nil
}

// login makes the grant's own request: a full login.
func (s *grantSource) login() (*oauth2.Token, error) {
	params := url.Values{"grant_type": {s.r.grantType}}
	for k, v := range s.r.params {
		params[k] = slices.Clone(v)
	}
	var assertion string
	switch {
	case s.r.grantFile != "":
		a, err := readAssertionFile(s.r.grantFile)
		if err != nil {
			return nil, &provider.Error{Kind: provider.KindUnauthorized, Description: "JWT bearer assertion", Err: err}
		}
		assertion = a
	case s.r.grantSigner != nil:
		a, err := s.r.grantSigner.assertion(s.now())
		if err != nil {
			return nil, &provider.Error{Kind: provider.KindTransient, Description: "signing the JWT bearer assertion", Err: err}
		}
		assertion = a
	}
	if assertion != "" {
		params.Set("assertion", assertion)
	}
	return s.post(params, assertion)
}

// refreshParams are the body parameters of a refresh request (RFC 6749
// section 6). Extra parameters such as a tenant, and resource indicators
// (RFC 8707 section 2.2), go along.
func (s *grantSource) refreshParams() url.Values {
	p := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {s.refreshToken}}
	for k, v := range s.r.params {
		if k != "scope" && k != "audience" {
			p[k] = slices.Clone(v)
		}
	}
	return p
}

// post makes one token request with params plus the client's
// authentication. Its error is a provider error with every secret scrubbed
// from the message: the client's secrets, header values, the refresh token
// and any assertion sent.
func (s *grantSource) post(params url.Values, assertion string) (*oauth2.Token, error) {
	s.requests.Add(1)
	header := http.Header{}
	clientAssertion, err := s.r.auth.apply(params, header, s.now())
	secrets := slices.Concat(s.r.secretValues, []string{assertion, clientAssertion, s.refreshToken})
	slices.SortFunc(secrets, func(a, b string) int { return len(b) - len(a) })
	if err != nil {
		return nil, redact(err, secrets)
	}
	t, err := s.send(params, header, secrets)
	return t, redact(err, secrets)
}

// send posts the request, form-encoded or as JSON, and parses the answer.
func (s *grantSource) send(params url.Values, header http.Header, secrets []string) (*oauth2.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenRequestTimeout)
	defer cancel()
	var (
		body        []byte
		contentType string
	)
	if s.r.json {
		body, contentType = jsonBody(params), "application/json"
	} else {
		body, contentType = []byte(params.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.r.tokenURL, bytes.NewReader(body))
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "building token request", Err: err}
	}
	maps.Copy(req.Header, header)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Accept", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	rb, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "reading token response", Err: err}
	}
	return s.r.format.parse(resp.StatusCode, resp.Header, rb, s.now(), secrets)
}

// jsonBody encodes params as one JSON object: a parameter given once is a
// string, one given several times (resource) an array.
func jsonBody(params url.Values) []byte {
	m := make(map[string]any, len(params))
	for k, v := range params {
		if len(v) == 1 {
			m[k] = v[0]
		} else {
			m[k] = v
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		// Strings and string slices always encode.
		panic(fmt.Sprintf("encoding token request: %v", err))
	}
	return b
}
