package hydra

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxDescription bounds how much of Hydra's error_description reaches an
// error message (and from there a condition on the resource).
const maxDescription = 300

// apiError is the error body of Hydra's admin API (an RFC 6749 §5.2 shaped
// object; error_debug and error_hint are not used: the first can hold
// internals, the second is already part of error_description).
type apiError struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// statusError turns a non-success answer of the admin API into a typed
// provider error. secrets are values that must never appear in the result
// (the API key, a secret that was sent); they are cut out of Hydra's
// description should it echo them.
func statusError(status int, header http.Header, body []byte, secrets ...string) error {
	var ae apiError
	_ = json.Unmarshal(body, &ae) // a body that is not an error object adds nothing
	if ae.Description == "" && strings.ContainsRune(ae.Error, ' ') {
		// Hydra puts a sentence in "error" for its own (non-OAuth) errors,
		// e.g. 409 "Unable to insert or update resource because ...".
		ae.Error, ae.Description = "", ae.Error
	}
	e := provider.StatusError(status, header)
	e.Code = provider.CleanText(ae.Error, 64, secrets)
	e.Description = provider.CleanText(ae.Description, maxDescription, secrets)
	switch status {
	case http.StatusBadRequest:
		if e.Description == "" {
			e.Description = "Hydra rejected the client metadata and gave no description (HTTP 400)"
		}
	case http.StatusUnauthorized, http.StatusForbidden:
		e.Err = fmt.Errorf("HTTP %d: the admin API refused the API key (or needs one)", status)
	}
	return e
}

// malformed is the error for a success answer the adapter cannot read.
// what names the field at fault, never its value.
func malformed(method, path, what string) error {
	return provider.Errorf(provider.KindTransient, "the answer of %s %s is malformed: %s", method, path, what)
}
