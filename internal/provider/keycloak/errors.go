package keycloak

import (
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxDescription bounds how much of Keycloak's error text reaches an error
// message (and from there a condition on the resource).
const maxDescription = 300

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
	e := provider.StatusError(a.status, a.header)
	e.Code = provider.CleanText(code, 64, secrets)
	e.Description = provider.CleanText(desc, maxDescription, secrets)
	switch a.status {
	case http.StatusBadRequest:
		if e.Description == "" {
			e.Description = "Keycloak rejected the client representation and gave no reason (HTTP 400)"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Err = fmt.Errorf("HTTP %d: the admin API refused the operator's token (or its service account lacks a realm-management role)", a.status)
	}
	return e
}

// malformed is the error for a success answer the adapter cannot read.
// what names the field at fault, never its value.
func malformed(method, path, what string) error {
	return provider.Errorf(provider.KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}
