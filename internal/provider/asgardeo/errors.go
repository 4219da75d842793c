package asgardeo

import (
	"encoding/json"
	"net/http"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// apiError is the Error body of WSO2's management APIs:
// {"code":"APP-60001","message":"...","description":"...","traceId":"..."}.
// traceId is left out of messages: it changes on every answer, which would
// make a condition change on every retry.
type apiError struct {
	Code        string `json:"code"`
	Message     string `json:"message"`
	Description string `json:"description"`
}

// statusError turns a non-success answer into a typed provider error with
// the server's code and description. scope is the management scope the
// operation needs, named in a 401/403 so the user knows what to grant.
// secrets are values that must never appear in the result.
func statusError(status int, header http.Header, body []byte, scope string, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // a body that is not an Error object adds nothing
	text := ae.Description
	if text == "" {
		text = ae.Message
	} else if ae.Message != "" && ae.Message != ae.Description {
		text = ae.Message + ": " + ae.Description
	}
	return provider.AnswerError(status, header, provider.ServerText{
		Code: ae.Code, Description: text,
		Rejected: "the server rejected the application and gave no description (HTTP 400)",
		Refused: "the management token was refused; the management application needs the scope " + scope +
			" (spec.credentials.clientCredentials.scopes, and API authorization of the management application)",
	}, secrets)
}
