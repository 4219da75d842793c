package asgardeo

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// FuzzParse checks that the readers of the server's answers never panic,
// that the description marker and the callback form round-trip, and that
// the error mapping never lets a secret into an error message.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"code":"APP-60007","message":"Application already exists.","description":"s3cr3t-value","traceId":"t"}`), 409, "billing\n"+markerPrefix+"us", "https://a.example/cb")
	f.Add([]byte(`{"clientId":"c1","grantTypes":["client_credentials"],"callbackURLs":["regexp=(a|b)"],"pkce":{"mandatory":true}}`), 200, "", "x|y")
	f.Add([]byte(`[{"id":"a","identifier":"https://api","authorizedScopes":[{"name":"read"}]}]`), 429, "\n", `regexp=(\)`)
	f.Fuzz(func(t *testing.T, body []byte, status int, description, uri string) {
		secret := "s3cr3t-value"
		err := statusError(status, http.Header{"Retry-After": {description}}, body, ScopeView, secret)
		if strings.Contains(err.Error(), secret) {
			t.Fatalf("error %q holds the secret", err)
		}
		if provider.KindOf(err) == "" {
			t.Fatal("untyped error")
		}
		var o oidcConfig
		_ = decode(answer{status: status, body: body}, "GET", "/x", &o)
		_ = redirectURIs(o.CallbackURLs)
		var list []authorizedAPI
		_ = json.Unmarshal(body, &list)

		if !strings.Contains(description, "\n") && !strings.HasPrefix(description, markerPrefix) {
			text, owner := splitMarker(withMarker(description, "owner-1"))
			if text != description || owner != "owner-1" {
				t.Fatalf("marker round trip of %q: %q, %q", description, text, owner)
			}
		}
		if uri != "" && !strings.HasPrefix(uri, "regexp=") {
			uris := []string{uri, uri + "/2"}
			if got := redirectURIs(callbackURLs(uris)); !slices.Equal(got, uris) {
				t.Fatalf("callback round trip of %q: %q", uris, got)
			}
		}
	})
}
