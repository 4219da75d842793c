package contract_test

import (
	"net/http"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// oktaFake serves app create, read and deactivate the way Okta's management
// API does; drift makes it answer "created" in a made-up format.
func oktaFake(drift bool) http.Handler {
	created := `"2026-08-01T10:00:00.000Z"`
	if drift {
		created = `"1 Aug 2026"`
	}
	app := `{"id":"0oa1b2c3d4","name":"oidc_client","label":"orders","signOnMode":"OPENID_CONNECT","status":"ACTIVE",
		"created":` + created + `,"lastUpdated":"2026-08-01T10:00:00.000Z",
		"credentials":{"oauthClient":{"client_id":"0oa1b2c3d4","client_secret":"` + testSecret + `","token_endpoint_auth_method":"client_secret_basic"}},
		"settings":{"oauthClient":{"grant_types":["client_credentials"],"application_type":"service"}}}`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/apps", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusOK, app) })
	mux.HandleFunc("GET /api/v1/apps/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "missing" {
			respond(w, http.StatusNotFound, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: missing (AppInstance)","errorCauses":[]}`)
			return
		}
		respond(w, http.StatusOK, app)
	})
	mux.HandleFunc("POST /api/v1/apps/{id}/lifecycle/deactivate", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusOK, `{}`) })
	return mux
}

func TestOkta(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "okta/management-minimal.yaml")
	fake, drifted := oktaFake(false), oktaFake(true)
	const create = `{"name":"oidc_client","label":"orders","signOnMode":"OPENID_CONNECT",
		"credentials":{"oauthClient":{"token_endpoint_auth_method":"client_secret_basic"}},
		"settings":{"oauthClient":{"grant_types":["client_credentials"],"application_type":"service"}}}`
	run(t, spec, []call{
		{name: "create conforms", method: "POST", path: "/api/v1/apps?activate=true", body: create, fake: fake},
		{name: "read conforms", method: "GET", path: "/api/v1/apps/0oa1b2c3d4", fake: fake},
		{name: "documented 404 conforms", method: "GET", path: "/api/v1/apps/missing", fake: fake},
		{name: "deactivate conforms", method: "POST", path: "/api/v1/apps/0oa1b2c3d4/lifecycle/deactivate", fake: fake},
		{name: "missing required field", method: "POST", path: "/api/v1/apps", fake: fake,
			body: `{"name":"oidc_client","signOnMode":"OPENID_CONNECT"}`,
			want: []string{"POST /api/v1/apps (createApplication)", `property "label" is missing`}},
		{name: "value outside the enum", method: "POST", path: "/api/v1/apps", fake: fake,
			body: `{"label":"orders","signOnMode":"OIDC"}`,
			want: []string{`"/signOnMode"`, "value is not one of the allowed values"}},
		{name: "wrong query parameter type", method: "POST", path: "/api/v1/apps?activate=soon", body: create, fake: fake,
			want: []string{`parameter "activate" in query`}},
		{name: "read-only field in the request", method: "POST", path: "/api/v1/apps", fake: fake,
			body: `{"id":"0oa1b2c3d4","label":"orders","signOnMode":"OPENID_CONNECT"}`,
			want: []string{`"/id"`, "readOnly"}},
		{name: "unknown path", method: "POST", path: "/api/v1/applications", body: create, fake: fake,
			want: []string{"an unknown route"}},
		{name: "drifted response", method: "GET", path: "/api/v1/apps/0oa1b2c3d4", fake: drifted,
			want: []string{"response: response body doesn't match schema", `"/created"`, "date-time"}},
	})
}
