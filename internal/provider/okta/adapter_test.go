package okta_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

func machine(name string) provider.ClientSpec {
	return provider.ClientSpec{ClientName: name, GrantTypes: []string{"client_credentials"}, Scopes: []string{"read", "write"}}
}

// A create that crashed after Okta made the app, before the access policy
// and before anyone kept the secret, is retried: the retry takes the app
// over, gives it its policy and a fresh secret, and leaves one app.
func TestCreateRetriedAfterACrashTakesTheAppOver(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	spec := machine("crashed")
	spec.ClientID = "uid-1234-1"
	// What the crashed attempt sent, and nothing after it.
	body := map[string]any{"name": "oidc_client", "label": "crashed", "signOnMode": "OPENID_CONNECT",
		"profile":     map[string]any{okta.ProfileOwner: "okta-tests"},
		"credentials": map[string]any{"oauthClient": map[string]any{"client_id": spec.ClientID, "token_endpoint_auth_method": "client_secret_basic"}},
		"settings":    map[string]any{"oauthClient": map[string]any{"grant_types": []string{"client_credentials"}, "application_type": "service", "response_types": []string{"token"}}}}
	if status := o.management(t, http.MethodPost, "/api/v1/apps", body); status != http.StatusOK {
		t.Fatalf("the crashed attempt's POST: HTTP %d", status)
	}
	if o.fake.Policies(spec.ClientID) != 0 {
		t.Fatal("the crashed attempt made a policy")
	}

	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatalf("retried Create: %v", err)
	}
	if res.Client.ClientID != spec.ClientID || res.Client.ClientSecret == "" {
		t.Fatalf("retried Create returned client %q (secret set %t)", res.Client.ClientID, res.Client.ClientSecret != "")
	}
	if n := o.fake.Apps(); n != 1 {
		t.Errorf("%d apps after the retry, want the one the crashed attempt made", n)
	}
	if n := o.fake.Policies(spec.ClientID); n != 1 {
		t.Errorf("%d access policies after the retry, want 1", n)
	}
	if n := o.fake.Secrets(spec.ClientID); n != 1 {
		t.Errorf("%d secrets after the retry, want only the fresh one", n)
	}
	if err := o.token(t.Context(), spec.ClientID, res.Client.ClientSecret, "read write"); err != nil {
		t.Errorf("the retried Create's secret gets no token: %v", err)
	}
	if d := p.Diff(spec, observe(t, p, spec.ClientID, res.State)); len(d) != 0 {
		t.Errorf("after the take-over the client differs in %v", d)
	}
}

// management sends one management request to the fake with the API token.
func (o *org) management(t *testing.T, method, path string, body any) int {
	t.Helper()
	a, err := provider.Send(t.Context(), http.DefaultClient, provider.Request{Method: method, URL: o.url + path, Body: body,
		Header: map[string]string{"Authorization": "SSWS " + apiToken}, MaxAnswer: provider.MaxAnswer})
	if err != nil {
		t.Fatal(err)
	}
	return a.Status
}

func observe(t *testing.T, p provider.Provider, id string, state provider.State) provider.Client {
	t.Helper()
	c, err := p.Observe(t.Context(), id, state)
	if err != nil {
		t.Fatalf("Observe(%q): %v", id, err)
	}
	return c
}

// Steady state is quiet: with nothing changed, Observe finds nothing to
// update and Update writes nothing.
func TestUnchangedClientIsNotWritten(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	for _, spec := range []provider.ClientSpec{
		machine("quiet"),
		{ClientName: "no scopes"}, // Okta's defaults: client_credentials, any scope, client_secret_basic
		{ClientName: "web", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://app.example/cb"}, Scopes: []string{"openid"}},
	} {
		res, err := p.Create(t.Context(), spec)
		if err != nil {
			t.Fatalf("Create(%q): %v", spec.ClientName, err)
		}
		writes := o.fake.Writes()
		for range 2 {
			if d := p.Diff(spec, observe(t, p, res.Client.ClientID, res.State)); len(d) != 0 {
				t.Errorf("%q: an unchanged client differs in %v", spec.ClientName, d)
			}
			if _, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec); err != nil {
				t.Fatalf("Update(%q): %v", spec.ClientName, err)
			}
		}
		if w := o.fake.Writes() - writes; w != 0 {
			t.Errorf("%q: two resyncs made %d writes to Okta", spec.ClientName, w)
		}
	}
}

// Changes made in Okta's console are drift that Update undoes: a label, and
// an access policy deleted by hand.
func TestDriftAtOktaIsCorrected(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	spec := machine("drifting")
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID
	o.fake.SetLabel(id, "renamed")
	st := o.management(t, http.MethodDelete, "/api/v1/authorizationServers/default/policies/"+res.State["policyId"], nil)
	if st != http.StatusNoContent {
		t.Fatalf("deleting the policy by hand: HTTP %d", st)
	}
	if err := o.token(t.Context(), id, res.Client.ClientSecret, "read"); err == nil {
		t.Fatal("a client without its access policy gets a token")
	}
	d := p.Diff(spec, observe(t, p, id, res.State))
	if !slices.Contains(d, provider.DiffClientName) || !slices.Contains(d, okta.DiffAccessPolicy) {
		t.Fatalf("Diff = %v, want clientName and accessPolicy", d)
	}
	up, err := p.Update(t.Context(), id, res.State, spec)
	if err != nil {
		t.Fatal(err)
	}
	if got := o.fake.Label(id); got != "drifting" {
		t.Errorf("label %q after Update", got)
	}
	if err := o.token(t.Context(), id, res.Client.ClientSecret, "read write"); err != nil {
		t.Errorf("no token after the policy was made again: %v", err)
	}
	if d := p.Diff(spec, observe(t, p, id, up.State)); len(d) != 0 {
		t.Errorf("after Update the client differs in %v", d)
	}
}

// A 429 is RateLimited with Okta's delay: Retry-After when sent, else the
// time until X-Rate-Limit-Reset; the fake sends Okta's headers on every
// answer.
func TestRateLimitedAnswers(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	res, err := p.Create(t.Context(), machine("limited"))
	if err != nil {
		t.Fatal(err)
	}
	o.fake.Throttle(1, 7)
	_, err = p.Observe(t.Context(), res.Client.ClientID, res.State)
	if !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 7*time.Second {
		t.Fatalf("Observe answered 429 with Retry-After: 7: error %v, RetryAfter %s; want RateLimited after 7s", err, provider.RetryAfter(err))
	}
	if _, err := p.Observe(t.Context(), res.Client.ClientID, res.State); err != nil {
		t.Errorf("Observe after the 429: %v", err)
	}
}

// Secrets never reach an error: a refused supplied secret, and Okta's
// error text echoing one.
func TestErrorsHoldNoSecret(t *testing.T) {
	t.Parallel()
	o := newOrg(t, contract.AllowStatus("POST", "/api/v1/apps", 401))
	p := o.adapter(t, nil)
	spec := machine("short secret")
	spec.ClientSecret = "tooshort-s3cr" // 13 characters: Okta wants 14
	_, err := p.Create(t.Context(), spec)
	if !errors.Is(err, provider.ErrInvalidMetadata) || strings.Contains(err.Error(), spec.ClientSecret) {
		t.Errorf("Create with a short secret: %v; want InvalidMetadata without the secret", err)
	}
	bad := o.adapter(t, func(c *okta.Config) { c.Token = okta.APIToken("wrong-token-value") })
	_, err = bad.Create(t.Context(), machine("refused"))
	if !errors.Is(err, provider.ErrUnauthorized) || strings.Contains(err.Error(), "wrong-token-value") {
		t.Errorf("Create with a refused token: %v; want Unauthorized without the token", err)
	}
}

// Bad input is refused before any request, naming the field.
func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	for _, c := range []struct {
		name  string
		spec  provider.ClientSpec
		field string
	}{
		{"client ID too short", provider.ClientSpec{ClientID: "abc", ClientName: "x"}, "spec.clientID"},
		{"client ID with a slash", provider.ClientSpec{ClientID: "abc/def", ClientName: "x"}, "spec.clientID"},
		{"client ID ALL_CLIENTS", provider.ClientSpec{ClientID: "ALL_CLIENTS", ClientName: "x"}, "spec.clientID"},
		{"an audience", provider.ClientSpec{ClientName: "x", Audience: []string{"api://x"}}, "spec.audience"},
		{"extra metadata", provider.ClientSpec{ClientName: "x", Extra: map[string]string{"logo_uri": "https://x"}}, "extra metadata"},
		{"options", provider.ClientSpec{ClientName: "x", Options: struct{}{}}, "spec.providerOptions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			before := o.fake.Requests()
			_, err := p.Create(t.Context(), c.spec)
			if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("Create: %v; want InvalidMetadata naming %s", err, c.field)
			}
			if n := o.fake.Requests() - before; n != 0 {
				t.Errorf("%d requests reached Okta", n)
			}
		})
	}
	for _, c := range []struct {
		name  string
		cfg   okta.Config
		field string
	}{
		{"org URL with a path", okta.Config{OrgURL: "https://example.okta.com/oauth2/default"}, "spec.okta.orgURL"},
		{"org URL not a URL", okta.Config{OrgURL: "example.okta.com"}, "spec.okta.orgURL"},
		{"authorization server with a slash", okta.Config{OrgURL: "https://example.okta.com", AuthorizationServerID: "a/b"}, "spec.okta.authorizationServerID"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if _, err := okta.New(c.cfg); !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("New: %v; want InvalidMetadata naming %s", err, c.field)
			}
		})
	}
}

// A custom authorization server other than default: the policies go there
// and its token endpoint honours them.
func TestOtherAuthorizationServer(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	o.fake.AddAuthorizationServer("aus42", "orders.read")
	p := o.adapter(t, func(c *okta.Config) { c.AuthorizationServerID = "aus42" })
	if got, want := p.Endpoints().Token, o.url+"/oauth2/aus42/v1/token"; got != want {
		t.Errorf("token endpoint %q, want %q", got, want)
	}
	spec := provider.ClientSpec{ClientName: "orders", Scopes: []string{"orders.read"}}
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := oktaToken(context.Background(), o.url+"/oauth2/aus42/v1/token", res.Client.ClientID, res.Client.ClientSecret, "orders.read"); err != nil {
		t.Errorf("no token at aus42: %v", err)
	}
	if err := o.token(t.Context(), res.Client.ClientID, res.Client.ClientSecret, "read"); err == nil {
		t.Error("the client gets tokens at the default authorization server, where it has no policy")
	}
}

// A token type the adapter cannot send (DPoP) is refused with what to do.
func TestDPoPTokensAreRefused(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, func(c *okta.Config) { c.Token = dpop{} })
	_, err := p.Create(t.Context(), machine("dpop"))
	if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), "DPoP") {
		t.Errorf("Create with a DPoP token: %v; want Unauthorized naming DPoP", err)
	}
}

// The factory takes the okta block and refuses an issuerURL that is not
// the block's authorization server, so the delivered token_url is the one
// whose policies the adapter manages.
func TestFactoryChecksTheIssuer(t *testing.T) {
	t.Parallel()
	block := &v1alpha1.OktaProvider{OrgURL: "https://example.okta.com", AuthorizationServerID: "default"}
	for _, c := range []struct {
		name, issuer, field string
	}{
		{"the default authorization server", "https://example.okta.com/oauth2/default", ""},
		{"the org authorization server", "https://example.okta.com", "spec.issuerURL"},
		{"another authorization server", "https://example.okta.com/oauth2/aus42", "spec.issuerURL"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := okta.Factory(t.Context(), provider.Config{Block: block, Endpoints: provider.Endpoints{Issuer: c.issuer}})
			if c.field == "" && err != nil {
				t.Fatalf("Factory: %v", err)
			}
			if c.field != "" && (!errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.field)) {
				t.Errorf("Factory: %v; want InvalidMetadata naming %s", err, c.field)
			}
		})
	}
	if _, err := okta.Factory(t.Context(), provider.Config{}); err == nil || !strings.Contains(err.Error(), "spec.okta") {
		t.Errorf("Factory without a block: %v; want an error naming spec.okta", err)
	}
}

// A rule changed by hand to other grant types is drift too.
func TestRuleChangedByHandIsCorrected(t *testing.T) {
	t.Parallel()
	o := newOrg(t)
	p := o.adapter(t, nil)
	spec := machine("rule drift")
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	rule := map[string]any{"name": "oauth-client-operator", "type": "RESOURCE_ACCESS",
		"conditions": map[string]any{"grantTypes": map[string]any{"include": []string{"authorization_code"}}, "scopes": map[string]any{"include": []string{"read", "write"}}}}
	path := "/api/v1/authorizationServers/default/policies/" + res.State["policyId"] + "/rules/" + res.State["ruleId"]
	if st := o.management(t, http.MethodPut, path, rule); st != http.StatusOK {
		t.Fatalf("changing the rule by hand: HTTP %d", st)
	}
	if err := o.token(t.Context(), res.Client.ClientID, res.Client.ClientSecret, "read"); err == nil {
		t.Fatal("a client whose rule lost client_credentials gets a token")
	}
	if d := p.Diff(spec, observe(t, p, res.Client.ClientID, res.State)); !slices.Contains(d, okta.DiffAccessPolicy) {
		t.Fatalf("Diff = %v, want accessPolicy", d)
	}
	if _, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec); err != nil {
		t.Fatal(err)
	}
	if err := o.token(t.Context(), res.Client.ClientID, res.Client.ClientSecret, "read"); err != nil {
		t.Errorf("no token after Update: %v", err)
	}
}
