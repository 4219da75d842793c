package contract

import (
	"cmp"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// secretName matches the names of headers, parameters and body fields whose
// values must never appear in a message.
var secretName = regexp.MustCompile(`(?i)secret|passw|pwd|token|assertion|credential|private|api[-_]?key|authorization|cookie|signature`)

// secretExact are field names that hold secrets in some vendor's API
// (Keycloak's {"type":"secret","value":...}, Okta's key material) but are
// too short to match secretName safely.
var secretExact = map[string]bool{"value": true, "key": true, "jwt": true, "hash": true, "code": true}

func isSecretName(name string) bool {
	return secretExact[strings.ToLower(name)] || secretName.MatchString(name)
}

// minSecret is the shortest value removed from messages: shorter ones would
// mangle the message more than they could reveal.
const minSecret = 4

// secretsIn collects the values of secret-looking headers, query parameters
// and body fields (JSON or form), for redact.
func secretsIn(header http.Header, query url.Values, contentType string, body []byte) []string {
	var out []string
	for name, values := range header {
		if isSecretName(name) {
			for _, v := range values {
				out = append(out, v)
				// "Bearer abc", "Basic abc", "SSWS abc": the credential alone too.
				if _, cred, ok := strings.Cut(v, " "); ok {
					out = append(out, strings.TrimSpace(cred))
				}
			}
		}
	}
	out = append(out, formSecrets(query)...)
	media, _, _ := mime.ParseMediaType(contentType)
	switch {
	case media == "application/x-www-form-urlencoded":
		if form, err := url.ParseQuery(string(body)); err == nil {
			out = append(out, formSecrets(form)...)
		}
	case len(body) > 0:
		var v any
		if json.Unmarshal(body, &v) == nil {
			out = jsonSecrets(out, v, false)
		}
	}
	return out
}

func formSecrets(form url.Values) []string {
	var out []string
	for name, values := range form {
		if isSecretName(name) {
			out = append(out, values...)
		}
	}
	return out
}

// jsonSecrets appends the strings under secret-looking keys of v; under is
// true inside such a key. Objects are walked by their own keys, so a list
// under "value" (Microsoft Graph's collections) is not redacted whole.
func jsonSecrets(out []string, v any, under bool) []string {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			out = jsonSecrets(out, child, isSecretName(k))
		}
	case []any:
		for _, child := range v {
			out = jsonSecrets(out, child, under)
		}
	case string:
		if under {
			out = append(out, v)
		}
	}
	return out
}

// authScheme matches credentials written after an HTTP auth scheme, a last
// line of defence for a credential that reaches a message some other way.
var authScheme = regexp.MustCompile(`(?i)\b(bearer|basic|ssws|token|dpop)\s+[A-Za-z0-9._~+/=-]{6,}`)

const redacted = "[redacted]"

// redact removes every secret from msg, longest first.
func redact(msg string, secrets []string) string {
	secrets = slices.Clone(secrets)
	slices.SortFunc(secrets, func(a, b string) int { return cmp.Compare(len(b), len(a)) })
	for _, s := range secrets {
		if len(s) >= minSecret {
			msg = strings.ReplaceAll(msg, s, redacted)
		}
	}
	return authScheme.ReplaceAllString(msg, "$1 "+redacted)
}
