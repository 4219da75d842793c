package auth0

import (
	"net/http"
	"strings"
	"testing"
)

// FuzzParseAnswers: whatever Auth0 (or something in front of it) answers,
// reading it neither panics nor puts what it held into an error.
func FuzzParseAnswers(f *testing.F) {
	for _, seed := range []string{
		`{"client_id":"Yh7sD2kLq9","client_secret":"s3cr3t-value","name":"orders","client_metadata":{"oauth-client-operator/owner":"o"}}`,
		`{"client_id":42,"client_secret":"s3cr3t-value"}`,
		`{"clients":[{"client_id":"a"},{"name":"no id"}],"total":"many"}`,
		`{"client_grants":[{"id":"cgr_1","client_id":"a","audience":"https://api","scope":"read"}],"total":1}`,
		`{"statusCode":429,"error":"Too Many Requests","message":"s3cr3t-value","errorCode":"too_many_requests"}`,
		`{"client_id":"a","client_metadata":{"s3cr3t-value":1}}`,
		`null`, `[]`, `{"client_id":"a","client_metadata":{"k":1}}`, "\xff\xfe", `{"client_id":"a"`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		const secret = "s3cr3t-value"
		errs := []error{}
		if _, err := parseClient([]byte(body)); err != nil {
			errs = append(errs, err)
		}
		var page struct {
			Clients []wireClient `json:"clients"`
			Total   int          `json:"total"`
		}
		if err := decode([]byte(body), &page); err != nil {
			errs = append(errs, err)
		}
		var grants struct {
			Grants []wireGrant `json:"client_grants"`
		}
		if err := decode([]byte(body), &grants); err != nil {
			errs = append(errs, err)
		}
		for _, status := range []int{400, 401, 404, 409, 429, 500} {
			errs = append(errs, statusError(status, http.Header{"Retry-After": {"3"}}, []byte(body), secret))
		}
		for _, err := range errs {
			if strings.Contains(err.Error(), secret) {
				t.Errorf("an error holds the secret: %v", err)
			}
		}
	})
}
