package entra

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxMessage bounds how much of Graph's error message reaches an error
// (and from there a condition on the resource).
const maxMessage = 300

// Graph error codes the adapter tells apart.
const (
	codeNotFound = "Request_ResourceNotFound"
	codeDenied   = "Authorization_RequestDenied"
)

// graphError is Graph's error envelope: {"error":{"code":...,"message":...}}.
// innerError (request IDs, dates) and details are not used.
type graphError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// statusError turns a non-success answer of Graph into a typed provider
// error. secrets are values that must never appear in it; Graph's message
// is cleaned and bounded.
func statusError(status int, header http.Header, body []byte, secrets ...string) error {
	var ge graphError
	_ = json.Unmarshal(body, &ge) // a body that is not an error envelope adds nothing
	e := &provider.Error{
		Code:        provider.CleanText(ge.Error.Code, 64, secrets),
		Description: provider.CleanText(ge.Error.Message, maxMessage, secrets),
	}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = provider.KindRateLimited
		e.RetryAfter = provider.RetryAfterHeader(header, time.Now())
		e.Err = fmt.Errorf("HTTP %d: Microsoft Graph is throttling the operator", status)
	case status == http.StatusNotFound || ge.Error.Code == codeNotFound:
		e.Kind = provider.KindNotFound
		e.Err = fmt.Errorf("HTTP %d", status)
	case status == http.StatusUnauthorized || status == http.StatusForbidden || ge.Error.Code == codeDenied:
		e.Kind = provider.KindUnauthorized
		e.Err = fmt.Errorf("HTTP %d: Microsoft Graph refused the operator's token; check the app registration's Graph permissions (docs/providers/entra.md)", status)
	case status == http.StatusConflict:
		e.Kind = provider.KindConflict
		e.Err = fmt.Errorf("HTTP %d", status)
	case status == http.StatusBadRequest:
		e.Kind = provider.KindInvalidMetadata
		if e.Description == "" {
			e.Description = "Microsoft Graph rejected the application and gave no message (HTTP 400)"
		}
	default:
		e.Kind = provider.KindTransient
		e.RetryAfter = provider.RetryAfterHeader(header, time.Now())
		e.Err = fmt.Errorf("unexpected HTTP status %d", status)
	}
	return e
}

// malformed is the error for a success answer the adapter cannot read.
// what names the field at fault, never its value.
func malformed(method, path, what string) error {
	path, _, _ = strings.Cut(path, "?")
	return provider.Errorf(provider.KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}

// invalid is the error for a spec the adapter cannot register, naming the
// field.
func invalid(field, format string, args ...any) error {
	return provider.Errorf(provider.KindInvalidMetadata, "%s: "+format, append([]any{field}, args...)...)
}
