package contract_test

import (
	"net/http"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// graphFake serves application create, read by appId, update and
// addPassword the way Microsoft Graph v1.0 does; drift makes addPassword
// answer a keyId that is not a GUID.
func graphFake(drift bool) http.Handler {
	keyID := `"0d6f3b1c-7a2e-4f59-8c1d-3e5b7a9f2c40"`
	if drift {
		keyID = `"key-1"`
	}
	app := `{"@odata.context":"https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
		"id":"5b0e9a7c-2f1d-4c3b-8a6e-9d7f1e2c3b4a","appId":"a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
		"displayName":"orders","createdDateTime":"2026-08-01T10:00:00Z","signInAudience":"AzureADMyOrg",
		"tags":["oauth.clientoperator.io/owner=uid-1"],"passwordCredentials":[]}`
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1.0/applications", func(w http.ResponseWriter, _ *http.Request) { respond(w, http.StatusCreated, app) })
	mux.HandleFunc("GET /v1.0/{app}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("app") == "applications(appId='missing')" {
			respond(w, http.StatusNotFound, `{"error":{"code":"Request_ResourceNotFound","message":"Resource 'missing' does not exist."}}`)
			return
		}
		respond(w, http.StatusOK, app)
	})
	mux.HandleFunc("PATCH /v1.0/applications/{id}", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.HandleFunc("POST /v1.0/applications/{id}/addPassword", func(w http.ResponseWriter, _ *http.Request) {
		respond(w, http.StatusOK, `{"keyId":`+keyID+`,"displayName":"rotation 2026-08","hint":"s3c",
			"secretText":"`+testSecret+`","endDateTime":"2027-08-01T10:00:00Z","startDateTime":"2026-08-01T10:00:00Z"}`)
	})
	return mux
}

func TestMicrosoftGraph(t *testing.T) {
	t.Parallel()
	// Server https://graph.microsoft.com/v1.0/: the default base path is /v1.0.
	spec := contract.Load(t, "msgraph/graph-v1.0-applications-subset.EXTRACTED.yaml")
	fake, drifted := graphFake(false), graphFake(true)
	run(t, spec, []call{
		{name: "create conforms", method: "POST", path: "/v1.0/applications", fake: fake,
			body: `{"displayName":"orders","signInAudience":"AzureADMyOrg","tags":["oauth.clientoperator.io/owner=uid-1"]}`},
		{name: "read by appId with $select conforms", method: "GET", path: "/v1.0/applications(appId='a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d')?$select=id,appId,displayName", fake: fake},
		{name: "OData error conforms", method: "GET", path: "/v1.0/applications(appId='missing')", fake: fake},
		{name: "update answered 204 conforms", method: "PATCH", path: "/v1.0/applications/5b0e9a7c-2f1d-4c3b-8a6e-9d7f1e2c3b4a", fake: fake,
			body: `{"displayName":"orders-v2"}`},
		{name: "addPassword conforms", method: "POST", path: "/v1.0/applications/5b0e9a7c/addPassword", fake: fake,
			body: `{"passwordCredential":{"displayName":"rotation 2026-08","endDateTime":"2027-08-01T10:00:00Z"}}`},
		{name: "wrong field type", method: "POST", path: "/v1.0/applications", fake: fake,
			body: `{"displayName":"orders","tags":"owner"}`,
			want: []string{"application_CreateApplication", `"/tags"`, "value must be an array"}},
		{name: "missing required field", method: "POST", path: "/v1.0/applications/5b0e9a7c/removePassword", fake: answer(204, ``),
			body: `{}`,
			want: []string{"application_removePassword", `property "keyId" is missing`}},
		{name: "not a GUID", method: "POST", path: "/v1.0/applications/5b0e9a7c/removePassword", fake: answer(204, ``),
			body: `{"keyId":"key-1"}`,
			want: []string{`"/keyId"`, "doesn't match the regular expression"}},
		{name: "unknown path", method: "GET", path: "/v1.0/applications/5b0e9a7c/owners", fake: fake,
			want: []string{"an unknown route"}},
		{name: "wrong version prefix", method: "GET", path: "/beta/applications", fake: fake,
			want: []string{`not under the base path "/v1.0"`}},
		{name: "drifted response", method: "POST", path: "/v1.0/applications/5b0e9a7c/addPassword", fake: drifted,
			body: `{"passwordCredential":{"displayName":"rotation"}}`,
			want: []string{"response: response body doesn't match schema #/components/schemas/microsoft.graph.passwordCredential", `"/keyId"`}},
	})
}
