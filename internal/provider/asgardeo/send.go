package asgardeo

import (
	"context"
	"encoding/json"
	"errors"
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
	a, err := provider.Send(ctx, p.hc, provider.Request{
		Method: method, URL: p.api + path, Body: body, Secrets: secrets, MaxAnswer: provider.MaxAnswer,
		Authorize: provider.Bearer(p.token, "the management token"),
	})
	return answer{status: a.Status, header: a.Header, body: a.Body}, err
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
			return provider.Malformed(method, path, "field "+te.Field+" has the wrong type")
		}
		return provider.Malformed(method, path, "not a JSON object")
	}
	return nil
}
