package auth0fake

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// SpecFile is Auth0's Management API document in ../shared/specs.
const SpecFile = "auth0/management-api-oas.json"

// Server is a started fake tenant.
type Server struct {
	*Tenant
	// URL is the tenant's base URL, http://127.0.0.1:PORT.
	URL string
	// Domain is its host and port: the auth0 block's domain.
	Domain string
	// Issuer is the tenant's issuer, URL + "/".
	Issuer string
	// TokenURL is its token endpoint, URL + "/oauth/token".
	TokenURL string
	// ManagementAudience is the Management API's audience, URL + "/api/v2/".
	ManagementAudience string
	// ManagementClientID and ManagementClientSecret are the operator's
	// machine-to-machine application (client_secret_post), granted
	// ManagementScopes on the Management API.
	ManagementClientID, ManagementClientSecret string
	// API is the audience of the tenant's one API besides the Management
	// API, for the clients under test.
	API string
}

// DefaultAPI is the audience of the API every fake tenant has.
const DefaultAPI = "https://api.example.com"

// Start starts a fake tenant on loopback for the test, its Management API
// traffic checked against Auth0's OpenAPI document (each violation fails
// t). Discovery and the token endpoint are outside that document.
func Start(t testing.TB) *Server {
	t.Helper()
	spec := contract.Load(t, SpecFile,
		contract.Outside(http.MethodPost, "/oauth/token"),
		contract.Outside(http.MethodGet, "/.well-known/openid-configuration"),
		// Auth0 has no RFC 8414 document (the fake answers 404 there, so
		// discovery takes the OpenID one).
		contract.Outside(http.MethodGet, "/.well-known/oauth-authorization-server"))
	tenant := NewTenant(DefaultAPI)
	srv := httptest.NewServer(tenant.WithFaults(spec.Handler(t, tenant)))
	t.Cleanup(srv.Close)
	s := &Server{
		Tenant: tenant, URL: srv.URL, Domain: strings.TrimPrefix(srv.URL, "http://"),
		Issuer: srv.URL + "/", TokenURL: srv.URL + "/oauth/token", ManagementAudience: srv.URL + "/api/v2/",
		ManagementClientID: "mgmt" + randomID(28), ManagementClientSecret: randomID(64), API: DefaultAPI,
	}
	tenant.setBase(srv.URL, s.ManagementClientID, s.ManagementClientSecret)
	return s
}

// ClientCredentialsToken asks the token endpoint for a token for audience
// with scope (space separated; empty asks for all granted), authenticating
// with HTTP Basic or in the body as basic says. It returns the granted
// scope, or an error holding the endpoint's error code and description
// (never the secret).
func (s *Server) ClientCredentialsToken(ctx context.Context, id, secret, audience, scope string, basic bool) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}, "audience": {audience}}
	if scope != "" {
		form.Set("scope", scope)
	}
	if !basic {
		form.Set("client_id", id)
		form.Set("client_secret", secret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.TokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<16))
	var out struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.NewDecoder(bytes.NewReader(body)).Decode(&out)
	if resp.StatusCode != http.StatusOK || out.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: HTTP %d %s: %s", resp.StatusCode, out.Error, out.Description)
	}
	return out.Scope, nil
}
