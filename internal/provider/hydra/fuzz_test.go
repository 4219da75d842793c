package hydra

import (
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// FuzzParse checks that the answer parsers and the Link header reader never
// panic, that what they accept is consistent, and that the error mapping
// never lets a secret into an error message.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"client_id":"c1","client_secret":"s3cr3t","scope":"a b","metadata":{"description":"d"},"owner":"us"}`), 200, `</admin/clients?page_token=x>; rel="next"`)
	f.Add([]byte(`[{"client_id":"a"},{"client_id":"b","audience":["x"]}]`), 200, `<a>; rel=last, <b?page_token=y>; rel="next"`)
	f.Add([]byte(`{"error":"invalid_redirect_uri","error_description":"s3cr3t"}`), 400, `<`)
	f.Fuzz(func(t *testing.T, body []byte, status int, link string) {
		if c, err := parseOne(body); err == nil {
			if c.ClientID == "" {
				t.Fatal("parseOne accepted a client without client_id")
			}
			for _, s := range c.client().Spec.Scopes {
				if s == "" || strings.ContainsAny(s, " \t\n") {
					t.Fatalf("scope %q is not a single token", s)
				}
			}
		}
		if cs, err := parseList(body); err == nil {
			for _, c := range cs {
				if c.ClientID == "" {
					t.Fatal("parseList accepted a client without client_id")
				}
			}
		}
		_, _ = nextPage(http.Header{"Link": {link}})
		err := statusError(status, http.Header{"Retry-After": {link}}, body, "s3cr3t")
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("error %q holds the secret", err)
		}
		if provider.KindOf(err) == "" {
			t.Fatal("untyped error")
		}
	})
}
