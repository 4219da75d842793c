package okta

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzParse feeds arbitrary answers to what reads Okta's answers: no
// panic, and an error never quotes the body.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"0oa1","credentials":{"oauthClient":{"client_id":"c1"}}}`), `<https://x/api/v1/apps?after=1>; rel="next"`)
	f.Add([]byte(`{"errorCode":"E0000007","errorSummary":"Not found","errorCauses":[{"errorSummary":"x"}]}`), `garbage`)
	f.Add([]byte(`[1,2]`), ``)
	f.Fuzz(func(t *testing.T, body []byte, link string) {
		const marker = "fuzz-secret-zz"
		withSecret := append([]byte(marker), body...)
		if _, err := parseApp(withSecret); err != nil && strings.Contains(err.Error(), marker) {
			t.Fatalf("parseApp error quotes the body: %v", err)
		}
		if err := statusError(answer{status: 400, body: withSecret}, marker); strings.Contains(err.Error(), marker) {
			t.Fatalf("statusError holds the secret: %v", err)
		}
		_ = nextAfter(http.Header{"Link": {link}})
	})
}
