package entra

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

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
	e := provider.AnswerError(status, header, provider.ServerText{
		Code: ge.Error.Code, Description: ge.Error.Message,
		Rejected: "Microsoft Graph rejected the application and gave no message (HTTP 400)",
	}, secrets)
	// Graph's error code says NotFound or denied under other statuses too.
	switch {
	case status == http.StatusTooManyRequests:
		e.Err = fmt.Errorf("HTTP %d: Microsoft Graph is throttling the operator", status)
	case status == http.StatusNotFound || ge.Error.Code == codeNotFound:
		e.Kind, e.RetryAfter, e.Err = provider.KindNotFound, 0, fmt.Errorf("HTTP %d", status)
	case status == http.StatusUnauthorized || status == http.StatusForbidden || ge.Error.Code == codeDenied:
		e.Kind, e.RetryAfter = provider.KindUnauthorized, 0
		e.Err = fmt.Errorf("HTTP %d: Microsoft Graph refused the operator's token; check the app registration's Graph permissions (docs/providers/entra.md)", status)
	}
	return e
}

// invalid is the error for a spec the adapter cannot register, naming the
// field.
func invalid(field, format string, args ...any) error {
	return provider.Errorf(provider.KindInvalidMetadata, "%s: "+format, append([]any{field}, args...)...)
}
