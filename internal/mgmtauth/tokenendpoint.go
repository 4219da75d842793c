package mgmtauth

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const (
	// tokenRequestTimeout bounds one token request, whatever the base
	// client's timeout: a hung endpoint must not hold every reconcile.
	tokenRequestTimeout = 30 * time.Second
	// maxResponseBytes bounds how much of a token response is read.
	maxResponseBytes = 1 << 20
)

// ccSource fetches tokens with the client credentials grant, and with the
// refresh_token grant when the server issued a refresh token. It is not safe
// for concurrent use: reuseSource serialises the calls.
type ccSource struct {
	cc ClientCredentials
	// client is the base client plus cc.ExtraHeaders.
	client   *http.Client
	requests *atomic.Int64
	now      func() time.Time

	refreshToken string
}

// Token fetches a new token, by refresh token when there is one, falling
// back to the client credentials grant when the refresh is refused.
func (s *ccSource) Token() (*oauth2.Token, error) {
	if s.refreshToken != "" {
		t, err := s.request(s.refreshParams())
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
	t, err := s.request(s.grantParams())
	if err != nil {
		return nil, fmt.Errorf("requesting management token from %s: %w", s.cc.TokenURL, err)
	}
	s.refreshToken = t.RefreshToken
	return t, nil
}

// grantParams are the body parameters of a client credentials request,
// without the client's own credentials.
func (s *ccSource) grantParams() map[string]string {
	p := map[string]string{"grant_type": "client_credentials"}
	if len(s.cc.Scopes) > 0 {
		p["scope"] = strings.Join(s.cc.Scopes, " ")
	}
	if s.cc.Audience != "" {
		p["audience"] = s.cc.Audience
	}
	for k, v := range s.cc.ExtraParams {
		p[k] = v
	}
	return p
}

// refreshParams are the body parameters of a refresh request (RFC 6749
// section 6). Extra parameters such as a tenant go along.
func (s *ccSource) refreshParams() map[string]string {
	p := map[string]string{"grant_type": "refresh_token", "refresh_token": s.refreshToken}
	for k, v := range s.cc.ExtraParams {
		p[k] = v
	}
	return p
}

// request makes one token request in the configured auth style. Its error is
// a provider error with every secret scrubbed from the message.
func (s *ccSource) request(params map[string]string) (*oauth2.Token, error) {
	s.requests.Add(1)
	ctx, cancel := context.WithTimeout(context.Background(), tokenRequestTimeout)
	defer cancel()
	var (
		t   *oauth2.Token
		err error
	)
	if s.cc.authStyle() == AuthStyleJSON {
		t, err = s.postJSON(ctx, params)
	} else {
		t, err = s.postForm(ctx, params)
	}
	return t, redact(err, s.secrets())
}

// postForm sends a form-encoded request through x/oauth2, with the client
// credentials in a Basic header or in the body.
func (s *ccSource) postForm(ctx context.Context, params map[string]string) (*oauth2.Token, error) {
	style := oauth2.AuthStyleInHeader
	if s.cc.authStyle() == AuthStyleForm {
		style = oauth2.AuthStyleInParams
	}
	v := make(url.Values, len(params))
	for k, p := range params {
		v.Set(k, p)
	}
	// x/oauth2 lets EndpointParams override grant_type, which is how the
	// refresh request reuses this path with all its auth styles.
	conf := clientcredentials.Config{
		ClientID:       s.cc.ClientID,
		ClientSecret:   s.cc.ClientSecret,
		TokenURL:       s.cc.TokenURL,
		EndpointParams: v,
		AuthStyle:      style,
	}
	t, err := conf.Token(context.WithValue(ctx, oauth2.HTTPClient, s.client))
	if err != nil {
		return nil, s.fromOAuth2Error(err)
	}
	if !t.Expiry.IsZero() {
		// x/oauth2 stamps the expiry with the real clock; move it onto
		// ours so that the refresh schedule uses one clock throughout.
		t.Expiry = s.now().Add(time.Until(t.Expiry))
	}
	return t, nil
}

// fromOAuth2Error types an error from x/oauth2.
func (s *ccSource) fromOAuth2Error(err error) error {
	var re *oauth2.RetrieveError
	if errors.As(err, &re) {
		var (
			status int
			header http.Header
		)
		if re.Response != nil {
			status, header = re.Response.StatusCode, re.Response.Header
		}
		return classify(status, header, re.ErrorCode, re.ErrorDescription, s.now())
	}
	// Network failures, timeouts and 2xx bodies that are not a token.
	return &provider.Error{Kind: provider.KindTransient, Err: err}
}

// postJSON sends the request as one JSON object, credentials included: the
// style x/oauth2 cannot do.
func (s *ccSource) postJSON(ctx context.Context, params map[string]string) (*oauth2.Token, error) {
	body := make(map[string]string, len(params)+2)
	for k, v := range params {
		body[k] = v
	}
	body["client_id"] = s.cc.ClientID
	body["client_secret"] = s.cc.ClientSecret
	b, err := json.Marshal(body)
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "encoding token request", Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.cc.TokenURL, bytes.NewReader(b))
	if err != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "building token request", Err: err}
	}
	req.Header.Set("Content-Type", "application/json")
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
	return ParseTokenResponse(resp.StatusCode, resp.Header, rb, s.now())
}

// secrets lists every value that must not appear in an error message,
// longest first so that a secret containing another is scrubbed whole.
func (s *ccSource) secrets() []string {
	out := []string{s.cc.ClientSecret, url.QueryEscape(s.cc.ClientSecret), s.refreshToken}
	for _, v := range s.cc.ExtraHeaders {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
