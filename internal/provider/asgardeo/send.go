package asgardeo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// answer is one response of the management API.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// send makes one request to the management API (path below
// /t/{org}/api/server/v1, with its query) with an optional JSON body. Its
// error is a typed provider error and never holds the token or a secret;
// secrets are values the body carries.
func (p *Provider) send(ctx context.Context, method, path string, body any, secrets ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, fmt.Errorf("encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.api+path, rd)
	if err != nil {
		return answer{}, provider.Errorf(provider.KindInvalidMetadata, "building the request %s %s: %v", method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	var token string
	if p.token != nil {
		tok, err := p.token.Token()
		if err != nil {
			return answer{}, provider.TokenError("obtaining the management token", err)
		}
		if tok.AccessToken == "" {
			return answer{}, provider.Errorf(provider.KindUnauthorized, "the management token source returned an empty token")
		}
		token = tok.AccessToken
		req.Header.Set("Authorization", "Bearer "+token)
	}
	where := method + " " + req.URL.Path
	resp, err := p.hc.Do(req)
	if err != nil {
		return answer{}, &provider.Error{Kind: provider.KindTransient, Description: where, Err: provider.ScrubError(err, append(secrets, token))}
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponseSize+1))
	if err != nil {
		return answer{}, &provider.Error{Kind: provider.KindTransient, Description: "reading the answer of " + where, Err: provider.ScrubError(err, append(secrets, token))}
	}
	if len(b) > MaxResponseSize {
		return answer{}, provider.Errorf(provider.KindTransient, "the answer of %s is larger than %d bytes", where, MaxResponseSize)
	}
	if token != "" && resp.StatusCode >= 400 {
		b = bytes.ReplaceAll(b, []byte(token), []byte("[redacted]"))
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// expect sends a request and returns its answer when the status is one of
// ok; otherwise the typed error of the answer. scope is the management
// scope the operation needs.
func (p *Provider) expect(ctx context.Context, method, path, scope string, body any, ok []int, secrets ...string) (answer, error) {
	a, err := p.send(ctx, method, path, body, secrets...)
	if err != nil {
		return answer{}, err
	}
	if slices.Contains(ok, a.status) {
		return a, nil
	}
	return answer{}, statusError(a.status, a.header, a.body, scope, secrets...)
}

// decode reads a JSON object answer into v, naming what is wrong.
func decode(a answer, method, path string, v any) error {
	if err := json.Unmarshal(a.body, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) && te.Field != "" {
			return malformed(method, path, "field "+te.Field+" has the wrong type")
		}
		return malformed(method, path, "not a JSON object")
	}
	return nil
}
