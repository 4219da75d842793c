// Package discovery finds an authorization server's endpoints from its
// metadata document: RFC 8414 (OAuth 2.0 Authorization Server Metadata)
// first, then OpenID Connect Discovery 1.0.
package discovery

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// MaxDocumentSize is the largest metadata document Fetch reads (1 MiB).
const MaxDocumentSize = 1 << 20

// defaultTimeout bounds a fetch when the caller passes no HTTP client.
const defaultTimeout = 30 * time.Second

// ErrInvalidDocument matches (errors.Is) a metadata document that was found
// but cannot be used: not JSON, a required field missing, an endpoint that is
// not an absolute http(s) URL, or an issuer other than the configured one.
// Retrying does not help; the issuer URL or the server needs fixing.
var ErrInvalidDocument = errors.New("invalid discovery document")

// document is the part of the metadata document the operator uses.
type document struct {
	Issuer                string `json:"issuer"`
	TokenEndpoint         string `json:"token_endpoint"`
	RegistrationEndpoint  string `json:"registration_endpoint"`
	IntrospectionEndpoint string `json:"introspection_endpoint"`
	RevocationEndpoint    string `json:"revocation_endpoint"`
}

// URLs returns the metadata document locations for issuer, in the order Fetch
// tries them: the RFC 8414 one (with "/.well-known/oauth-authorization-server"
// inserted between the host and the path, RFC 8414 §3.1) and the OpenID
// Connect Discovery one (issuer + "/.well-known/openid-configuration").
func URLs(issuer string) (rfc8414, openID string, err error) {
	u, err := url.Parse(issuer)
	if err != nil {
		return "", "", fmt.Errorf("parsing issuer %q: %w", issuer, err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", "", fmt.Errorf("issuer %q is not an absolute http(s) URL", issuer)
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", "", fmt.Errorf("issuer %q must not have a query, fragment or user info (RFC 8414 §2)", issuer)
	}
	path := strings.TrimSuffix(u.EscapedPath(), "/")
	base := u.Scheme + "://" + u.Host
	return base + "/.well-known/oauth-authorization-server" + path,
		base + path + "/.well-known/openid-configuration", nil
}

// Fetch discovers the endpoints of issuer. It tries the RFC 8414 document
// first and the OpenID Connect one second, and accepts a document only when
// its issuer equals the configured issuer exactly.
//
// Errors: network failures, timeouts, 429 and 5xx match provider.ErrTransient;
// no document at either location matches provider.ErrNotFound; a document
// that cannot be used matches ErrInvalidDocument. hc may be nil.
func Fetch(ctx context.Context, hc *http.Client, issuer string) (provider.Endpoints, error) {
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	first, second, err := URLs(issuer)
	if err != nil {
		return provider.Endpoints{}, err
	}
	var errs []error
	for _, loc := range []string{first, second} {
		ep, err := fetchOne(ctx, hc, loc, issuer)
		if err == nil {
			return ep, nil
		}
		errs = append(errs, err)
	}
	if errors.Is(errs[0], provider.ErrNotFound) && errors.Is(errs[1], provider.ErrNotFound) {
		return provider.Endpoints{}, provider.Errorf(provider.KindNotFound,
			"no discovery document at %s or %s", first, second)
	}
	// Report the more telling failure first so errors.Is and KindOf see it:
	// a document that was found beats a 404.
	if errors.Is(errs[0], provider.ErrNotFound) {
		errs[0], errs[1] = errs[1], errs[0]
	}
	return provider.Endpoints{}, fmt.Errorf("discovering endpoints of %s: %w", issuer, errors.Join(errs...))
}

// fetchOne reads and checks the document at loc.
func fetchOne(ctx context.Context, hc *http.Client, loc, issuer string) (provider.Endpoints, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, loc, nil)
	if err != nil {
		return provider.Endpoints{}, fmt.Errorf("building request for %s: %w", loc, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return provider.Endpoints{}, &provider.Error{Kind: provider.KindTransient,
			Description: "fetching " + loc, Err: err}
	}
	defer func() { _ = resp.Body.Close() }()

	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotFound, http.StatusGone:
		return provider.Endpoints{}, provider.Errorf(provider.KindNotFound, "%s: HTTP %d", loc, resp.StatusCode)
	default:
		// 5xx and 429 pass; any other status is at least as likely to be a
		// proxy or server misconfiguration that is fixed without us.
		return provider.Endpoints{}, provider.Errorf(provider.KindTransient,
			"fetching %s: unexpected HTTP status %d", loc, resp.StatusCode)
	}

	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxDocumentSize+1))
	if err != nil {
		return provider.Endpoints{}, &provider.Error{Kind: provider.KindTransient,
			Description: "reading " + loc, Err: err}
	}
	if len(body) > MaxDocumentSize {
		return provider.Endpoints{}, fmt.Errorf("%s: %w: larger than %d bytes", loc, ErrInvalidDocument, MaxDocumentSize)
	}
	ep, err := Parse(body)
	if err != nil {
		return provider.Endpoints{}, fmt.Errorf("%s: %w", loc, err)
	}
	if ep.Issuer != issuer {
		return provider.Endpoints{}, fmt.Errorf("%s: %w: document issuer %q does not equal the configured issuer %q",
			loc, ErrInvalidDocument, ep.Issuer, issuer)
	}
	return ep, nil
}

// Parse reads a metadata document. It requires issuer and token_endpoint and
// checks that every endpoint present is an absolute http(s) URL. It does not
// compare the issuer with anything: Fetch does.
func Parse(body []byte) (provider.Endpoints, error) {
	var doc document
	if err := json.Unmarshal(body, &doc); err != nil {
		return provider.Endpoints{}, fmt.Errorf("%w: not a JSON object with string endpoints: %v", ErrInvalidDocument, err)
	}
	if doc.Issuer == "" {
		return provider.Endpoints{}, fmt.Errorf("%w: issuer is missing", ErrInvalidDocument)
	}
	if doc.TokenEndpoint == "" {
		return provider.Endpoints{}, fmt.Errorf("%w: token_endpoint is missing", ErrInvalidDocument)
	}
	fields := []struct{ name, value string }{
		{"issuer", doc.Issuer},
		{"token_endpoint", doc.TokenEndpoint},
		{"registration_endpoint", doc.RegistrationEndpoint},
		{"introspection_endpoint", doc.IntrospectionEndpoint},
		{"revocation_endpoint", doc.RevocationEndpoint},
	}
	for _, f := range fields {
		if f.value != "" && !isHTTPURL(f.value) {
			return provider.Endpoints{}, fmt.Errorf("%w: %s %q is not an absolute http(s) URL", ErrInvalidDocument, f.name, f.value)
		}
	}
	return provider.Endpoints{
		Issuer:        doc.Issuer,
		Token:         doc.TokenEndpoint,
		Registration:  doc.RegistrationEndpoint,
		Introspection: doc.IntrospectionEndpoint,
		Revocation:    doc.RevocationEndpoint,
	}, nil
}

// isHTTPURL reports whether s is an absolute http or https URL with a host.
func isHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
