package contract

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// FuzzRedact: whatever a server's body holds, reading its secrets never
// panics, and a secret-named value quoted in a message does not survive.
func FuzzRedact(f *testing.F) {
	f.Add(`{"client_secret":"abcd1234"}`, "abcd1234")
	f.Add(`{"value":[{"secretText":"x"}]}`, "zzzzzz")
	f.Add(`[null,{"a":{"password":"p4ssw0rd"}}]`, "p4ssw0rd")
	f.Add(`not json`, "Bearer abcdefgh")
	f.Fuzz(func(t *testing.T, body, secret string) {
		_ = secretsIn(http.Header{"Authorization": {body}}, nil, "application/json", []byte(body))
		_ = withoutNulls([]byte(body))
		if len(secret) < minSecret || strings.Trim(secret, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return
		}
		doc, _ := json.Marshal(map[string]any{"client_secret": secret, "other": body})
		msg := redact("value "+secret+" is wrong", secretsIn(nil, nil, "application/json", doc))
		if strings.Contains(msg, secret) && !strings.Contains(redacted, secret) {
			t.Fatalf("secret %q survives in %q", secret, msg)
		}
	})
}
