package authserver

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/oauthcall"
)

// Register sends metadata as a raw RFC 7591 registration request, with the
// initial access token when the server has one, and returns the server's
// answer (client_id, client_secret, registration_access_token, ...).
func (s *Server) Register(ctx context.Context, metadata map[string]any) (map[string]any, error) {
	body, err := json.Marshal(metadata)
	if err != nil {
		return nil, fmt.Errorf("registering a client: encoding metadata: %w", err)
	}
	status, resp, err := s.do(ctx, http.MethodPost, s.endpoints.Registration, bytes.NewReader(body), "application/json",
		bearer(s.opts.InitialAccessToken))
	if err != nil {
		return nil, fmt.Errorf("registering a client: %w", err)
	}
	if status != http.StatusCreated {
		return nil, fmt.Errorf("registering a client: %s", oauthcall.Describe(status, resp))
	}
	return decodeObject(resp, "registering a client")
}

// ClientCredentialsToken gets an access token for the client with the
// client_credentials grant (client_secret_basic); scope may be empty.
func (s *Server) ClientCredentialsToken(ctx context.Context, clientID, clientSecret, scope string) (string, error) {
	return oauthcall.ClientCredentialsToken(ctx, s.http, s.endpoints.Token, clientID, clientSecret, scope)
}

// Introspect asks the server about token (RFC 7662), authenticating as the
// given client, and returns the introspection response.
func (s *Server) Introspect(ctx context.Context, clientID, clientSecret, token string) (map[string]any, error) {
	form := url.Values{"token": {token}}
	what := fmt.Sprintf("introspecting a token as client %q", clientID)
	status, resp, err := s.do(ctx, http.MethodPost, s.endpoints.Introspection, strings.NewReader(form.Encode()),
		"application/x-www-form-urlencoded", basic(clientID, clientSecret))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("%s: %s", what, oauthcall.Describe(status, resp))
	}
	return decodeObject(resp, what)
}

// AdminListClients returns the stored metadata of every client.
func (s *Server) AdminListClients(ctx context.Context) ([]map[string]any, error) {
	resp, err := s.admin(ctx, http.MethodGet, "/_admin/clients", nil, "listing clients")
	if err != nil {
		return nil, err
	}
	var clients []map[string]any
	if err := json.Unmarshal(resp, &clients); err != nil {
		return nil, fmt.Errorf("listing clients: decoding: %w", err)
	}
	return clients, nil
}

// AdminGetClient returns one client's stored metadata; the error wraps
// os.ErrNotExist when there is no such client.
func (s *Server) AdminGetClient(ctx context.Context, id string) (map[string]any, error) {
	what := fmt.Sprintf("reading client %q", id)
	resp, err := s.admin(ctx, http.MethodGet, "/_admin/clients/"+url.PathEscape(id), nil, what)
	if err != nil {
		return nil, err
	}
	return decodeObject(resp, what)
}

// AdminDeleteClient removes a client and everything issued to it, as an
// administrator would by hand; the error wraps os.ErrNotExist when there is
// no such client.
func (s *Server) AdminDeleteClient(ctx context.Context, id string) error {
	_, err := s.admin(ctx, http.MethodDelete, "/_admin/clients/"+url.PathEscape(id), nil, fmt.Sprintf("deleting client %q", id))
	return err
}

// AdminPatchClient merges patch into a client's stored metadata (a null
// value removes the field); the server refuses metadata it would not accept.
func (s *Server) AdminPatchClient(ctx context.Context, id string, patch map[string]any) error {
	what := fmt.Sprintf("patching client %q", id)
	body, err := json.Marshal(patch)
	if err != nil {
		return fmt.Errorf("%s: encoding: %w", what, err)
	}
	_, err = s.admin(ctx, http.MethodPatch, "/_admin/clients/"+url.PathEscape(id), body, what)
	return err
}

// RequestCounts returns how many requests the server received since it
// started or was reset, keyed "METHOD /route" (e.g. "POST /reg",
// "GET /reg/:id", "POST /token"); admin calls are not counted.
func (s *Server) RequestCounts(ctx context.Context) (map[string]int, error) {
	resp, err := s.admin(ctx, http.MethodGet, "/_admin/requests", nil, "reading request counts")
	if err != nil {
		return nil, err
	}
	counts := map[string]int{}
	if err := json.Unmarshal(resp, &counts); err != nil {
		return nil, fmt.Errorf("reading request counts: decoding: %w", err)
	}
	return counts, nil
}

// ResetRequestCounts sets every request count back to zero.
func (s *Server) ResetRequestCounts(ctx context.Context) error {
	_, err := s.admin(ctx, http.MethodPost, "/_admin/requests/reset", nil, "resetting request counts")
	return err
}

// admin calls the admin API and returns the body of a 2xx answer.
func (s *Server) admin(ctx context.Context, method, path string, body []byte, what string) ([]byte, error) {
	var r io.Reader
	contentType := ""
	if body != nil {
		r, contentType = bytes.NewReader(body), "application/json"
	}
	status, resp, err := s.do(ctx, method, s.URL+path, r, contentType, bearer(s.AdminToken))
	switch {
	case err != nil:
		return nil, fmt.Errorf("%s: %w", what, err)
	case status == http.StatusNotFound:
		return nil, fmt.Errorf("%s: %w", what, os.ErrNotExist)
	case status < 200 || status > 299:
		return nil, fmt.Errorf("%s: %s", what, oauthcall.Describe(status, resp))
	}
	return resp, nil
}

// do sends one request and reads the whole answer.
func (s *Server) do(ctx context.Context, method, target string, body io.Reader, contentType string, auth func(*http.Request)) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, target, body)
	if err != nil {
		return 0, nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("Accept", "application/json")
	if auth != nil {
		auth(req)
	}
	return oauthcall.Do(s.http, req)
}

// bearer sets a bearer token when there is one.
func bearer(token string) func(*http.Request) {
	return func(r *http.Request) {
		if token != "" {
			r.Header.Set("Authorization", "Bearer "+token)
		}
	}
}

// basic sets client_secret_basic authentication (RFC 6749 section 2.3.1:
// both parts form-encoded first).
func basic(clientID, clientSecret string) func(*http.Request) {
	return func(r *http.Request) {
		r.SetBasicAuth(url.QueryEscape(clientID), url.QueryEscape(clientSecret))
	}
}

// decodeObject decodes a JSON object answer.
func decodeObject(data []byte, what string) (map[string]any, error) {
	var out map[string]any
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, fmt.Errorf("%s: decoding the answer: %w", what, err)
	}
	return out, nil
}
