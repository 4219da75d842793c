package policy

import (
	"net/url"
	"strings"
	"testing"
)

// FuzzRedirectURIMatches checks the promises of a redirect URI pattern
// whatever the manifests hold: a match is a URI that parses, without user
// info, with the pattern's scheme, whose host ends with the part of the
// pattern's host after its last *.
func FuzzRedirectURIMatches(f *testing.F) {
	for _, seed := range [][2]string{
		{"https://*.apps.example.com/*", "https://web.apps.example.com/cb"},
		{"https://*.apps.example.com/*", "https://evil.com/.apps.example.com/cb"},
		{"https://*.apps.example.com/*", "https://web.apps.example.com@evil.com/cb"},
		{"https://*.apps.example.com:*/*", "https://web.apps.example.com:8443/cb?x=1#f"},
		{"http://localhost:8080/callback", "http://localhost:8080/callback"},
		{"https://*", "https://%2e/"},
		{"https://app.example.com", "HTTPS://APP.EXAMPLE.COM"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, pattern, uri string) {
		if !RedirectURIMatches(pattern, uri) {
			return
		}
		u, err := url.Parse(uri)
		if err != nil || u.User != nil {
			t.Fatalf("%q matches %q: parse error %v or user info", uri, pattern, err)
		}
		scheme, rest, _ := strings.Cut(pattern, "://")
		if !strings.EqualFold(u.Scheme, scheme) {
			t.Fatalf("%q matches %q with scheme %q", uri, pattern, u.Scheme)
		}
		host := rest
		if i := strings.IndexAny(rest, "/?#"); i >= 0 {
			host = rest[:i]
		}
		suffix := strings.ToLower(host[strings.LastIndex(host, "*")+1:])
		if !strings.HasSuffix(strings.ToLower(u.Host), suffix) {
			t.Fatalf("%q matches %q but its host %q does not end with %q", uri, pattern, u.Host, suffix)
		}
	})
}
