package hydra

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

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
	return provider.AnswerError(status, header, provider.ServerText{
		Code: ae.Error, Description: ae.Description,
		Rejected: "Hydra rejected the client metadata and gave no description (HTTP 400)",
		Refused:  "the admin API refused the API key (or needs one)",
	}, secrets)
}
