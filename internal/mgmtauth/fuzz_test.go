package mgmtauth

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// FuzzParseTokenResponse feeds arbitrary statuses, Retry-After values and
// bodies to the parser. Seeds live in testdata/fuzz/FuzzParseTokenResponse.
func FuzzParseTokenResponse(f *testing.F) {
	f.Add(200, "", []byte(`{"access_token":"at","token_type":"Bearer","expires_in":3600}`))
	f.Add(400, "", []byte(`{"error":"invalid_client","error_description":"bad"}`))
	f.Add(429, "120", []byte(`{}`))
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, retryAfter string, body []byte) {
		tok, err := ParseTokenResponse(status, http.Header{"Retry-After": {retryAfter}}, body, now)
		if (tok == nil) == (err == nil) {
			t.Fatalf("want exactly one of token and error, got %v and %v", tok, err)
		}
		if tok != nil {
			if status < 200 || status > 299 {
				t.Fatalf("token from HTTP %d", status)
			}
			if tok.AccessToken == "" {
				t.Fatal("token without access_token")
			}
			if !tok.Expiry.IsZero() && !tok.Expiry.After(now) {
				t.Fatalf("expiry %s not after now", tok.Expiry)
			}
			return
		}
		var pe *provider.Error
		if !errors.As(err, &pe) {
			t.Fatalf("error %T is not a provider error", err)
		}
		switch pe.Kind {
		case provider.KindUnauthorized, provider.KindTransient:
		case provider.KindRateLimited:
			if status != http.StatusTooManyRequests {
				t.Fatalf("rate limited from HTTP %d", status)
			}
		default:
			t.Fatalf("unexpected kind %s", pe.Kind)
		}
		if pe.RetryAfter < 0 || pe.RetryAfter > maxRetryAfter {
			t.Fatalf("retry after %s out of range", pe.RetryAfter)
		}
		if len([]rune(pe.Description)) > maxDescription+80 {
			t.Fatalf("description of %d runes not shortened", len([]rune(pe.Description)))
		}
	})
}
