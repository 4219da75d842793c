package contract_test

import (
	"net/http"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// keycloakFake serves client create, read and secret regeneration the way
// Keycloak's Admin REST API does; drift makes it answer "enabled" as a
// string, as a careless fake might.
func keycloakFake(drift bool) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/realms/{realm}/clients", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/8f3c2a9e-1b7d-4c55-9e0a-2f6d1c4b7a10")
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /admin/realms/{realm}/clients/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			respond(w, http.StatusNotFound, `{"error":"Could not find client"}`)
			return
		}
		enabled := `true`
		if drift {
			enabled = `"true"`
		}
		respond(w, http.StatusOK, `{"id":"`+r.PathValue("id")+`","clientId":"orders","enabled":`+enabled+`,
			"secret":"`+testSecret+`","serviceAccountsEnabled":true,"redirectUris":[],
			"attributes":{"oauth.clientoperator.io/owner":"uid-1"}}`)
	})
	mux.HandleFunc("POST /admin/realms/{realm}/clients/{id}/client-secret", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, `{"type":"secret","value":"`+testSecret+`"}`)
	})
	return mux
}

func TestKeycloak(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "keycloak/openapi-26.6.0.json",
		// Keycloak answers an unknown client with 404; its document lists
		// only 200 and 403 for GET.
		contract.AllowStatus("GET", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound))
	fake, drifted := keycloakFake(false), keycloakFake(true)
	run(t, spec, []call{
		{name: "create conforms", method: "POST", path: "/admin/realms/r1/clients", fake: fake,
			body: `{"clientId":"orders","enabled":true,"serviceAccountsEnabled":true,"secret":"` + testSecret + `","attributes":{"a":"b"}}`},
		{name: "read conforms", method: "GET", path: "/admin/realms/r1/clients/8f3c2a9e", fake: fake},
		{name: "allowed 404 conforms", method: "GET", path: "/admin/realms/r1/clients/missing", fake: fake},
		{name: "list with a query conforms", method: "GET", path: "/admin/realms/r1/clients?clientId=orders&first=0&max=10", fake: answer(200, `[]`)},
		{name: "regenerate secret conforms", method: "POST", path: "/admin/realms/r1/clients/8f3c2a9e/client-secret", fake: fake},
		{name: "wrong field type in the request", method: "POST", path: "/admin/realms/r1/clients", fake: fake,
			body: `{"clientId":"orders","enabled":"yes","secret":"` + testSecret + `"}`,
			want: []string{"POST /admin/realms/{realm}/clients", "sent POST /admin/realms/r1/clients", "request: request body: doesn't match schema #/components/schemas/ClientRepresentation", `"/enabled"`, "value must be a boolean"}},
		{name: "wrong query parameter type", method: "GET", path: "/admin/realms/r1/clients?first=one", fake: answer(200, `[]`),
			want: []string{`parameter "first" in query`}},
		{name: "unknown path", method: "GET", path: "/admin/realms/r1/applications", fake: fake,
			want: []string{"no operation for GET /admin/realms/r1/applications (an unknown route)"}},
		{name: "unknown method", method: "PATCH", path: "/admin/realms/r1/clients/8f3c2a9e", fake: fake,
			want: []string{"the document has no PATCH operation on this path"}},
		{name: "drifted response", method: "GET", path: "/admin/realms/r1/clients/8f3c2a9e", fake: drifted,
			want: []string{"response: response body doesn't match schema #/components/schemas/ClientRepresentation", `"/enabled"`, "value must be a boolean"}},
		{name: "undocumented status", method: "POST", path: "/admin/realms/r1/clients/8f3c2a9e/client-secret", fake: answer(404, `{}`),
			want: []string{"status 404 is not documented for this operation"}},
	})
}
