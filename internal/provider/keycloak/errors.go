package keycloak

import (
	"encoding/json"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// apiError is an error body of the admin API: ErrorResponse's
// {"errorMessage": ...} (409 "Client ... already exists"), or the OAuth
// shaped {"error": "invalid_input", "error_description": ...} of a
// validation failure.
type apiError struct {
	ErrorMessage string `json:"errorMessage"`
	Error        string `json:"error"`
	Description  string `json:"error_description"`
}

// statusError turns an answer whose status is not 2xx into a typed provider
// error. Keycloak's own text is kept, cleaned and bounded, with secrets
// (the token, a secret that was sent) cut out.
func statusError(a answer, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(a.body, &ae) // a body that is not an error object adds nothing
	desc := ae.Description
	if desc == "" {
		desc = ae.ErrorMessage
	}
	code := ae.Error
	if desc == "" && len(code) > 40 {
		code, desc = "", code // a sentence in "error" (404 "Could not find client")
	}
	return provider.AnswerError(a.status, a.header, provider.ServerText{
		Code: code, Description: desc,
		Rejected: "Keycloak rejected the client representation and gave no reason (HTTP 400)",
		Refused:  "the admin API refused the operator's token (or its service account lacks a realm-management role)",
	}, secrets)
}
