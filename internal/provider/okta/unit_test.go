package okta

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestStatusErrorKinds(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-value-never-shown"
	now := time.Now()
	for _, c := range []struct {
		status int
		header http.Header
		body   string
		kind   provider.Kind
		retry  time.Duration
		text   string
	}{
		{400, nil, `{"errorCode":"E0000001","errorSummary":"Api validation failed: redirect_uris","errorCauses":[{"errorSummary":"redirect_uris: must not have a fragment"}]}`,
			provider.KindInvalidMetadata, 0, "redirect_uris: must not have a fragment"},
		{400, nil, `not json`, provider.KindInvalidMetadata, 0, "no errorSummary"},
		{401, nil, `{"errorCode":"E0000011","errorSummary":"Invalid token provided"}`, provider.KindUnauthorized, 0, "E0000011"},
		{403, nil, `{"errorCode":"E0000006","errorSummary":"You do not have permission"}`, provider.KindUnauthorized, 0, "permission"},
		{404, nil, `{"errorCode":"E0000007","errorSummary":"Not found: Resource not found: 0oa1 (AppInstance)"}`, provider.KindNotFound, 0, "E0000007"},
		{429, http.Header{"Retry-After": {"7"}}, `{"errorCode":"E0000047"}`, provider.KindRateLimited, 7 * time.Second, "E0000047"},
		{429, http.Header{"X-Rate-Limit-Reset": {strconv.FormatInt(now.Add(30*time.Second).Unix()+1, 10)}}, `{}`, provider.KindRateLimited, 30 * time.Second, "429"},
		{429, http.Header{"X-Rate-Limit-Reset": {strconv.FormatInt(now.Add(-time.Minute).Unix(), 10)}}, `{}`, provider.KindRateLimited, time.Second, "429"},
		{500, nil, `{"errorSummary":"echo ` + secret + `"}`, provider.KindTransient, 0, "[redacted]"},
	} {
		err := statusError(answer{status: c.status, header: c.header, body: []byte(c.body)}, secret)
		if got := provider.KindOf(err); got != c.kind {
			t.Errorf("HTTP %d %s: kind %s, want %s", c.status, c.body, got, c.kind)
		}
		// Reset is in whole seconds: allow the second the test itself takes.
		if got := provider.RetryAfter(err); got < c.retry-time.Second || got > c.retry+time.Second {
			t.Errorf("HTTP %d: RetryAfter %s, want about %s", c.status, got, c.retry)
		}
		if !strings.Contains(err.Error(), c.text) || strings.Contains(err.Error(), secret) {
			t.Errorf("HTTP %d: error %q, want it to hold %q and no secret", c.status, err, c.text)
		}
	}
}

func TestNextAfter(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		links []string
		want  string
	}{
		{nil, ""},
		{[]string{`<https://x.okta.com/api/v1/apps?limit=2>; rel="self"`}, ""},
		{[]string{`<https://x.okta.com/api/v1/apps?limit=2>; rel="self"`, `<https://x.okta.com/api/v1/apps?after=0oa2&limit=2>; rel="next"`}, "0oa2"},
		{[]string{`<https://x.okta.com/api/v1/apps?limit=2>; rel="self", <https://x.okta.com/api/v1/apps?after=17&limit=2>; rel=next`}, "17"},
		{[]string{`garbage; rel="next"`}, ""},
	} {
		h := http.Header{"Link": c.links}
		if got := nextAfter(h); got != c.want {
			t.Errorf("nextAfter(%q) = %q, want %q", c.links, got, c.want)
		}
	}
}

func TestApplicationType(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		spec provider.ClientSpec
		want string
	}{
		{provider.ClientSpec{}, "service"},
		{provider.ClientSpec{GrantTypes: []string{"client_credentials"}}, "service"},
		{provider.ClientSpec{GrantTypes: []string{"authorization_code", "refresh_token"}}, "web"},
		{provider.ClientSpec{GrantTypes: []string{"authorization_code"}, TokenEndpointAuthMethod: "none"}, "browser"},
		{provider.ClientSpec{GrantTypes: []string{"client_credentials", "authorization_code"}}, "web"},
	} {
		if got, _ := applicationType(c.spec); got != c.want {
			t.Errorf("applicationType(%+v) = %s, want %s", c.spec, got, c.want)
		}
	}
}

func TestPolicyNameFitsOkta(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("a", 100)
	if n := policyName(long); len(n) > maxPolicyName || n == policyName(long[:99]) {
		t.Errorf("policyName of a 100-character client ID: %q (%d characters)", n, len(n))
	}
	if n := policyName("0oa1"); n != "oauth-client-operator 0oa1" {
		t.Errorf("policyName(0oa1) = %q", n)
	}
}

// A PUT replaces the whole app: what the adapter does not manage is sent
// back as read, Okta's read-only fields and the secret are not.
func TestPutBodyKeepsUnmanagedFields(t *testing.T) {
	t.Parallel()
	a, err := parseApp([]byte(`{"id":"0oa1","status":"ACTIVE","created":"2026-01-01T00:00:00.000Z","_links":{},"name":"oidc_client","label":"old",
		"signOnMode":"OPENID_CONNECT","visibility":{"hide":{"iOS":true}},"profile":{"team":"payments"},
		"credentials":{"oauthClient":{"client_id":"c1","client_secret":"shh-not-sent","autoKeyRotation":true}},
		"settings":{"oauthClient":{"grant_types":["client_credentials"],"consent_method":"TRUSTED"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	body := putBody(a, provider.ClientSpec{ClientName: "new", Scopes: []string{"read"}}, "me")
	for _, f := range readOnlyAppFields {
		if _, ok := body[f]; ok {
			t.Errorf("the PUT body holds the read-only field %s", f)
		}
	}
	oc := body["credentials"].(map[string]any)["oauthClient"].(map[string]any)
	if _, ok := oc["client_secret"]; ok || oc["autoKeyRotation"] != true {
		t.Errorf("credentials.oauthClient = %v: want the secret left out, autoKeyRotation kept", oc)
	}
	so := body["settings"].(map[string]any)["oauthClient"].(map[string]any)
	profile := body["profile"].(map[string]any)
	if body["label"] != "new" || so["consent_method"] != "TRUSTED" || profile["team"] != "payments" || profile[ProfileOwner] != "me" || body["visibility"] == nil {
		t.Errorf("PUT body %v: want the new label, the owner marker, and the unmanaged fields as read", body)
	}
	if _, ok := a.raw["id"]; !ok {
		t.Error("putBody changed the app it was given")
	}
}
