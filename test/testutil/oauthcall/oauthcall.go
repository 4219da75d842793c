// Package oauthcall is what the test servers' clients (authserver for
// oidc-provider, hydra for Ory Hydra) send to a real authorization server
// in the same way: one request with its answer read whole, a refused
// answer described without anything the caller sent, and an access token
// by the client credentials grant.
package oauthcall

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxAnswer bounds an answer read by Do.
const maxAnswer = 1 << 20

// Do sends req with hc and reads the whole answer (at most 1 MiB).
func Do(hc *http.Client, req *http.Request) (int, []byte, error) {
	resp, err := hc.Do(req) //nolint:gosec // G704: a test helper; the URL is of a server the test itself started
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return 0, nil, fmt.Errorf("reading the answer to %s %s: %w", req.Method, req.URL.Path, err)
	}
	return resp.StatusCode, data, nil
}

// Describe describes a refused request by status and OAuth error code and
// description; it never repeats anything the caller sent.
func Describe(status int, body []byte) string {
	var oe struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	msg := fmt.Sprintf("HTTP %d", status)
	if json.Unmarshal(body, &oe) == nil && oe.Error != "" {
		msg += " " + oe.Error
		if oe.Description != "" {
			msg += ": " + oe.Description
		}
	}
	return msg
}

// ClientCredentialsToken gets an access token at tokenURL for the client
// with the client_credentials grant (client_secret_basic: ID and secret
// form-encoded first, as RFC 6749 §2.3.1 asks); scope may be empty.
func ClientCredentialsToken(ctx context.Context, hc *http.Client, tokenURL, clientID, clientSecret, scope string) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if scope != "" {
		form.Set("scope", scope)
	}
	what := fmt.Sprintf("getting a client_credentials token for client %q", clientID)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	status, body, err := Do(hc, req)
	if err != nil {
		return "", fmt.Errorf("%s: %w", what, err)
	}
	if status != http.StatusOK {
		return "", fmt.Errorf("%s: %s", what, Describe(status, body))
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return "", fmt.Errorf("%s: no access_token in the response", what)
	}
	return tok.AccessToken, nil
}
