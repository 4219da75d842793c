package mgmtauth

import (
	"errors"
	"net/http"
	"strings"
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

// FuzzParsePrivateKey feeds arbitrary key text to the key parser. Seeds
// live in testdata/fuzz/FuzzParsePrivateKey (none holds a real key) plus
// keys generated for the run. A key it accepts must sign what its public
// half verifies; a key it refuses gets a short message.
func FuzzParsePrivateKey(f *testing.F) {
	f.Add([]byte(pkcs1PEM(testRSAKey())))
	f.Add([]byte(pkcs8PEM(f, testECKey())))
	f.Add([]byte(sec1PEM(f, testECKey())))
	f.Add([]byte(ecJWK(f, testECKey(), map[string]string{"kid": "k"})))
	f.Add([]byte(rsaJWK(testRSAKey(), map[string]string{"alg": "RS256"})))
	f.Add([]byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
	f.Add([]byte("-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		k, err := ParsePrivateKey(data)
		if err != nil {
			if k != nil {
				t.Fatal("a key and an error")
			}
			if n := len(err.Error()); n > 200 {
				t.Fatalf("message of %d bytes: %q", n, err)
			}
			return
		}
		if k.Algorithm() != RS256 && k.Algorithm() != ES256 {
			t.Fatalf("algorithm %s", k.Algorithm())
		}
		tok, err := signJWT(k, jwtHeader{Alg: k.Algorithm(), Typ: "JWT", Kid: k.KeyID()}, map[string]int{"iat": 1})
		if err != nil {
			t.Fatalf("an accepted key does not sign: %v", err)
		}
		if _, err := verifyJWT(tok, k.key.Public()); err != nil {
			t.Fatalf("an accepted key's signature does not verify: %v", err)
		}
	})
}

// FuzzResponseFormat feeds arbitrary responses to the parser with
// arbitrary expires_in units and default lifetimes. Seeds live in
// testdata/fuzz/FuzzResponseFormat.
func FuzzResponseFormat(f *testing.F) {
	f.Add(200, "application/json", []byte(`{"access_token":"at","expires_in":"5"}`), int64(60000), int64(0))
	f.Add(200, "application/x-www-form-urlencoded", []byte(`access_token=at&expires_in=60`), int64(1000), int64(300))
	f.Add(200, "", []byte(`{"access_token":"at"}`), int64(0), int64(900))
	f.Add(400, "text/plain", []byte(`error=invalid_client`), int64(0), int64(0))
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	f.Fuzz(func(t *testing.T, status int, contentType string, body []byte, unitMillis, defaultSeconds int64) {
		if unitMillis < 0 || unitMillis > 24*3600*1000 || defaultSeconds < 0 || defaultSeconds > 1<<40 {
			return
		}
		format := ResponseFormat{
			ExpiresInUnit:   time.Duration(unitMillis) * time.Millisecond,
			DefaultLifetime: time.Duration(defaultSeconds) * time.Second,
		}
		if format.validate("") != nil {
			return
		}
		tok, err := format.Parse(status, http.Header{"Content-Type": {contentType}}, body, now)
		if (tok == nil) == (err == nil) {
			t.Fatalf("want exactly one of token and error, got %v and %v", tok, err)
		}
		if tok != nil {
			if status < 200 || status > 299 || tok.AccessToken == "" {
				t.Fatalf("token from HTTP %d, access token %q", status, tok.AccessToken)
			}
			if !tok.Expiry.IsZero() && (!tok.Expiry.After(now) || tok.Expiry.After(now.Add(maxLifetime*time.Second))) {
				t.Fatalf("expiry %s out of range", tok.Expiry)
			}
			if format.DefaultLifetime > 0 && tok.Expiry.IsZero() {
				t.Fatal("no expiry despite a default lifetime")
			}
			return
		}
		pe := asProviderError(err)
		if pe == nil {
			t.Fatalf("error %T is not a provider error", err)
		}
		if pe.Kind == provider.KindRateLimited && status != http.StatusTooManyRequests {
			t.Fatalf("rate limited from HTTP %d", status)
		}
	})
}

// FuzzCheckAssertion feeds arbitrary file content to the assertion file
// check. Seeds live in testdata/fuzz/FuzzCheckAssertion.
func FuzzCheckAssertion(f *testing.F) {
	f.Add([]byte(testAssertion + "\n"))
	f.Add([]byte("a.b.c"))
	f.Add([]byte(" \n"))
	const path = "/var/run/secrets/tokens/t"
	f.Fuzz(func(t *testing.T, content []byte) {
		got, err := checkAssertion(path, content)
		if err != nil {
			// The message is one of a few fixed texts about the path, so
			// it cannot hold the content.
			switch strings.Replace(err.Error(), path, "PATH", 1) {
			case "the assertion file PATH is empty",
				"the assertion file PATH does not hold a JWT (three base64url parts separated by dots)",
				"the assertion file PATH holds characters a JWT cannot hold",
				"the assertion file PATH is longer than 64 KiB: not a JWT":
			default:
				t.Fatalf("unexpected message %q", err)
			}
			return
		}
		if strings.Count(got, ".") != 2 || got != strings.TrimSpace(got) || !isBase64URLAndDots(got) {
			t.Fatalf("accepted %q", got)
		}
		for part := range strings.SplitSeq(got, ".") {
			if part == "" {
				t.Fatalf("accepted an empty part in %q", got)
			}
		}
	})
}
