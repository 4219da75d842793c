package contract_test

import (
	"net/http"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// wso2AppsFake serves application create and the OIDC inbound read the way
// WSO2 Identity Server's (and Asgardeo's) application management API does,
// under /t/{tenant}/api/server/v1; drift makes it leave out the required
// grantTypes.
func wso2AppsFake(drift bool) http.Handler {
	grants := `"grantTypes":["client_credentials"],`
	if drift {
		grants = ``
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /t/{tenant}/api/server/v1/applications", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Location", "https://"+r.Host+r.URL.Path+"/85e3b1f0-0d1c-4a7e-9f3b-6c2d1e0a9b87")
		w.WriteHeader(http.StatusCreated)
	})
	mux.HandleFunc("GET /t/{tenant}/api/server/v1/applications/{id}/inbound-protocols/oidc", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, `{"clientId":"Xc8dV1","clientSecret":"`+testSecret+`",`+grants+`
			"callbackURLs":[],"publicClient":false,"state":"ACTIVE"}`)
	})
	return mux
}

func TestWSO2Applications(t *testing.T) {
	t.Parallel()
	// The document's server is https://{server-url}/t/{tenant-domain}/api/server/v1,
	// whose path is the default base path: any tenant matches.
	spec := contract.Load(t, "wso2/applications.yaml")
	fake, drifted := wso2AppsFake(false), wso2AppsFake(true)
	run(t, spec, []call{
		{name: "create conforms", method: "POST", path: "/t/carbon.super/api/server/v1/applications", fake: fake,
			body: `{"name":"orders","description":"oauth.clientoperator.io/owner=uid-1",
				"inboundProtocolConfiguration":{"oidc":{"grantTypes":["client_credentials"]}}}`},
		{name: "another tenant conforms", method: "GET", path: "/t/acme/api/server/v1/applications/85e3/inbound-protocols/oidc", fake: fake},
		{name: "missing required field", method: "POST", path: "/t/carbon.super/api/server/v1/applications", fake: fake,
			body: `{"description":"no name"}`,
			want: []string{"POST /applications (createApplication)", `property "name" is missing`}},
		{name: "nested wrong type", method: "POST", path: "/t/carbon.super/api/server/v1/applications", fake: fake,
			body: `{"name":"orders","inboundProtocolConfiguration":{"oidc":{"grantTypes":"client_credentials"}}}`,
			want: []string{`"/inboundProtocolConfiguration/oidc/grantTypes"`, "value must be an array"}},
		{name: "outside the base path", method: "GET", path: "/api/server/v1/applications", fake: fake,
			want: []string{`not under the base path "/t/{tenant-domain}/api/server/v1"`}},
		{name: "unknown path", method: "GET", path: "/t/carbon.super/api/server/v1/apps", fake: fake,
			want: []string{"an unknown route"}},
		{name: "drifted response", method: "GET", path: "/t/carbon.super/api/server/v1/applications/85e3/inbound-protocols/oidc", fake: drifted,
			want: []string{"getInboundOAuthConfiguration", `property "grantTypes" is missing`}},
	})
}

// wso2DCRFake serves WSO2's dynamic client registration (Swagger 2.0).
func wso2DCRFake() http.Handler {
	app := `{"client_id":"provided_client_id0001","client_secret":"` + testSecret + `","client_name":"orders",
		"redirect_uris":[],"grant_types":["client_credentials"],"ext_application_owner":"uid-1"}`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /t/{tenant}/api/identity/oauth2/dcr/v1.1/register", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusCreated, app)
	})
	mux.HandleFunc("GET /t/{tenant}/api/identity/oauth2/dcr/v1.1/register", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, app)
	})
	return mux
}

func TestWSO2DCR(t *testing.T) {
	t.Parallel()
	// The document's basePath is /api/identity/oauth2/dcr/v1.1; a tenant's
	// endpoint is under /t/{tenant}.
	spec := contract.Load(t, "wso2/dcr.yaml", contract.BasePath("/t/{tenant}/api/identity/oauth2/dcr/v1.1"))
	fake := wso2DCRFake()
	run(t, spec, []call{
		{name: "register conforms", method: "POST", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register", fake: fake,
			body: `{"client_name":"orders","redirect_uris":[],"grant_types":["client_credentials"],"ext_param_client_secret":"` + testSecret + `"}`},
		{name: "lookup by name conforms (repaired parameter)", method: "GET", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register?client_name=orders", fake: fake},
		{name: "lookup without the name", method: "GET", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register", fake: fake,
			want: []string{`parameter "client_name" in query`, "value is required but missing"}},
		{name: "missing required field", method: "POST", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register", fake: fake,
			body: `{"client_name":"orders"}`,
			want: []string{"registerApplication", `property "redirect_uris" is missing`}},
		{name: "wrong field type", method: "POST", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register", fake: fake,
			body: `{"client_name":"orders","redirect_uris":[],"ext_param_client_secret_expires_at":"never"}`,
			want: []string{`"/ext_param_client_secret_expires_at"`, "value must be an integer"}},
		{name: "undocumented status", method: "GET", path: "/t/acme/api/identity/oauth2/dcr/v1.1/register?client_name=gone", fake: answer(404, `{"error":"not_found"}`),
			want: []string{"status 404 is not documented"}},
	})
}
