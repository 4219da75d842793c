package keycloak

import (
	"context"
	"encoding/json"
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
	u := *p.base
	u.RawPath = p.realmPath + path
	u.Path, _ = url.PathUnescape(u.RawPath)
	u.RawQuery = query.Encode()
	a, err := provider.Send(ctx, p.hc, provider.Request{
		Method: method, URL: u.String(), Body: body, Secrets: secrets, MaxAnswer: provider.MaxAnswer,
		Authorize: provider.Bearer(p.token, "the admin API token"),
	})
	return answer{status: a.Status, header: a.Header, body: a.Body}, err
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
		return provider.Malformed(http.MethodGet, path, "not the JSON the admin API documents")
	}
	return nil
}

// clientPath is the admin path of the client with internal id id.
func clientPath(id string) string { return "/clients/" + url.PathEscape(id) }
