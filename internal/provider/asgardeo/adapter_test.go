package asgardeo_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo/asgardeofake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

func ctx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func machine(name string) provider.ClientSpec {
	return provider.ClientSpec{ClientName: name, GrantTypes: []string{"client_credentials"},
		Audience: []string{ordersAPI}, Scopes: []string{"read"}}
}

// A create that reached the server but whose answer was lost (the
// operator crashed) is retried with the same chosen client ID: the
// application is found by its client ID and taken over, not made twice,
// and the secret of the lost attempt no longer works.
func TestCreateRetriedAfterCrashTakesOverTheApplication(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machine("billing")
	spec.ClientID = "uid-1-1"
	lost := providertest.MustCreate(t, p, spec) // the answer the crash lost
	again := providertest.MustCreate(t, p, spec)
	if again.Client.ClientID != spec.ClientID || again.State[asgardeo.StateApplicationID] != lost.State[asgardeo.StateApplicationID] {
		t.Fatalf("retried Create made client %q in application %q, want %q in %q", again.Client.ClientID,
			again.State[asgardeo.StateApplicationID], spec.ClientID, lost.State[asgardeo.StateApplicationID])
	}
	clients, err := provider.ListAll(ctx(t), p, "conformance")
	if err != nil || len(clients) != 1 {
		t.Fatalf("ListAll = %d clients, %v; want the one", len(clients), err)
	}
	if _, err := f.Token(ctx(t), spec.ClientID, again.Client.ClientSecret, "read"); err != nil {
		t.Errorf("the retried Create's secret gets no token: %v", err)
	}
	if _, err := f.Token(ctx(t), spec.ClientID, lost.Client.ClientSecret, "read"); err == nil {
		t.Error("the lost attempt's secret still gets a token")
	}
}

// A create whose API authorization fails removes the application again, so
// no client is left that nobody holds; the retry succeeds.
func TestCreateThatFailsHalfwayLeavesNothing(t *testing.T) {
	t.Parallel()
	_, p := startWithAdapter(t)
	spec := machine("half")
	spec.Audience = []string{"https://unknown.example.com"}
	_, err := p.Create(ctx(t), spec)
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "https://unknown.example.com") {
		t.Fatalf("Create with an unknown API: error = %v, want InvalidMetadata naming the identifier", err)
	}
	if clients, err := provider.ListAll(ctx(t), p, ""); err != nil || len(clients) != 0 {
		t.Errorf("after the failed Create: %d clients (%v), want none", len(clients), err)
	}
	providertest.MustCreate(t, p, machine("half"))
}

// With nothing changed, Update writes nothing, although the server fills
// in defaults (access token type, PKCE, allowed origins).
func TestUnchangedClientIsNotWritten(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	spec := machine("quiet")
	spec.ClientID = "quiet-1"
	spec.Description = "the billing worker"
	spec.GrantTypes = []string{"client_credentials", "authorization_code"}
	spec.RedirectURIs = []string{"https://app.example.com/cb", "https://app.example.com/cb2?x=1"}
	res := providertest.MustCreate(t, p, spec)
	got, err := p.Observe(ctx(t), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := provider.Diff(p, spec, got); len(d) != 0 {
		t.Fatalf("Diff of an unchanged client = %v", d)
	}
	if !slices.Equal(got.Spec.RedirectURIs, spec.RedirectURIs) || got.Spec.Description != spec.Description || got.Spec.ClientName != "quiet" {
		t.Errorf("observed %+v", got.Spec)
	}
	before := f.Writes()
	if _, err := p.Update(ctx(t), res.Client.ClientID, res.State, spec); err != nil {
		t.Fatal(err)
	}
	if w := f.Writes() - before; w != 0 {
		t.Errorf("Update of an unchanged client made %d writes", w)
	}
}

// Without state (lost), the application is found by its client ID.
func TestObserveWithoutStateFindsByClientID(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	res := providertest.MustCreate(t, p, machine("stateless"))
	got, err := p.Observe(ctx(t), res.Client.ClientID, nil)
	if err != nil || got.ClientID != res.Client.ClientID {
		t.Fatalf("Observe without state = %q, %v", got.ClientID, err)
	}
	if !f.DeleteApplication(res.Client.ClientID) {
		t.Fatal("the fake has no such application")
	}
	if _, err := p.Observe(ctx(t), res.Client.ClientID, res.State); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Observe of a deleted application: %v, want NotFound", err)
	}
	if err := p.Delete(ctx(t), res.Client.ClientID, nil); err != nil {
		t.Errorf("Delete of a deleted application without state: %v", err)
	}
}

// Regenerate (a server without the multiple-secrets API) revokes the old
// secret and every token issued with it; RevokeRotatedSecrets is
// unsupported there.
func TestRegenerateRevokesOldSecretAndItsTokens(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	res := providertest.MustCreate(t, p, machine("regen"))
	tok, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, "read")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.RotateSecret(ctx(t), res.Client.ClientID, res.State); err != nil {
		t.Fatal(err)
	}
	if f.TokenActive(tok) {
		t.Error("a token issued with the old secret is still active after regenerate")
	}
	if err := p.(provider.SecretRevoker).RevokeRotatedSecrets(ctx(t), res.Client.ClientID, res.State); !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("RevokeRotatedSecrets without the API: %v, want Unsupported", err)
	}
}

// With the multiple-secrets API, a rotation keeps the old secret and its
// tokens valid until RevokeRotatedSecrets.
func TestOverlapKeepsTokensOfTheOldSecret(t *testing.T) {
	t.Parallel()
	f := newFixture(t, asgardeofake.Options{MultipleSecrets: true})
	p := f.adapter(t, nil)
	res := providertest.MustCreate(t, p, machine("overlap"))
	if !p.Capabilities().OverlapSecrets {
		t.Fatal("the multiple-secrets API was not detected")
	}
	tok, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, "read")
	if err != nil {
		t.Fatal(err)
	}
	rot, err := p.RotateSecret(ctx(t), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if !f.TokenActive(tok) {
		t.Error("the old secret's token ended with the rotation")
	}
	if err := p.(provider.SecretRevoker).RevokeRotatedSecrets(ctx(t), res.Client.ClientID, res.State); err != nil {
		t.Fatal(err)
	}
	if f.TokenActive(tok) {
		t.Error("the old secret's token outlived RevokeRotatedSecrets")
	}
	if _, err := f.Token(ctx(t), res.Client.ClientID, rot.Client.ClientSecret, "read"); err != nil {
		t.Errorf("the new secret: %v", err)
	}
}

// The operator builds a server's adapter anew each time it proves the
// server again, so an overlap begun by one adapter may be rotated and
// ended by another that has not probed the server yet: it still overlaps
// (instead of regenerating, which would cut the old secret off) and still
// revokes (instead of answering Unsupported).
func TestAFreshAdapterOverlapsAndRevokes(t *testing.T) {
	t.Parallel()
	f := newFixture(t, asgardeofake.Options{MultipleSecrets: true})
	res := providertest.MustCreate(t, f.adapter(t, nil), machine("fresh"))
	tok, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, "read")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.adapter(t, nil).RotateSecret(ctx(t), res.Client.ClientID, res.State); err != nil {
		t.Fatal(err)
	}
	if !f.TokenActive(tok) {
		t.Error("a fresh adapter's rotation ended the old secret's token: it regenerated instead of overlapping")
	}
	if err := f.adapter(t, nil).(provider.SecretRevoker).RevokeRotatedSecrets(ctx(t), res.Client.ClientID, res.State); err != nil {
		t.Fatalf("a fresh adapter could not end the overlap: %v", err)
	}
	if f.TokenActive(tok) {
		t.Error("the old secret's token outlived RevokeRotatedSecrets")
	}
}

// authorizedAPIs by id and by identifier are authorized with their scopes;
// a change patches the scopes, a removal deletes the authorization.
func TestAuthorizedAPIsFollowTheOptions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, asgardeofake.Options{})
	billing := f.AddAPI("https://billing.example.com", "charge", "refund")
	p := f.adapter(t, nil)
	spec := provider.ClientSpec{ClientName: "apis", GrantTypes: []string{"client_credentials"}, Scopes: []string{"charge", "read"},
		Options: &v1alpha1.AsgardeoClientOptions{AccessTokenType: "JWT", AuthorizedAPIs: []v1alpha1.AsgardeoAuthorizedAPI{
			{ID: billing, Scopes: []string{"charge"}}, {Identifier: ordersAPI, Scopes: []string{"read"}}}}}
	res := providertest.MustCreate(t, p, spec)
	if _, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, "charge read"); err != nil {
		t.Fatalf("token with both APIs' scopes: %v", err)
	}
	got, err := p.Observe(ctx(t), res.Client.ClientID, res.State)
	if err != nil || len(provider.Diff(p, spec, got)) != 0 {
		t.Fatalf("Observe: %v, diff %v", err, provider.Diff(p, spec, got))
	}
	spec.Scopes = []string{"refund"}
	spec.Options = &v1alpha1.AsgardeoClientOptions{AccessTokenType: "JWT", AuthorizedAPIs: []v1alpha1.AsgardeoAuthorizedAPI{{ID: billing, Scopes: []string{"refund"}}}}
	if _, err := p.Update(ctx(t), res.Client.ClientID, res.State, spec); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, "refund"); err != nil {
		t.Errorf("the added scope: %v", err)
	}
	for _, gone := range []string{"charge", "read"} {
		if _, err := f.Token(ctx(t), res.Client.ClientID, res.Client.ClientSecret, gone); err == nil {
			t.Errorf("the removed scope %q is still granted", gone)
		}
	}
}

// What cannot be mapped to API authorization is refused before anything is
// sent, naming the field.
func TestUnmappableScopesAreRefused(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	for name, c := range map[string]struct {
		spec provider.ClientSpec
		want string
	}{
		"API scopes without audience": {provider.ClientSpec{ClientName: "a", Scopes: []string{"read"}}, "spec.scopes"},
		"two audiences":               {provider.ClientSpec{ClientName: "b", Scopes: []string{"read"}, Audience: []string{"x", "y"}}, "spec.audience"},
		"another kind's options":      {provider.ClientSpec{ClientName: "c", Options: &v1alpha1.HydraClientOptions{}}, "spec.providerOptions"},
	} {
		before := len(f.Requests())
		_, err := p.Create(ctx(t), c.spec)
		if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v, want InvalidMetadata naming %s", name, err, c.want)
		}
		if n := len(f.Requests()) - before; n != 0 {
			t.Errorf("%s: %d requests sent", name, n)
		}
	}
	// OIDC scopes need no API.
	providertest.MustCreate(t, p, provider.ClientSpec{ClientName: "oidc-only", GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example.com/cb"}, Scopes: []string{"openid", "profile"}})
}

// The server's Error body reaches the error: a duplicate name is a
// conflict with its description, a bad callback is invalid metadata.
func TestServerErrorsAreTyped(t *testing.T) {
	t.Parallel()
	f, p := startWithAdapter(t)
	providertest.MustCreate(t, p, machine("taken"))
	_, err := p.Create(ctx(t), machine("taken"))
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.KindConflict || pe.Code != "APP-60007" || !strings.Contains(pe.Description, "already exists") {
		t.Errorf("duplicate name: %v, want Conflict APP-60007 with the server's description", err)
	}
	_, err = p.Create(ctx(t), provider.ClientSpec{ClientName: "bad", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://x.example/#f"}})
	if !errors.As(err, &pe) || pe.Kind != provider.KindInvalidMetadata || !strings.Contains(pe.Description, "callback") || strings.Contains(err.Error(), "traceId") {
		t.Errorf("bad callback: %v, want InvalidMetadata with the server's description", err)
	}
	viewer := f.adapter(t, func(c *asgardeo.Config) { c.Token = f.login("viewer") })
	_, err = viewer.Create(ctx(t), machine("refused"))
	if !errors.Is(err, provider.ErrUnauthorized) || !strings.Contains(err.Error(), asgardeo.ScopeCreate) {
		t.Errorf("create without the scope: %v, want Unauthorized naming %s", err, asgardeo.ScopeCreate)
	}
}

// A 429 is RateLimited with the server's Retry-After.
func TestRateLimitedCarriesRetryAfter(t *testing.T) {
	t.Parallel()
	f := fixture{asgardeofake.StartT(t, asgardeofake.Options{},
		contract.AllowStatus("POST", "/applications", http.StatusTooManyRequests),
		contract.AllowStatus("PATCH", "/applications/{applicationId}", http.StatusTooManyRequests))}
	f.AddManagementApp(mgmtID, mgmtSecret, asgardeofake.ManagementScopes...)
	f.AddAPI(ordersAPI, "read")
	p := f.adapter(t, nil)
	f.Throttle(1, 7)
	_, err := p.Create(ctx(t), machine("throttled"))
	if !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 7*time.Second {
		t.Fatalf("Create answered 429: %v (RetryAfter %s), want RateLimited after 7s", err, provider.RetryAfter(err))
	}
	res := providertest.MustCreate(t, p, machine("throttled"))
	f.Throttle(1, 3)
	if err := p.SetEnabled(ctx(t), res.Client.ClientID, res.State, false); !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 3*time.Second {
		t.Errorf("SetEnabled answered 429: %v, want RateLimited after 3s", err)
	}
}

// The factory reads the block; the organization defaults to carbon.super.
func TestFactory(t *testing.T) {
	t.Parallel()
	if _, err := asgardeo.Factory(t.Context(), provider.Config{Block: &v1alpha1.AsgardeoProvider{BaseURL: "https://api.asgardeo.io/t/acme"}}); !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "spec.asgardeo.baseURL") {
		t.Errorf("a base URL with /t/: %v", err)
	}
	if _, err := asgardeo.Factory(t.Context(), provider.Config{Block: &v1alpha1.HydraProvider{}}); !errors.Is(err, provider.ErrInvalidMetadata) {
		t.Errorf("another block: %v", err)
	}
	f := newFixture(t, asgardeofake.Options{})
	p, err := asgardeo.Factory(t.Context(), provider.Config{Block: &v1alpha1.AsgardeoProvider{BaseURL: f.URL}, Management: f.login(mgmtID)})
	if err != nil {
		t.Fatal(err)
	}
	providertest.MustCreate(t, p, machine("carbon"))
}

// The scopes a login asks for by default are exactly the ones the
// adapter's calls need, and the ones the fake's API checks.
func TestManagementScopesAreTheOnesUsed(t *testing.T) {
	t.Parallel()
	used := []string{asgardeo.ScopeView, asgardeo.ScopeCreate, asgardeo.ScopeUpdate, asgardeo.ScopeDelete,
		asgardeo.ScopeSecretCreate, asgardeo.ScopeSecretView, asgardeo.ScopeSecretDelete, asgardeo.ScopeAPIView}
	if !slices.Equal(slices.Sorted(slices.Values(used)), slices.Sorted(slices.Values(asgardeo.ManagementScopes))) ||
		!slices.Equal(slices.Sorted(slices.Values(used)), slices.Sorted(slices.Values(asgardeofake.ManagementScopes))) {
		t.Errorf("ManagementScopes %v, the fake's %v, used %v", asgardeo.ManagementScopes, asgardeofake.ManagementScopes, used)
	}
	if got := (&v1alpha1.AsgardeoProvider{}).DefaultManagementScopes(); !slices.Equal(got, asgardeo.ManagementScopes) {
		t.Errorf("the block's default scopes %v", got)
	}
}

// A server whose error description echoes the supplied secret does not get
// it into the error.
func TestErrorsHoldNoSecret(t *testing.T) {
	t.Parallel()
	const supplied = "supplied-secret-value-0123456789"
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]any
		_ = json.NewDecoder(r.Body).Decode(&body)
		b, _ := json.Marshal(body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{"code": "APP-60001", "message": "Invalid request", "description": "cannot use " + string(b)})
	})
	spec := contract.Load(t, asgardeofake.SpecFile)
	srv := httptest.NewServer(spec.Handler(t, echo))
	t.Cleanup(srv.Close)
	p, err := asgardeo.New(asgardeo.Config{BaseURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	s := machine("echo")
	s.ClientSecret = supplied
	_, err = p.Create(ctx(t), s)
	if !errors.Is(err, provider.ErrInvalidMetadata) || strings.Contains(err.Error(), supplied) || !strings.Contains(err.Error(), "[redacted]") {
		t.Errorf("error = %v, want InvalidMetadata with the secret redacted", err)
	}
}

// A public client is handed no secret, although the server keeps one.
func TestPublicClientGetsNoSecret(t *testing.T) {
	t.Parallel()
	_, p := startWithAdapter(t)
	spec := provider.ClientSpec{ClientName: "spa", GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://spa.example.com/"},
		TokenEndpointAuthMethod: "none", Scopes: []string{"openid"}}
	res := providertest.MustCreate(t, p, spec)
	if res.Client.ClientSecret != "" {
		t.Error("Create returned a secret for a public client")
	}
	got, err := p.Observe(ctx(t), res.Client.ClientID, res.State)
	if err != nil || got.ClientSecret != "" || got.Spec.TokenEndpointAuthMethod != "none" || len(provider.Diff(p, spec, got)) != 0 {
		t.Errorf("Observe: secret shown %t, auth method %q, diff %v, err %v", got.ClientSecret != "", got.Spec.TokenEndpointAuthMethod, provider.Diff(p, spec, got), err)
	}
}

// Observe reports the secret the server shows, so a secret regenerated in
// the console is noticed; during an overlap (several secrets) it reports
// none, since which one the server shows is not said.
func TestObserveReportsTheShownSecretOnlyWhenThereIsOne(t *testing.T) {
	t.Parallel()
	f := newFixture(t, asgardeofake.Options{MultipleSecrets: true})
	p := f.adapter(t, nil)
	res := providertest.MustCreate(t, p, machine("shown"))
	got, err := p.Observe(ctx(t), res.Client.ClientID, res.State)
	if err != nil || got.ClientSecret != res.Client.ClientSecret {
		t.Fatalf("Observe after Create: secret matches %t, %v", got.ClientSecret == res.Client.ClientSecret, err)
	}
	if _, err := p.RotateSecret(ctx(t), res.Client.ClientID, res.State); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Observe(ctx(t), res.Client.ClientID, res.State); err != nil || got.ClientSecret != "" {
		t.Errorf("Observe during the overlap: a secret shown %t, %v", got.ClientSecret != "", err)
	}
}
