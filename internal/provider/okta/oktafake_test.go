package okta_test

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta/oktafake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// The fake's own tests: its token endpoint and its rules for secrets and
// lifecycle, beside the adapter's, so Okta's document is parsed once for both.

// fakeService is the service app these tests register.
const fakeService = "0oaservice"

// otherKey signs the assertions that must be refused.
var otherKey = sync.OnceValue(func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
})

// fakeKeys are the service app's key (the adapter tests' serviceKey) and
// another.
func fakeKeys(t *testing.T) (*rsa.PrivateKey, *rsa.PrivateKey) {
	t.Helper()
	serviceKey(t)
	return key, otherKey()
}

// startFake serves a fake org behind Okta's management API document.
func startFake(t *testing.T) string {
	t.Helper()
	spec := contract.Load(t, "okta/management-minimal.yaml",
		contract.Outside("POST", "/oauth2/v1/token"), contract.Outside("POST", "/oauth2/{authServerId}/v1/token"))
	f := oktafake.New(oktafake.Options{APIToken: apiToken})
	k, _ := fakeKeys(t)
	f.AddServiceApp(fakeService, &k.PublicKey, "okta.apps.read")
	srv := httptest.NewServer(spec.Handler(t, f))
	t.Cleanup(srv.Close)
	return srv.URL
}

// assertion signs an RS256 client assertion with claims.
func assertion(t *testing.T, k *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	jwt, err := fakeauth.SignRS256(k, map[string]any{"typ": "JWT"}, claims)
	if err != nil {
		t.Fatal(err)
	}
	return jwt
}

func post(t *testing.T, u string, form url.Values) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, _ := io.ReadAll(resp.Body)
	var e struct {
		Error string `json:"error"`
	}
	_ = json.Unmarshal(b, &e)
	return resp.StatusCode, e.Error
}

// The org authorization server takes a service app's private_key_jwt
// assertion and nothing less: signature, aud, iss/sub, expiry and jti are
// checked, and only the service app's okta.* scopes are granted.
func TestOrgTokenEndpointChecksTheAssertion(t *testing.T) {
	t.Parallel()
	base := startFake(t)
	k, wrong := fakeKeys(t)
	tokenURL := base + "/oauth2/v1/token"
	now := time.Now().Unix()
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{"iss": fakeService, "sub": fakeService, "aud": tokenURL, "iat": now, "exp": now + 300, "jti": rand.Text()}
		if change != nil {
			change(c)
		}
		return c
	}
	form := func(jwt, scope string) url.Values {
		return url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {jwt}}
	}
	replayed := assertion(t, k, claims(nil))
	if st, e := post(t, tokenURL, form(replayed, "okta.apps.read")); st != http.StatusOK {
		t.Fatalf("a good assertion: HTTP %d %s", st, e)
	}
	for _, c := range []struct {
		name   string
		form   url.Values
		status int
		err    string
	}{
		{"replayed jti", form(replayed, "okta.apps.read"), 401, "invalid_client"},
		{"signed by another key", form(assertion(t, wrong, claims(nil)), "okta.apps.read"), 401, "invalid_client"},
		{"aud of another endpoint", form(assertion(t, k, claims(func(c map[string]any) { c["aud"] = base + "/oauth2/default/v1/token" })), "okta.apps.read"), 401, "invalid_client"},
		{"iss is not sub", form(assertion(t, k, claims(func(c map[string]any) { c["iss"] = "someone" })), "okta.apps.read"), 401, "invalid_client"},
		{"unknown client", form(assertion(t, k, claims(func(c map[string]any) { c["iss"], c["sub"] = "0oaother", "0oaother" })), "okta.apps.read"), 401, "invalid_client"},
		{"expired", form(assertion(t, k, claims(func(c map[string]any) { c["exp"] = now - 10 })), "okta.apps.read"), 401, "invalid_client"},
		{"valid for more than an hour", form(assertion(t, k, claims(func(c map[string]any) { c["exp"] = now + 7200 })), "okta.apps.read"), 401, "invalid_client"},
		{"no jti", form(assertion(t, k, claims(func(c map[string]any) { delete(c, "jti") })), "okta.apps.read"), 401, "invalid_client"},
		{"a scope not granted", form(assertion(t, k, claims(nil)), "okta.apps.manage"), 400, "invalid_scope"},
		{"a client secret instead", url.Values{"grant_type": {"client_credentials"}, "client_id": {fakeService}, "client_secret": {"x"}, "scope": {"okta.apps.read"}}, 401, "invalid_client"},
	} {
		if st, e := post(t, tokenURL, c.form); st != c.status || e != c.err {
			t.Errorf("%s: HTTP %d %s, want %d %s", c.name, st, e, c.status, c.err)
		}
	}
}

// call sends a management request with the API token.
func call(t *testing.T, method, u string, body any) (int, map[string]any) {
	t.Helper()
	a, err := provider.Send(t.Context(), http.DefaultClient, provider.Request{Method: method, URL: u, Body: body,
		Header: map[string]string{"Authorization": "SSWS " + apiToken}, MaxAnswer: provider.MaxAnswer})
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	_ = json.Unmarshal(a.Body, &out)
	if a.Header.Get("X-Rate-Limit-Remaining") == "" || a.Header.Get("X-Rate-Limit-Reset") == "" {
		t.Errorf("%s %s: no X-Rate-Limit-* headers", method, u)
	}
	return a.Status, out
}

// Okta's rules for an app's secrets and lifecycle: two secrets at most,
// only inactive ones deleted, never the last active one deactivated, and
// only inactive apps deleted.
func TestSecretAndLifecycleRules(t *testing.T) {
	t.Parallel()
	base := startFake(t)
	st, app := call(t, http.MethodPost, base+"/api/v1/apps", map[string]any{"name": "oidc_client", "label": "rules", "signOnMode": "OPENID_CONNECT",
		"credentials": map[string]any{"oauthClient": map[string]any{"token_endpoint_auth_method": "client_secret_basic"}},
		"settings":    map[string]any{"oauthClient": map[string]any{"grant_types": []string{"client_credentials"}, "application_type": "service"}}})
	if st != http.StatusOK {
		t.Fatalf("create: HTTP %d", st)
	}
	appURL := base + "/api/v1/apps/" + app["id"].(string)
	secrets := appURL + "/credentials/secrets"
	st, second := call(t, http.MethodPost, secrets, map[string]any{})
	if st != http.StatusCreated {
		t.Fatalf("second secret: HTTP %d", st)
	}
	if st, body := call(t, http.MethodPost, secrets, map[string]any{}); st != http.StatusBadRequest || !strings.Contains(body["errorSummary"].(string), "up to two") {
		t.Errorf("third secret: HTTP %d %v, want 400", st, body["errorSummary"])
	}
	sid := second["id"].(string)
	if st, _ := call(t, http.MethodDelete, secrets+"/"+sid, nil); st != http.StatusBadRequest {
		t.Errorf("deleting an active secret: HTTP %d, want 400", st)
	}
	if st, _ := call(t, http.MethodPost, secrets+"/"+sid+"/lifecycle/deactivate", nil); st != http.StatusOK {
		t.Errorf("deactivating one of two active secrets: HTTP %d", st)
	}
	var first string
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, secrets, nil)
	req.Header.Set("Authorization", "SSWS "+apiToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var list []map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&list)
	_ = resp.Body.Close()
	for _, s := range list {
		if s["id"] != sid {
			first = s["id"].(string)
		}
	}
	if st, _ := call(t, http.MethodPost, secrets+"/"+first+"/lifecycle/deactivate", nil); st != http.StatusBadRequest {
		t.Errorf("deactivating the last active secret: HTTP %d, want 400", st)
	}
	if st, _ := call(t, http.MethodDelete, secrets+"/"+sid, nil); st != http.StatusNoContent {
		t.Errorf("deleting an inactive secret: HTTP %d, want 204", st)
	}
	if st, body := call(t, http.MethodDelete, appURL, nil); st != http.StatusForbidden {
		t.Errorf("deleting an active app: HTTP %d %v, want 403", st, body)
	}
	if st, _ := call(t, http.MethodPost, appURL+"/lifecycle/deactivate", nil); st != http.StatusOK {
		t.Errorf("deactivate: HTTP %d", st)
	}
	if st, _ := call(t, http.MethodDelete, appURL, nil); st != http.StatusNoContent {
		t.Errorf("deleting an inactive app: HTTP %d", st)
	}
	if st, body := call(t, http.MethodGet, appURL, nil); st != http.StatusNotFound || body["errorCode"] != "E0000007" {
		t.Errorf("reading a deleted app: HTTP %d %v, want 404 E0000007", st, body["errorCode"])
	}
}
