package asgardeofake

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// SpecFile is the vendor document every exchange with the fake is checked
// against.
const SpecFile = "wso2/applications.yaml"

// Running is a fake served on loopback for one test.
type Running struct {
	*Server
	// URL is the base URL (the block's baseURL).
	URL string
	// Issuer is the organization's token endpoint, its issuer.
	Issuer string
}

// ContractOptions are the allowances every test of the fake needs: the
// paths the Application Management document does not describe (the token
// endpoint, its discovery documents, the API Resource Management API) and
// the 404 the server answers for a PATCH of an unknown application, which
// the document leaves out.
func ContractOptions(org string) []contract.Option {
	t := "/t/" + org
	return []contract.Option{
		contract.Outside("POST", t+"/oauth2/token"),
		contract.Outside("GET", t+"/oauth2/token/.well-known/openid-configuration"),
		contract.Outside("GET", "/.well-known/oauth-authorization-server"+t+"/oauth2/token"), // RFC 8414's location: 404
		contract.Outside("GET", t+"/api/server/v1/api-resources"),
		contract.AllowStatus("PATCH", "/applications/{applicationId}", http.StatusNotFound),
	}
}

// StartT serves a new fake on loopback until the test ends, every request
// and answer checked against SpecFile (extra adds allowances).
func StartT(t testing.TB, o Options, extra ...contract.Option) *Running {
	t.Helper()
	s := New(o)
	spec := contract.Load(t, SpecFile, append(ContractOptions(s.org), extra...)...)
	srv := httptest.NewServer(spec.Handler(t, s.Handler()))
	t.Cleanup(srv.Close)
	return &Running{Server: s, URL: srv.URL, Issuer: s.TokenURL(srv.URL)}
}

// Token gets an access token with the client credentials grant (HTTP
// Basic) and fails unless every scope asked for (space separated) was
// granted.
func (r *Running) Token(ctx context.Context, clientID, secret, scope string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.Issuer, strings.NewReader(form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return "", err
	}
	defer func() { _ = resp.Body.Close() }()
	var body struct {
		AccessToken string `json:"access_token"`
		Scope       string `json:"scope"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return "", fmt.Errorf("token endpoint: HTTP %d, not JSON", resp.StatusCode)
	}
	if resp.StatusCode != http.StatusOK || body.AccessToken == "" {
		return "", fmt.Errorf("token endpoint: HTTP %d %s", resp.StatusCode, body.Error)
	}
	granted := strings.Fields(body.Scope)
	for s := range strings.FieldsSeq(scope) {
		if !slices.Contains(granted, s) {
			return "", fmt.Errorf("token endpoint: scope %q not granted (got %q)", s, body.Scope)
		}
	}
	return body.AccessToken, nil
}
