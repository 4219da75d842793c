package mgmtauth

import (
	"net/http"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// HeaderClient returns a client that adds headers to every request it sends
// (token requests and management API calls), over hc's transport, timeout,
// redirect policy and cookie jar. With no headers it returns hc itself (or
// http.DefaultClient when hc is nil).
func HeaderClient(hc *http.Client, headers map[string]string) *http.Client {
	if len(headers) == 0 {
		if hc == nil {
			return http.DefaultClient
		}
		return hc
	}
	h := make(http.Header, len(headers))
	for k, v := range headers {
		h.Set(k, v)
	}
	return provider.WrapTransport(hc, func(base http.RoundTripper) http.RoundTripper {
		return &headerTransport{base: base, headers: h}
	})
}

// headerTransport sets fixed headers on each request. The header values may
// be credentials (API keys): never log them.
type headerTransport struct {
	base    http.RoundTripper
	headers http.Header
}

// RoundTrip sends a copy of req carrying the extra headers; a RoundTripper
// must not change the request it was given.
func (t *headerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	for k, v := range t.headers {
		r.Header[k] = slices.Clone(v)
	}
	return t.base.RoundTrip(r)
}
