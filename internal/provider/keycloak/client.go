package keycloak

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// answer is one response of the admin API.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one admin API call: path is below the realm
// (/clients/{id}...), query may be nil, body is encoded as JSON when not
// nil. secrets are values to cut from any error (a secret that was sent).
// A status that is not 2xx is returned as an answer, not an error: the
// caller decides which statuses it expects.
func (p *Provider) send(ctx context.Context, method, path string, query url.Values, body any, secrets ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	u := *p.base
	u.RawPath = p.realmPath + path
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = query.Encode()
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return answer{}, fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var tok string
	if p.token != nil {
		t, err := p.token.Token()
		if err != nil {
			return answer{}, provider.TokenError("obtaining the admin API token", err)
		}
		if t.AccessToken == "" {
			return answer{}, provider.Errorf(provider.KindUnauthorized, "the admin API token source returned an empty token")
		}
		tok = t.AccessToken
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	secrets = append(secrets, tok)
	where := method + " " + u.Path
	resp, err := p.hc.Do(req)
	if err != nil {
		return answer{}, &provider.Error{Kind: provider.KindTransient, Description: where, Err: provider.ScrubError(err, secrets)}
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return answer{}, &provider.Error{Kind: provider.KindTransient, Description: "reading the answer of " + where, Err: provider.ScrubError(err, secrets)}
	}
	if len(b) > MaxResponseSize {
		return answer{}, provider.Errorf(provider.KindTransient, "the answer of %s is larger than %d bytes", where, MaxResponseSize)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// call is send for a call whose only good answers are the 2xx ones; any
// other status is the typed error of statusError.
func (p *Provider) call(ctx context.Context, method, path string, query url.Values, body any, secrets ...string) (answer, error) {
	a, err := p.send(ctx, method, path, query, body, secrets...)
	if err != nil {
		return a, err
	}
	if a.status < 200 || a.status > 299 {
		return a, statusError(a, secrets...)
	}
	return a, nil
}

// getJSON GETs path and decodes a 200's body into into.
func (p *Provider) getJSON(ctx context.Context, path string, into any) error {
	a, err := p.call(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(a.body, into); err != nil {
		return malformed(http.MethodGet, path, "not the JSON the admin API documents")
	}
	return nil
}

// clientPath is the admin path of the client with internal id id.
func clientPath(id string) string { return "/clients/" + url.PathEscape(id) }
