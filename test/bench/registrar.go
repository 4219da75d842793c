package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// registrar sends raw RFC 7591 registration requests, as the baseline's
// stand-in for the operator's provider adapter.
type registrar struct {
	endpoint string
	iat      string
	hc       *http.Client
}

// newRegistrar reads the registration endpoint from the issuer's discovery
// document. iat is the initial access token, empty for open registration;
// conns is how many connections to keep open (the caller's concurrency).
func newRegistrar(ctx context.Context, issuer, iat string, conns int) (*registrar, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = max(conns, 2)
	r := &registrar{iat: iat, hc: &http.Client{Transport: transport, Timeout: 30 * time.Second}}
	var doc struct {
		Registration string `json:"registration_endpoint"`
	}
	if err := r.do(ctx, http.MethodGet, issuer+"/.well-known/openid-configuration", nil, http.StatusOK, &doc); err != nil {
		return nil, fmt.Errorf("reading the discovery document of %s: %w", issuer, err)
	}
	if doc.Registration == "" {
		return nil, fmt.Errorf("%s has no registration_endpoint", issuer)
	}
	r.endpoint = doc.Registration
	return r, nil
}

// register registers a client with metadata and returns its client_id and
// client_secret.
func (r *registrar) register(ctx context.Context, metadata map[string]any) (id, secret string, err error) {
	var out struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	// A server overloaded by the machine's other work may drop a
	// connection (connection reset); the baseline then asks again, which
	// at worst registers a client nobody uses.
	for range 3 {
		if err = r.do(ctx, http.MethodPost, r.endpoint, metadata, http.StatusCreated, &out); !errors.As(err, new(*url.Error)) {
			break
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("registering a client: %w", err)
	}
	if out.ClientID == "" || out.ClientSecret == "" {
		return "", "", fmt.Errorf("registering a client: no client_id or client_secret in the answer")
	}
	return out.ClientID, out.ClientSecret, nil
}

// ccMetadata is the registration of a client_credentials client with
// client_secret_basic, like the operator's default; scope may be empty.
func ccMetadata(name, scope string) map[string]any {
	md := map[string]any{
		"client_name":                name,
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{},
		"token_endpoint_auth_method": "client_secret_basic",
	}
	if scope != "" {
		md["scope"] = scope
	}
	return md
}

func (r *registrar) do(ctx context.Context, method, url string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
		if r.iat != "" {
			req.Header.Set("Authorization", "Bearer "+r.iat)
		}
	}
	resp, err := r.hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		// The answer to a refused request carries an OAuth error code, never
		// a credential; only the code is shown.
		var oe struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(data, &oe)
		return fmt.Errorf("HTTP %d %s", resp.StatusCode, oe.Error)
	}
	return json.Unmarshal(data, out)
}
