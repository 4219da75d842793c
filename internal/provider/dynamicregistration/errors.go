package dynamicregistration

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// endpoint says which kind of endpoint answered: the registration endpoint
// (RFC 7591) or a client configuration endpoint (RFC 7592).
type endpoint int

const (
	registrationEndpoint endpoint = iota
	configurationEndpoint
)

// oauthError is the RFC 6749 §5.2 / RFC 7591 §3.2.2 error body.
type oauthError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// statusError turns a non-success HTTP reply into a typed provider error.
// secrets are values that must never appear in the result (the bearer token
// that was sent); they are cut out of the server's description should it echo
// them.
//
// A 401 at a client configuration endpoint means KindNotFound: RFC 7592 §2.1,
// §2.2 and §2.3 require a server to answer 401 when the client does not exist,
// and a client whose registration access token the server no longer accepts
// cannot be read, changed or deleted by us ever again, which is the same thing
// for the operator. A 401 at the registration endpoint is a refused initial
// access (or management) token: KindUnauthorized.
func statusError(at endpoint, status int, header http.Header, body []byte, secrets ...string) error {
	var oe oauthError
	_ = json.Unmarshal(body, &oe) // a body that is not an OAuth error adds nothing
	e := provider.StatusError(status, header)
	e.Code = provider.CleanText(oe.Error, 64, secrets)
	e.Description = provider.CleanText(oe.Description, provider.MaxDescription, secrets)
	switch {
	case status == http.StatusBadRequest:
		if e.Description == "" {
			e.Description = "the server rejected the client metadata and gave no description (HTTP 400)"
		}
	case status == http.StatusUnauthorized && at == configurationEndpoint:
		e.Kind = provider.KindNotFound
		e.Err = errors.New("the client configuration endpoint answered 401: the server does not know the client or no longer accepts its registration access token (RFC 7592 §2)")
	case status == http.StatusMethodNotAllowed:
		e.Kind = provider.KindUnsupported
		e.RetryAfter = 0
		e.Err = fmt.Errorf("HTTP %d: the server does not offer this RFC 7592 operation", status)
	}
	return e
}

// tokenError types a failure of the management token's token source (see
// provider.TokenError).
func tokenError(err error) error {
	return provider.TokenError("obtaining the management token", err)
}
