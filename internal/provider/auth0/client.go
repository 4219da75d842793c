package auth0

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// clientFields are the client fields the adapter reads (the fields query
// parameter): never client_secret, so a read carries no secret.
const clientFields = "client_id,name,description,app_type,grant_types,callbacks,token_endpoint_auth_method,client_metadata,global"

// wireClient is a client as the Management API answers it, reduced to
// what the adapter reads.
type wireClient struct {
	ClientID     string            `json:"client_id"`
	ClientSecret string            `json:"client_secret"`
	Name         string            `json:"name"`
	Description  string            `json:"description"`
	AppType      string            `json:"app_type"`
	GrantTypes   []string          `json:"grant_types"`
	Callbacks    []string          `json:"callbacks"`
	AuthMethod   string            `json:"token_endpoint_auth_method"`
	Metadata     map[string]string `json:"client_metadata"`
	Global       bool              `json:"global"`
}

// wireGrant is a client grant.
type wireGrant struct {
	ID       string   `json:"id"`
	ClientID string   `json:"client_id"`
	Audience string   `json:"audience"`
	Scope    []string `json:"scope"`
	IsSystem bool     `json:"is_system"`
}

// decode reads one JSON object of the answer into v. Its errors name the
// field at fault, never its value.
func decode(body []byte, v any) error {
	if t := bytes.TrimSpace(body); len(t) == 0 || t[0] != '{' {
		return errors.New("not a JSON object")
	}
	if err := json.Unmarshal(body, v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok && te.Field != "" {
			// Only the top-level name: deeper parts of the path can be
			// map keys the answer chose (client_metadata's).
			top, _, _ := strings.Cut(te.Field, ".")
			return fmt.Errorf("field %s has the wrong type", top)
		}
		return errors.New("not a JSON object")
	}
	return nil
}

// parseClient reads a body holding one client.
func parseClient(body []byte) (wireClient, error) {
	var c wireClient
	if err := decode(body, &c); err != nil {
		return wireClient{}, err
	}
	if c.ClientID == "" {
		return wireClient{}, errors.New("field client_id is missing")
	}
	return c, nil
}

// client converts what Auth0 holds for the controller; grants are the
// client's grants (audience → scopes). Auth0 has no disable switch, so
// Enabled is always true.
func (c wireClient) client(grants map[string][]string) provider.Client {
	var scopes, audiences []string
	for aud, s := range grants {
		audiences = append(audiences, aud)
		scopes = append(scopes, s...)
	}
	spec := provider.ClientSpec{
		ClientName:              c.Name,
		Description:             c.Description,
		GrantTypes:              c.GrantTypes,
		Scopes:                  normalize(scopes),
		Audience:                normalize(audiences),
		RedirectURIs:            c.Callbacks,
		TokenEndpointAuthMethod: c.AuthMethod,
		Options:                 &observedOptions{AppType: c.AppType, Grants: grants},
		CreateKey:               c.Metadata[MetadataCreate],
	}
	if len(c.Metadata) > 0 {
		spec.Extra = maps.Clone(c.Metadata)
	}
	secret := c.ClientSecret
	if c.AuthMethod == "none" {
		secret = "" // a public client: Auth0 keeps a secret nobody uses
	}
	return provider.Client{ClientID: c.ClientID, ClientSecret: secret, Spec: spec, Enabled: true}
}

// observedOptions is what Observe reports in Spec.Options: the app type
// and the client grants as Auth0 holds them, for Diff.
type observedOptions struct {
	AppType string
	Grants  map[string][]string
}

// send makes one Management API call. path is below the base URL (e.g.
// /clients); body, when not nil, is sent as JSON. secrets are values the
// request carries that must never appear in an error.
func (p *Provider) send(ctx context.Context, method, path string, query url.Values, body any, secrets []string) (int, http.Header, []byte, error) {
	u := p.base.JoinPath(path)
	if query != nil {
		u.RawQuery = query.Encode()
	}
	a, err := provider.Send(ctx, p.hc, provider.Request{
		Method: method, URL: u.String(), Body: body, Secrets: secrets, MaxAnswer: provider.MaxAnswer,
		Authorize: provider.Bearer(p.token, "the Management API token"),
	})
	return a.Status, a.Header, a.Body, err
}

// call sends a request that wants one client back with status want.
func (p *Provider) call(ctx context.Context, method, path string, query url.Values, body any, want int, secrets ...string) (wireClient, error) {
	status, header, data, err := p.send(ctx, method, path, query, body, secrets)
	if err != nil {
		return wireClient{}, err
	}
	if status != want {
		return wireClient{}, statusError(status, header, data, secrets...)
	}
	c, err := parseClient(data)
	if err != nil {
		return wireClient{}, provider.Malformed(method, path, err.Error())
	}
	return c, nil
}

// get reads a client without its secret.
func (p *Provider) get(ctx context.Context, id string) (wireClient, error) {
	return p.call(ctx, http.MethodGet, clientPath(id), fieldsQuery(), nil, http.StatusOK)
}

// patch changes a client's fields and returns it as Auth0 now holds it.
func (p *Provider) patch(ctx context.Context, id string, fields map[string]any, secrets ...string) (wireClient, error) {
	return p.call(ctx, http.MethodPatch, clientPath(id), nil, fields, http.StatusOK, secrets...)
}

// fieldsQuery asks for the fields the adapter reads and no others.
func fieldsQuery() url.Values {
	return url.Values{"fields": {clientFields}, "include_fields": {"true"}}
}

func clientPath(id string) string { return "/clients/" + url.PathEscape(id) }

// checkID refuses a client ID that cannot be one of Auth0's.
func checkID(id string) error {
	if id == "" || strings.ContainsAny(id, "/?#%") || strings.TrimSpace(id) != id || len(id) > 255 {
		return provider.Errorf(provider.KindNotFound, "%q is not an Auth0 client_id", id)
	}
	return nil
}
