package provider

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// What a native adapter's New fills in where its Config leaves a field out,
// and the checks every adapter's New makes the same way.

// MaxAnswer is the largest answer a native adapter reads from its
// management API (4 MiB: a page of clients is far smaller).
const MaxAnswer = 4 << 20

// DefaultTimeout bounds each call of an adapter whose Config has no
// HTTPClient.
const DefaultTimeout = 30 * time.Second

// HTTPClient is hc, or a client with DefaultTimeout when hc is nil.
func HTTPClient(hc *http.Client) *http.Client {
	if hc == nil {
		return &http.Client{Timeout: DefaultTimeout}
	}
	return hc
}

// WrapTransport is a copy of hc (http.DefaultClient when nil), with its
// timeout, redirect policy and cookie jar, whose requests go through
// wrap(base): base is hc's transport, or http.DefaultTransport.
func WrapTransport(hc *http.Client, wrap func(base http.RoundTripper) http.RoundTripper) *http.Client {
	if hc == nil {
		hc = http.DefaultClient
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *hc
	c.Transport = wrap(base)
	return &c
}

// PageSize is the page size an adapter asks for: size, or def when size is
// zero. A negative size, or one above limit where limit is not zero, is
// InvalidMetadata naming the adapter (name).
func PageSize(name string, size, def, limit int) (int, error) {
	switch {
	case size < 0 && limit == 0:
		return 0, Errorf(KindInvalidMetadata, "%s: page size %d is negative", name, size)
	case size < 0 || (limit > 0 && size > limit):
		return 0, Errorf(KindInvalidMetadata, "%s: page size %d is not between 1 and %d", name, size, limit)
	case size == 0:
		return def, nil
	}
	return size, nil
}

// BaseURL parses the base URL of a management API: raw without a trailing
// slash, which must be an absolute http(s) URL with a host and without
// query or fragment. ok is false otherwise; the adapter names its field.
func BaseURL(raw string) (u *url.URL, ok bool) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, false
	}
	return u, true
}

// StaticToken is a token source for a fixed management token sent with
// tokenType as its scheme ("Bearer"; Okta's "SSWS").
func StaticToken(token, tokenType string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: token, TokenType: tokenType})
}

// DefaultAuthMethod is the token endpoint auth method of a client that
// names none (RFC 7591 §2).
const DefaultAuthMethod = "client_secret_basic"

// AuthMethod is m, or DefaultAuthMethod when m is empty.
func AuthMethod(m string) string {
	if m == "" {
		return DefaultAuthMethod
	}
	return m
}

// NeedsSecret reports whether a client with token endpoint auth method m
// (empty: DefaultAuthMethod) authenticates with a client secret.
func NeedsSecret(m string) bool {
	switch AuthMethod(m) {
	case "client_secret_basic", "client_secret_post", "client_secret_jwt":
		return true
	}
	return false
}
