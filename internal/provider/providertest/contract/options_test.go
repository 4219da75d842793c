package contract_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

func TestLoadRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		load func(tb testing.TB)
		want string
	}{
		{"a missing file", func(tb testing.TB) { contract.Load(tb, "keycloak/missing.json") }, contract.SpecsDirEnv},
		{"a base path that is not a path", func(tb testing.TB) {
			contract.Load(tb, "keycloak/openapi-26.6.0.json", contract.BasePath("auth"))
		}, `base path "auth" must start with /`},
		{"an allowance for an operation the document lacks", func(tb testing.TB) {
			contract.Load(tb, "keycloak/openapi-26.6.0.json", contract.AllowStatus("GET", "/admin/realms/{realm}/apps", 404))
		}, `the document has no path "/admin/realms/{realm}/apps"`},
		{"an allowance for a documented status", func(tb testing.TB) {
			contract.Load(tb, "okta/management-minimal.yaml", contract.AllowStatus("GET", "/api/v1/apps/{appId}", 404))
		}, "status 404 is documented, it needs no allowance"},
		{"an allowance covered by the default response", func(tb testing.TB) {
			contract.Load(tb, "hydra/api-v2.3.0.json", contract.AllowStatus("GET", "/admin/clients/{id}", 404))
		}, "status 404 is documented"},
		{"a documented path declared outside", func(tb testing.TB) {
			contract.Load(tb, "keycloak/openapi-26.6.0.json", contract.Outside("POST", "/admin/realms/{realm}/clients"))
		}, "the document describes this operation (POST /admin/realms/{realm}/clients)"},
		{"every method of a documented path declared outside", func(tb testing.TB) {
			contract.Load(tb, "hydra/api.json", contract.Outside("*", "/admin/clients/{id}/secrets/rotate"))
		}, "the document describes this operation"},
		{"an invalid request allowance for an unknown method", func(tb testing.TB) {
			contract.Load(tb, "keycloak/openapi-26.6.0.json", contract.AllowInvalidRequest("PATCH", "/admin/realms/{realm}/clients"))
		}, "the document has no PATCH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := fatalOf(t, tc.load)
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("Load reported %q, want one failure mentioning %q", got, tc.want)
			}
		})
	}
}

func TestLoadIsCachedPerFile(t *testing.T) {
	t.Parallel()
	a := contract.Load(t, "hydra/api-v2.3.0.json")
	b := contract.Load(t, "hydra/api-v2.3.0.json", contract.BasePath("/hydra"))
	if a.LoadTime() != b.LoadTime() {
		t.Errorf("the second Load parsed the file again: %v, then %v", a.LoadTime(), b.LoadTime())
	}
	// Options stay with their Spec: a's base path is still the document's.
	fake := hydraFake(false)
	expect(t, do(t, a, call{method: "GET", path: "/admin/clients/3b1f6c2e", fake: fake}))
	expect(t, do(t, b, call{method: "GET", path: "/hydra/admin/clients/3b1f6c2e", fake: http.StripPrefix("/hydra", fake)}))
	expect(t, do(t, b, call{method: "GET", path: "/admin/clients/3b1f6c2e", fake: fake}), `not under the base path "/hydra"`)
}

func TestOutside(t *testing.T) {
	t.Parallel()
	token := answer(200, `{"access_token":"`+testToken+`","token_type":"Bearer","expires_in":300}`)
	plain := contract.Load(t, "keycloak/openapi-26.6.0.json")
	expect(t, do(t, plain, call{method: "POST", path: "/realms/r1/protocol/openid-connect/token", body: "grant_type=client_credentials",
		ctype: "application/x-www-form-urlencoded", fake: token}), "an unknown route")

	// The token endpoint is not part of the Admin REST API document.
	spec := contract.Load(t, "keycloak/openapi-26.6.0.json", contract.Outside("POST", "/realms/{realm}/protocol/openid-connect/token"))
	expect(t, do(t, spec, call{method: "POST", path: "/realms/r1/protocol/openid-connect/token", body: "grant_type=client_credentials",
		ctype: "application/x-www-form-urlencoded", fake: token}))
	// Only that method and path.
	expect(t, do(t, spec, call{method: "GET", path: "/realms/r1/protocol/openid-connect/token", fake: token}), "an unknown route")
	expect(t, do(t, spec, call{method: "POST", path: "/realms/r1/protocol/openid-connect/token/introspect", fake: token}), "an unknown route")

	// A method the document does not give a path it describes: Hydra's
	// rotation endpoint has POST and DELETE, the adapter probes with GET.
	probe := contract.Load(t, "hydra/api.json", contract.Outside("GET", "/admin/clients/{id}/secrets/rotate"))
	expect(t, do(t, probe, call{method: "GET", path: "/admin/clients/c1/secrets/rotate", fake: answer(405, "")}))
	expect(t, do(t, probe, call{method: "PUT", path: "/admin/clients/c1/secrets/rotate", fake: answer(405, "")}), "the document has no PUT operation on this path")
}

func TestAllowInvalidRequest(t *testing.T) {
	t.Parallel()
	refuse := answer(400, `{"errorCode":"E0000001","errorSummary":"Api validation failed: label","errorCauses":[{"errorSummary":"label: The field cannot be left blank"}]}`)
	spec := contract.Load(t, "okta/management-minimal.yaml", contract.AllowInvalidRequest("POST", "/api/v1/apps"))
	// The invalid metadata test sends what the server must refuse.
	expect(t, do(t, spec, call{method: "POST", path: "/api/v1/apps", body: `{"signOnMode":"OPENID_CONNECT"}`, fake: refuse}))
	// The refusal itself is still checked.
	expect(t, do(t, spec, call{method: "POST", path: "/api/v1/apps", body: `{"signOnMode":"OPENID_CONNECT"}`, fake: answer(400, `{"errorCauses":"label"}`)}),
		"response: response body doesn't match schema #/components/schemas/Error", `"/errorCauses"`)
	// And so is every other operation.
	expect(t, do(t, spec, call{method: "POST", path: "/api/v1/apps/0oa1/lifecycle/deactivate", body: `{"now":true}`, fake: oktaFake(false)}))
}

func TestFormat(t *testing.T) {
	t.Parallel()
	absoluteURI := func(s string) error {
		if s == "" {
			return nil
		}
		if u, err := url.Parse(s); err != nil || !u.IsAbs() {
			return errors.New("not an absolute URI")
		}
		return nil
	}
	plain := contract.Load(t, "auth0/management-api-oas.json")
	spec := contract.Load(t, "auth0/management-api-oas.json", contract.Format("absolute-uri-or-empty", absoluteURI))
	bad := call{method: "POST", path: "/api/v2/clients", body: `{"name":"orders","logo_uri":"logo.png"}`, fake: auth0Fake(false)}
	// Auth0's own formats are unknown to kin-openapi, so unchecked...
	expect(t, do(t, plain, bad))
	// ...unless the test says how to check one.
	expect(t, do(t, spec, bad), `"/logo_uri"`, "not an absolute URI")
	expect(t, do(t, spec, call{method: "POST", path: "/api/v2/clients", body: `{"name":"orders","logo_uri":"https://cdn.example/logo.png"}`, fake: auth0Fake(false)}))
}

func TestHandlerPassesTheExchangeThrough(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "keycloak/openapi-26.6.0.json")
	var seen string
	fake := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		seen = string(b)
		w.Header().Set("X-Fake", "1")
		respond(w, http.StatusOK, `{"clientId":"orders","enabled":"yes"}`)
	})
	rec := &recorder{TB: t}
	srv := httptest.NewServer(spec.Handler(rec, fake))
	defer srv.Close()
	const sent = `{"clientId":"orders","enabled":1}`
	resp, err := http.Post(srv.URL+"/admin/realms/r1/clients/8f3c", "application/json", strings.NewReader(sent))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	// Violations on both sides, yet the fake saw the request and the client
	// the response, unchanged.
	if seen != sent {
		t.Errorf("the fake saw %q, want %q", seen, sent)
	}
	if resp.StatusCode != 200 || resp.Header.Get("X-Fake") != "1" || string(body) != `{"clientId":"orders","enabled":"yes"}` {
		t.Errorf("the client got %d %v %q", resp.StatusCode, resp.Header, body)
	}
	expect(t, rec.messages(), "the document has no POST operation on this path")
}

func TestTransport(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "hydra/api-v2.3.0.json")
	srv := httptest.NewServer(hydraFake(false))
	defer srv.Close()

	send := func(method, path, body string) ([]string, string) {
		rec := &recorder{TB: t}
		client := &http.Client{Transport: spec.Transport(rec, nil)}
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+testToken)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		got, _ := io.ReadAll(resp.Body)
		return rec.messages(), string(got)
	}

	violations, body := send("POST", "/admin/clients", `{"client_name":"orders","grant_types":["client_credentials"]}`)
	expect(t, violations)
	if !strings.Contains(body, `"client_id":"3b1f6c2e"`) {
		t.Errorf("the caller cannot read the response body after the check: %q", body)
	}
	violations, _ = send("POST", "/admin/clients", `{"client_name":7}`)
	expect(t, violations, "createOAuth2Client", `"/client_name"`, "value must be a string")
	violations, _ = send("GET", "/admin/client", ``)
	expect(t, violations, "an unknown route")
}

func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "keycloak/openapi-26.6.0.json")
	rec := &recorder{TB: t}
	h := spec.Handler(rec, keycloakFake(false))
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			path := "/admin/realms/r1/clients/c1"
			if i%2 == 1 {
				path = "/admin/realms/r1/nothing"
			}
			h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", path, nil))
		})
	}
	wg.Wait()
	if got := rec.messages(); len(got) != 8 {
		t.Errorf("want 8 violations (one per unknown route), got %d:\n%s", len(got), strings.Join(got, "\n"))
	}
}

func TestNoSecretInMessages(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "keycloak/openapi-26.6.0.json")
	// kin-openapi quotes a bad query value; here it is the bearer token.
	expect(t, do(t, spec, call{method: "GET", path: "/admin/realms/r1/clients?first=" + testToken, fake: answer(200, `[]`)}),
		`parameter "first" in query`, "[redacted]")
	// A secret-looking field of the response, quoted by no one, is listed
	// nowhere either.
	expect(t, do(t, spec, call{method: "POST", path: "/admin/realms/r1/clients/c1/client-secret",
		fake: answer(200, `{"type":"secret","value":"`+testSecret+`","temporary":"no"}`)}), `"/temporary"`)
}

func TestAllowNullsAndAnyBody(t *testing.T) {
	t.Parallel()
	// Real Hydra answers null for unset members its document does not
	// declare nullable, and a 404 on DELETE that is not its documented error.
	nulls := answer(200, `{"client_id":"c1","redirect_uris":null,"contacts":null,"client_credentials_grant_access_token_lifespan":null,"metadata":{"k":null}}`)
	notFound := answer(404, `{"error":{"code":404,"status":"Not Found","message":"Unable to locate the resource"}}`)
	plain := contract.Load(t, "hydra/api-v2.3.0.json")
	expect(t, do(t, plain, call{method: "GET", path: "/admin/clients/c1", fake: nulls}), `"/redirect_uris"`, `"/contacts"`)
	expect(t, do(t, plain, call{method: "DELETE", path: "/admin/clients/c1", fake: notFound}), `property "message" is missing`)

	spec := contract.Load(t, "hydra/api-v2.3.0.json",
		contract.AllowNulls("GET", "/admin/clients/{id}"),
		contract.AllowAnyBody("DELETE", "/admin/clients/{id}", 404))
	expect(t, do(t, spec, call{method: "GET", path: "/admin/clients/c1", fake: nulls}))
	expect(t, do(t, spec, call{method: "DELETE", path: "/admin/clients/c1", fake: notFound}))
	// Only there: other members, operations and statuses are still checked.
	expect(t, do(t, spec, call{method: "GET", path: "/admin/clients/c1", fake: answer(200, `{"client_id":7,"contacts":null}`)}), `"/client_id"`)
	expect(t, do(t, spec, call{method: "GET", path: "/admin/clients", fake: answer(200, `[{"client_id":"c1","contacts":null}]`)}), `"/0/contacts"`)
	expect(t, do(t, spec, call{method: "DELETE", path: "/admin/clients/c1", fake: answer(409, `{"error":{"code":409}}`)}), `property "message" is missing`)

	refused := fatalOf(t, func(tb testing.TB) {
		contract.Load(tb, "keycloak/openapi-26.6.0.json", contract.AllowAnyBody("GET", "/admin/realms/{realm}/clients/{client-uuid}", 404))
	})
	expect(t, refused, "status 404 is not documented, use AllowStatus")
}

func TestOutsideAfterBasePath(t *testing.T) {
	t.Parallel()
	// Outside is judged against the final base path, whatever the order.
	got := fatalOf(t, func(tb testing.TB) {
		contract.Load(tb, "hydra/api-v2.3.0.json", contract.Outside("GET", "/hydra/admin/clients"), contract.BasePath("/hydra"))
	})
	expect(t, got, "the document describes this operation (GET /admin/clients)")
}

func TestLoadFormats(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	files := map[string]string{
		"openapi.yaml": `openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /things/{id}:
    get:
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        "200": {description: ok, content: {application/json: {schema: {type: object, required: [id], properties: {id: {type: string}}}}}}
`,
		"swagger.json": `{"swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/v1",
  "paths": {"/things/{id}": {"get": {"produces": ["application/json"],
    "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
    "responses": {"200": {"description": "ok", "schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}}}}}}}`,
	}
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		rel, err := filepath.Rel(wd, path)
		if err != nil || !strings.HasPrefix(rel, "../") {
			t.Fatalf("no ../ path to %s from %s", path, wd)
		}
		spec := contract.Load(t, rel)
		prefix := ""
		if name == "swagger.json" {
			prefix = "/v1"
		}
		expect(t, do(t, spec, call{method: "GET", path: prefix + "/things/a", fake: answer(200, `{"id":"a"}`)}))
		expect(t, do(t, spec, call{method: "GET", path: prefix + "/things/a", fake: answer(200, `{}`)}), `property "id" is missing`)
	}
}
