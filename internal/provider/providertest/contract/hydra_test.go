package contract_test

import (
	"net/http"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// hydraFake serves client create, read, list and JSON Patch the way Ory
// Hydra's admin API (v2.3.0) does; drift makes it answer grant_types as a
// space-separated string.
func hydraFake(drift bool) http.Handler {
	grants := `["client_credentials"]`
	if drift {
		grants = `"client_credentials"`
	}
	client := `{"client_id":"3b1f6c2e","client_name":"orders","client_secret":"` + testSecret + `",
		"grant_types":` + grants + `,"response_types":["token"],"scope":"orders.read orders.write",
		"token_endpoint_auth_method":"client_secret_basic","metadata":{"owner":"uid-1"},
		"created_at":"2026-08-01T10:00:00Z","updated_at":"2026-08-01T10:00:00Z"}`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /admin/clients", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusCreated, client) })
	mux.HandleFunc("GET /admin/clients", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusOK, "["+client+"]") })
	mux.HandleFunc("GET /admin/clients/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			respond(w, http.StatusNotFound, `{"error":"Unable to locate the resource","status_code":404}`)
			return
		}
		respond(w, http.StatusOK, client)
	})
	mux.HandleFunc("PATCH /admin/clients/{id}", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusOK, client) })
	return mux
}

func TestHydra(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "hydra/api-v2.3.0.json")
	fake, drifted := hydraFake(false), hydraFake(true)
	run(t, spec, []call{
		{name: "create conforms", method: "POST", path: "/admin/clients", fake: fake,
			body: `{"client_name":"orders","grant_types":["client_credentials"],"scope":"orders.read","metadata":{"owner":"uid-1"}}`},
		{name: "list conforms", method: "GET", path: "/admin/clients?page_size=100&owner=uid-1", fake: fake},
		{name: "read conforms", method: "GET", path: "/admin/clients/3b1f6c2e", fake: fake},
		{name: "not found through the default response conforms", method: "GET", path: "/admin/clients/missing", fake: fake},
		{name: "json patch conforms", method: "PATCH", path: "/admin/clients/3b1f6c2e", fake: fake,
			body: `[{"op":"replace","path":"/scope","value":"orders.read"}]`},
		{name: "wrong field type", method: "POST", path: "/admin/clients", fake: fake,
			body: `{"client_name":"orders","grant_types":"client_credentials"}`,
			want: []string{"POST /admin/clients (createOAuth2Client)", `"/grant_types"`, "value must be an array"}},
		{name: "missing required field", method: "PATCH", path: "/admin/clients/3b1f6c2e", fake: fake,
			body: `[{"op":"replace","value":"orders.read"}]`,
			want: []string{"patchOAuth2Client", `property "path" is missing`}},
		{name: "query parameter out of range", method: "GET", path: "/admin/clients?page_size=1000", fake: fake,
			want: []string{`parameter "page_size" in query`, "number must be at most 500"}},
		{name: "unknown path", method: "POST", path: "/admin/clients/3b1f6c2e/secrets/rotate", fake: fake,
			want: []string{"an unknown route"}},
		{name: "drifted response", method: "GET", path: "/admin/clients/3b1f6c2e", fake: drifted,
			want: []string{"response: response body doesn't match schema #/components/schemas/oAuth2Client", `"/grant_types"`}},
	})
}
