package keycloak

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// FuzzParse checks that the client representation reader never panics,
// that what it accepts has both ids, that a full-representation merge keeps
// every field it does not set, and that the error mapping never lets a
// secret into an error message.
func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"id":"u1","clientId":"c1","secret":"s3cr3t","attributes":{"a":"b","use.refresh.tokens":"false"},"protocolMappers":[{"name":"n","protocolMapper":"oidc-audience-mapper","config":{"included.custom.audience":"x"}}]}`), 200)
	f.Add([]byte(`{"errorMessage":"Client s3cr3t already exists"}`), 409)
	f.Add([]byte(`{"error":"invalid_input","error_description":"s3cr3t is wrong"}`), 400)
	f.Fuzz(func(t *testing.T, body []byte, status int) {
		if r, raw, err := parseRep(body); err == nil {
			if r.ID == "" || r.ClientID == "" {
				t.Fatal("parseRep accepted a client without id or clientId")
			}
			_ = r.spec()
			before := len(raw)
			fields, attrs, err := switches(provider.ClientSpec{GrantTypes: []string{"client_credentials"}})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := merge(raw, fields, attrs); err == nil {
				if len(raw) < before {
					t.Fatal("merge dropped fields")
				}
				if _, err := json.Marshal(raw); err != nil {
					t.Fatalf("merge made a representation that cannot be sent: %v", err)
				}
			}
		}
		err := statusError(answer{status: status, header: http.Header{"Retry-After": {"7"}}, body: body}, "s3cr3t")
		if strings.Contains(err.Error(), "s3cr3t") {
			t.Fatalf("error %q holds the secret", err)
		}
		if provider.KindOf(err) == "" {
			t.Fatal("untyped error")
		}
	})
}
