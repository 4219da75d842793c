package fakeauth

import (
	"net/http"
	"net/url"
)

// ClientSecret is the client ID and secret a token request authenticates
// with: HTTP Basic, whose parts are form-encoded first (RFC 6749 §2.3.1,
// client_secret_basic), else client_id and client_secret in form
// (client_secret_post). basic says which.
func ClientSecret(r *http.Request, form url.Values) (id, secret string, basic bool) {
	id, secret, basic = r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		return id, secret, true
	}
	return form.Get("client_id"), form.Get("client_secret"), false
}
