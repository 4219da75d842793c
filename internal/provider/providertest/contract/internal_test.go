package contract

import (
	"net/http"
	"net/url"
	"slices"

	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestAuth0OperationsOnThe30Validator(t *testing.T) {
	t.Parallel()
	spec := Load(t, "auth0/management-api-oas.json")
	var all, on2020 []string
	for _, path := range spec.d.doc.Paths.InMatchingOrder() {
		for method := range spec.d.doc.Paths.Value(path).Operations() {
			k := opKey{method, path}
			all = append(all, k.String())
			if !spec.d.legacy[k] {
				on2020 = append(on2020, k.String())
			}
		}
	}
	slices.Sort(on2020)
	t.Logf("%d of %d operations need the JSON Schema 2020-12 validator: %q", len(on2020), len(all), on2020)
	for _, op := range []string{"POST /clients", "GET /clients", "GET /clients/{id}", "PATCH /clients/{id}", "DELETE /clients/{id}",
		"POST /clients/{id}/rotate-secret", "GET /client-grants", "POST /client-grants", "PATCH /client-grants/{id}", "DELETE /client-grants/{id}",
		"GET /clients/{client_id}/credentials", "POST /clients/{client_id}/credentials"} {
		if slices.Contains(on2020, op) {
			t.Errorf("%s needs the 2020-12 validator; the package documentation says client management does not", op)
		}
	}
	if !slices.Contains(on2020, "GET /stats/daily") {
		t.Errorf("GET /stats/daily (const in its 400 body) does not use the 2020-12 validator")
	}
	if other := Load(t, "keycloak/openapi-26.6.0.json"); other.d.legacy != nil {
		t.Errorf("an OpenAPI 3.0 document has a 3.1 split")
	}
}

func TestSecretsIn(t *testing.T) {
	t.Parallel()
	header := http.Header{
		"Authorization": {"Basic YWRtaW46c2VjcmV0"},
		"X-Api-Key":     {"k-123456"},
		"Content-Type":  {"application/json"},
	}
	query := url.Values{"client_secret": {"q-secret-1"}, "first": {"10"}}
	body := `{"clientId":"orders","secret":"b-secret-1","credentials":{"oauthClient":{"client_secret":"b-secret-2"}},
		"value":[{"id":"graph-object-id","secretText":"b-secret-3"}],"keys":{"private":["b-secret-4"]},
		"attributes":{"client.secret.creation.time":"1722500000"}}`
	got := secretsIn(header, query, "application/json", []byte(body))
	for _, want := range []string{"Basic YWRtaW46c2VjcmV0", "YWRtaW46c2VjcmV0", "k-123456", "q-secret-1",
		"b-secret-1", "b-secret-2", "b-secret-3", "b-secret-4"} {
		if !slices.Contains(got, want) {
			t.Errorf("secretsIn misses %q: %q", want, got)
		}
	}
	for _, not := range []string{"application/json", "10", "orders", "graph-object-id"} {
		if slices.Contains(got, not) {
			t.Errorf("secretsIn takes %q for a secret: %q", not, got)
		}
	}
	form := secretsIn(nil, nil, "application/x-www-form-urlencoded; charset=utf-8",
		[]byte("grant_type=client_credentials&client_assertion=eyJhbGciOi.x.y&client_id=orders"))
	if !slices.Equal(form, []string{"eyJhbGciOi.x.y"}) {
		t.Errorf("form secrets: %q", form)
	}
}

func TestRedact(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ msg, want string }{
		{`value "hunter2-long" is wrong`, `value "[redacted]" is wrong`},
		{`a secret hunter2-long-er one`, `a secret [redacted] one`},
		{`sent with Bearer abc.def.ghi`, `sent with Bearer [redacted]`},
		{`header SSWS 00aBcDeFgH`, `header SSWS [redacted]`},
		{`short "abc" stays`, `short "abc" stays`},
	} {
		if got := redact(tc.msg, []string{"hunter2-long", "hunter2-long-er", "abc"}); got != tc.want {
			t.Errorf("redact(%q) = %q, want %q", tc.msg, got, tc.want)
		}
	}
}

func TestStripBase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		path, base, want string
		ok               bool
	}{
		{"/clients", "", "/clients", true},
		{"/api/v2/clients/x", "/api/v2", "/clients/x", true},
		{"/api/v2", "/api/v2", "/", true},
		{"/api/v20/clients", "/api/v2", "", false},
		{"/t/acme/api/server/v1/applications", "/t/{tenant}/api/server/v1", "/applications", true},
		{"/t//api/server/v1/applications", "/t/{tenant}/api/server/v1", "", false},
		{"/t/a%20b/api/server/v1/applications", "/t/{tenant}/api/server/v1", "/applications", true},
		{"/v1.0/applications(appId='x')", "/v1.0", "/applications(appId='x')", true},
	} {
		got, ok := stripBase(tc.path, tc.base)
		if got != tc.want || ok != tc.ok {
			t.Errorf("stripBase(%q, %q) = %q, %v; want %q, %v", tc.path, tc.base, got, ok, tc.want, tc.ok)
		}
	}
	if _, err := serverBase(nil); err != nil {
		t.Error(err)
	}
	for in, want := range map[string]string{
		"https://{tenantDomain}/api/v2":                        "/api/v2",
		"https://graph.microsoft.com/v1.0/":                    "/v1.0",
		"https://{server-url}/t/{tenant-domain}/api/server/v1": "/t/{tenant-domain}/api/server/v1",
		"https://{yourOktaDomain}":                             "",
		"/api/identity/oauth2/dcr/v1.1":                        "/api/identity/oauth2/dcr/v1.1",
	} {
		got, err := serverBase(openapi3.Servers{{URL: in}})
		if err != nil || got != want {
			t.Errorf("serverBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}

}

func TestIsSwagger2(t *testing.T) {
	for doc, want := range map[string]bool{
		"swagger: \"2.0\"\ninfo: {}\n":                                true,
		"info: {}\n'swagger' : '2.0'\n":                               true,
		"openapi: 3.0.3\ninfo:\n  description: |\n    swagger: 2.0\n": false,
		"openapi: 3.0.3\n\n":                                          false,
		`{"swagger": "2.0", "info": {}}`:                              true,
		`{"openapi": "3.1.0", "info": {"swagger": "no"}}`:             false,
	} {
		if got := isSwagger2([]byte(doc)); got != want {
			t.Errorf("isSwagger2(%q) = %v, want %v", doc, got, want)
		}
	}
}
