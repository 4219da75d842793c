package entra

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// answer is one Graph response, read whole.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request to Graph: path is below /v1.0 (with its query),
// body is marshalled as JSON when not nil, headers are added. secrets are
// values the request carries that no error may show. A transport failure
// or a failing token source is typed; the status is the caller's to judge.
func (p *Provider) call(ctx context.Context, method, path string, body any, headers map[string]string, secrets ...string) (answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return answer{}, provider.Errorf(provider.KindInvalidMetadata, "encoding the request: %v", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, p.graph+path, rd)
	if err != nil {
		return answer{}, provider.Errorf(provider.KindInvalidMetadata, "building %s %s: %v", method, cutQuery(path), err)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if p.token != nil {
		tok, err := p.token.Token()
		if err != nil {
			return answer{}, provider.TokenError("obtaining the Microsoft Graph token", err)
		}
		tok.SetAuthHeader(req)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return answer{}, &provider.Error{Kind: provider.KindTransient, Description: fmt.Sprintf("%s %s", method, cutQuery(path)), Err: ctx.Err()}
		}
		if _, ok := errors.AsType[*provider.Error](err); ok {
			return answer{}, err
		}
		return answer{}, provider.Errorf(provider.KindTransient, "%s %s: the request failed: %s", method, cutQuery(path), provider.CleanText(transportText(err), 200, secrets))
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, provider.MaxAnswer+1))
	if err != nil {
		return answer{}, provider.Errorf(provider.KindTransient, "%s %s: reading the answer failed", method, cutQuery(path))
	}
	if len(b) > provider.MaxAnswer {
		return answer{}, provider.Errorf(provider.KindTransient, "%s %s: the answer is larger than %d bytes", method, cutQuery(path), provider.MaxAnswer)
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// transportText is a transport error without the URL it carries (whose
// query may hold a filter value).
func transportText(err error) string {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err.Error()
	}
	return err.Error()
}

// cutQuery drops the query of a path for messages.
func cutQuery(path string) string {
	p, _, _ := strings.Cut(path, "?")
	return p
}

// do sends a request and wants one of the statuses ok; any other status is
// a typed error. It returns the answer for the caller to read.
func (p *Provider) do(ctx context.Context, method, path string, body any, headers map[string]string, ok ...int) (answer, error) {
	a, err := p.call(ctx, method, path, body, headers)
	if err != nil {
		return answer{}, err
	}
	if slices.Contains(ok, a.status) {
		return a, nil
	}
	return answer{}, statusError(a.status, a.header, a.body)
}

// decode reads a JSON object answer into v, naming what is wrong.
func decode(a answer, method, path string, v any) error {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(a.body, &raw); err != nil || raw == nil {
		return provider.Malformed(method, path, "not a JSON object")
	}
	if err := json.Unmarshal(a.body, v); err != nil {
		if te, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
			return provider.Malformed(method, path, fmt.Sprintf("field %s has the wrong type", te.Field))
		}
		return provider.Malformed(method, path, "not readable")
	}
	return nil
}

// odataString quotes s as an OData string literal.
func odataString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}

// keyPath is an alternate-key segment such as applications(appId='...'),
// escaped for a URL path.
func keyPath(set, key, value string) string {
	return "/" + set + "(" + key + "='" + url.PathEscape(strings.ReplaceAll(value, "'", "''")) + "')"
}
