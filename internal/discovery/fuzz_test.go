package discovery

import (
	"encoding/json"
	"testing"
)

// FuzzParse checks that Parse never panics, that what it accepts has the
// required fields, and that an accepted document survives a round trip.
func FuzzParse(f *testing.F) {
	f.Add([]byte(doc("https://as.example.com")))
	f.Add([]byte(`{"issuer":"https://a","token_endpoint":"https://a/t"}`))
	f.Add([]byte(`{"issuer":"https://a","token_endpoint":"/t"}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		ep, err := Parse(body)
		if err != nil {
			return
		}
		if ep.Issuer == "" || ep.Token == "" {
			t.Fatalf("Parse accepted %q without issuer or token endpoint: %+v", body, ep)
		}
		again, err := json.Marshal(document{
			Issuer: ep.Issuer, TokenEndpoint: ep.Token, RegistrationEndpoint: ep.Registration,
			IntrospectionEndpoint: ep.Introspection, RevocationEndpoint: ep.Revocation,
		})
		if err != nil {
			t.Fatalf("marshalling %+v: %v", ep, err)
		}
		ep2, err := Parse(again)
		if err != nil {
			t.Fatalf("Parse rejected its own output %s: %v", again, err)
		}
		if ep2 != ep {
			t.Fatalf("round trip changed %+v into %+v", ep, ep2)
		}
	})
}
