package auth0_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/auth0/auth0fake"
)

// machine is a client_credentials spec for the fake's API.
func machine(srv *auth0fake.Server, name string, scopes ...string) provider.ClientSpec {
	return provider.ClientSpec{
		ClientName: name, GrantTypes: []string{"client_credentials"}, Scopes: scopes,
		Audience: []string{srv.API}, TokenEndpointAuthMethod: "client_secret_basic",
	}
}

// mustCreate creates spec and deletes the client when the test ends.
func mustCreate(t *testing.T, p *auth0.Provider, spec provider.ClientSpec) provider.Client {
	t.Helper()
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatalf("Create(%q): %v", spec.ClientName, err)
	}
	t.Cleanup(func() { _ = p.Delete(context.Background(), res.Client.ClientID, nil) })
	return res.Client
}

// token fails t unless the client gets a token for the fake's API with scope.
func token(t *testing.T, srv *auth0fake.Server, id, secret, scope string) {
	t.Helper()
	if err := canAuthenticate(srv)(t.Context(), id, secret, scope); err != nil {
		t.Errorf("client %s gets no token with scope %q: %v", id, scope, err)
	}
}

// TestAppTypeFollowsTheGrantTypes: Auth0's app_type is chosen from the
// grant types and the auth method, or by providerOptions.auth0.appType.
func TestAppTypeFollowsTheGrantTypes(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	web := provider.ClientSpec{ClientName: "web", GrantTypes: []string{"authorization_code", "refresh_token"},
		RedirectURIs: []string{"https://app.example.com/callback"}, TokenEndpointAuthMethod: "client_secret_post"}
	public := provider.ClientSpec{ClientName: "spa", GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example.com/callback"}, TokenEndpointAuthMethod: "none"}
	native := public
	native.ClientName, native.Options = "native", &v1alpha1.Auth0ClientOptions{AppType: "native"}
	for _, c := range []struct {
		spec provider.ClientSpec
		want string
	}{
		{machine(srv, "m2m", "read"), "non_interactive"},
		{web, "regular_web"},
		{public, "spa"},
		{native, "native"},
	} {
		got := mustCreate(t, p, c.spec)
		at, _ := srv.Client(got.ClientID)
		if at.AppType != c.want {
			t.Errorf("%s: app_type %q, want %q", c.spec.ClientName, at.AppType, c.want)
		}
		if c.spec.TokenEndpointAuthMethod == "none" && got.ClientSecret != "" {
			t.Errorf("%s: a public client was handed a secret", c.spec.ClientName)
		}
		if at.Metadata[auth0.MetadataOwner] != "oauth-client-operator/test" {
			t.Errorf("%s: client_metadata %v has no ownership marker", c.spec.ClientName, at.Metadata)
		}
	}
}

// TestClientGrantsFollowTheSpec: the common audience and scopes make one
// grant; providerOptions.auth0.clientGrants make several; Update adds,
// changes and removes grants; a grant changed at the server is drift that
// Update corrects; with nothing changed nothing is written.
func TestClientGrantsFollowTheSpec(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	spec := machine(srv, "grants", "read")
	c := mustCreate(t, p, spec)
	if got := srv.Grants(c.ClientID); !slices.Equal(got[srv.API], []string{"read"}) || len(got) != 1 {
		t.Fatalf("grants after Create: %v, want %s: [read]", got, srv.API)
	}
	token(t, srv, c.ClientID, c.ClientSecret, "read")

	observed, err := p.Observe(t.Context(), c.ClientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); len(d) != 0 {
		t.Errorf("Diff right after Create: %v", d)
	}

	srv.SetGrantScopes(c.ClientID, srv.API, []string{"read", "admin"})
	observed, err = p.Observe(t.Context(), c.ClientID, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, observed); !slices.Equal(d, []string{"clientGrants[" + srv.API + "]"}) {
		t.Errorf("Diff after the grant's scopes changed at the server: %v", d)
	}
	if _, err := p.Update(t.Context(), c.ClientID, nil, spec); err != nil {
		t.Fatal(err)
	}
	if got := srv.Grants(c.ClientID)[srv.API]; !slices.Equal(got, []string{"read"}) {
		t.Errorf("the drifted grant after Update: %v, want [read]", got)
	}

	other := "https://billing.example.com"
	srv.AddAPI(other)
	spec.Audience = nil
	spec.Options = &v1alpha1.Auth0ClientOptions{ClientGrants: []v1alpha1.Auth0ClientGrant{
		{Audience: other, Scopes: []string{"invoices:read"}},
	}}
	if _, err := p.Update(t.Context(), c.ClientID, nil, spec); err != nil {
		t.Fatal(err)
	}
	got := srv.Grants(c.ClientID)
	if len(got) != 1 || !slices.Equal(got[other], []string{"invoices:read"}) {
		t.Errorf("grants after Update to clientGrants: %v, want only %s: [invoices:read]", got, other)
	}
	if _, err := srv.ClientCredentialsToken(t.Context(), c.ClientID, c.ClientSecret, srv.API, "", true); err == nil {
		t.Error("a token for the removed grant's API is still issued")
	}

	srv.ResetRequests()
	for range 2 {
		observed, err := p.Observe(t.Context(), c.ClientID, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Diff(spec, observed); len(d) != 0 {
			t.Errorf("Diff with nothing changed: %v", d)
		}
		if _, err := p.Update(t.Context(), c.ClientID, nil, spec); err != nil {
			t.Fatal(err)
		}
	}
	if w := srv.ManagementWrites(); len(w) != 0 {
		t.Errorf("Observe and Update with nothing changed wrote %v", w)
	}
}

// TestNoGrantNoToken: Auth0's token endpoint refuses a client_credentials
// client without a grant for the audience, which is why the adapter
// refuses such a spec before registering anything.
func TestNoGrantNoToken(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	c := mustCreate(t, p, machine(srv, "granted", "read"))
	_, err := srv.ClientCredentialsToken(t.Context(), c.ClientID, c.ClientSecret, "https://unknown.example.com", "", true)
	if err == nil || !strings.Contains(err.Error(), "access_denied") {
		t.Errorf("token for an API without a grant: %v, want access_denied", err)
	}

	spec := machine(srv, "ungranted", "read")
	spec.Audience = nil
	srv.ResetRequests()
	_, err = p.Create(t.Context(), spec)
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "spec.audience") {
		t.Errorf("Create without an audience: %v, want InvalidMetadata naming spec.audience", err)
	}
	if n := len(srv.ManagementWrites()); n != 0 {
		t.Errorf("a refused spec reached the server (%d writes)", n)
	}
}

// TestBadInputNamesTheField: what Auth0 cannot hold is refused before
// anything is sent, naming the field.
func TestBadInputNamesTheField(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	base := machine(srv, "bad", "read")
	cases := []struct {
		name   string
		mutate func(*provider.ClientSpec)
		want   string
	}{
		{"two audiences", func(s *provider.ClientSpec) { s.Audience = []string{"https://a", "https://b"} }, "spec.audience"},
		{"audience and clientGrants", func(s *provider.ClientSpec) {
			s.Options = &v1alpha1.Auth0ClientOptions{ClientGrants: []v1alpha1.Auth0ClientGrant{{Audience: "https://a"}}}
		}, "spec.audience and spec.providerOptions.auth0.clientGrants"},
		{"a long description", func(s *provider.ClientSpec) { s.Description = strings.Repeat("x", 141) }, "spec.description"},
		{"private_key_jwt", func(s *provider.ClientSpec) { s.TokenEndpointAuthMethod = "private_key_jwt" }, "spec.tokenEndpointAuthMethod"},
		{"a name with <", func(s *provider.ClientSpec) { s.ClientName = "<b>" }, "spec.clientName"},
		{"the operator's metadata key", func(s *provider.ClientSpec) { s.Extra = map[string]string{auth0.MetadataOwner: "x"} }, "spec.extraMetadata." + auth0.MetadataOwner},
		{"another kind's options", func(s *provider.ClientSpec) { s.Options = &v1alpha1.HydraClientOptions{} }, "spec.providerOptions"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := base
			c.mutate(&spec)
			_, err := p.Create(t.Context(), spec)
			if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Create: %v, want InvalidMetadata naming %s", err, c.want)
			}
		})
	}
	if n := len(srv.ManagementWrites()); n != 0 {
		t.Errorf("refused specs reached the server (%d writes)", n)
	}
}

// TestCreateWhoseAnswerIsLostLeavesNoClient: the fake stores the client
// and drops the connection (a crash point between Auth0's work and its
// answer); the adapter finds the client by its create key and deletes
// it, so the retry that follows makes the only client.
func TestCreateWhoseAnswerIsLostLeavesNoClient(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	spec := machine(srv, "lost", "read")
	srv.Inject(auth0fake.Fault{Method: http.MethodPost, Path: "/api/v2/clients", DropAnswer: true})
	_, err := p.Create(t.Context(), spec)
	if !errors.Is(err, provider.ErrTransient) || !strings.Contains(err.Error(), "was deleted again") {
		t.Fatalf("Create with its answer lost: %v, want a transient error saying the client was deleted again", err)
	}
	if ids := srv.ClientIDs(); len(ids) != 0 {
		t.Fatalf("clients left at the server: %v", ids)
	}
	c := mustCreate(t, p, spec)
	if ids := srv.ClientIDs(); !slices.Equal(ids, []string{c.ClientID}) {
		t.Errorf("after the retry the server holds %v, want only %s", ids, c.ClientID)
	}
	token(t, srv, c.ClientID, c.ClientSecret, "read")
}

// TestCreateRetriedAfterACrashTakesOverItsClient: the first Create made
// its client but the operator crashed before recording it; the retry
// carries the same CreateKey, finds the client by it and takes it over
// with the spec as it is now and a new secret, instead of making a second
// client. Under another ownership marker the key is a conflict.
func TestCreateRetriedAfterACrashTakesOverItsClient(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	spec := machine(srv, "crash", "read")
	spec.CreateKey = "0b5f6c1e-uid-1"
	first := mustCreate(t, p, spec)

	spec.Scopes = []string{"read", "write"}
	again, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatalf("retried Create: %v", err)
	}
	if again.Client.ClientID != first.ClientID || again.Client.ClientSecret == "" || again.Client.ClientSecret == first.ClientSecret {
		t.Fatalf("retried Create = client %q, new secret %t; want %q with a new secret",
			again.Client.ClientID, again.Client.ClientSecret != "" && again.Client.ClientSecret != first.ClientSecret, first.ClientID)
	}
	if ids := srv.ClientIDs(); !slices.Equal(ids, []string{first.ClientID}) {
		t.Errorf("the server holds %v after the retry, want only %s", ids, first.ClientID)
	}
	token(t, srv, first.ClientID, again.Client.ClientSecret, "read write")
	if err := canAuthenticate(srv)(t.Context(), first.ClientID, first.ClientSecret, "read"); err == nil {
		t.Error("the first attempt's secret, which nobody holds, still works")
	}

	other := newAdapter(t, srv, func(c *auth0.Config) { c.Owner = "someone-else" })
	if _, err := other.Create(t.Context(), spec); !errors.Is(err, provider.ErrConflict) {
		t.Errorf("Create with the key under another marker: %v, want Conflict", err)
	}
	spec.CreateKey = "0b5f6c1e-uid-2" // the next credential version: a client of its own
	next := mustCreate(t, p, spec)
	if next.ClientID == first.ClientID {
		t.Error("a create with the next version's key took over the previous version's client")
	}
}

// TestCreateThatCannotFinishIsUndone: when the supplied secret or a grant
// cannot be set, the client is deleted again and the error says why.
func TestCreateThatCannotFinishIsUndone(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	supplied := machine(srv, "supplied", "read")
	supplied.ClientSecret = "supplied-secret-that-must-not-show-0123456789"
	for _, c := range []struct {
		name  string
		fault auth0fake.Fault
		spec  provider.ClientSpec
		kind  provider.Kind
	}{
		{"the secret PATCH refused", auth0fake.Fault{Method: http.MethodPatch, Path: "/api/v2/clients/", Status: http.StatusBadRequest,
			Body: `{"statusCode":400,"error":"Bad Request","message":"secret supplied-secret-that-must-not-show-0123456789 too weak","errorCode":"invalid_body"}`},
			supplied, provider.KindInvalidMetadata},
		{"the grant refused", auth0fake.Fault{Method: http.MethodPost, Path: "/api/v2/client-grants", Status: http.StatusServiceUnavailable},
			machine(srv, "grant", "read"), provider.KindTransient},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.Inject(c.fault)
			_, err := p.Create(t.Context(), c.spec)
			if provider.KindOf(err) != c.kind {
				t.Fatalf("Create: %v, want %s", err, c.kind)
			}
			if strings.Contains(err.Error(), supplied.ClientSecret) {
				t.Errorf("the error holds the supplied secret: %v", err)
			}
			if ids := srv.ClientIDs(); len(ids) != 0 {
				t.Errorf("clients left at the server: %v", ids)
			}
		})
	}
}

// TestRateLimitedCallsCarryTheDelay: a 429 on any call is RateLimited with
// Retry-After's delay, or, without it, until X-RateLimit-Reset.
func TestRateLimitedCallsCarryTheDelay(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	c := mustCreate(t, p, machine(srv, "limited", "read"))
	calls := map[string]func() error{
		"Observe": func() error { _, err := p.Observe(t.Context(), c.ClientID, nil); return err },
		"Update": func() error {
			_, err := p.Update(t.Context(), c.ClientID, nil, machine(srv, "limited", "write"))
			return err
		},
		"RotateSecret": func() error { _, err := p.RotateSecret(t.Context(), c.ClientID, nil); return err },
		"Delete":       func() error { return p.Delete(t.Context(), c.ClientID, nil) },
		"List":         func() error { _, _, err := p.List(t.Context(), "", ""); return err },
	}
	for _, name := range slices.Sorted(maps.Keys(calls)) {
		t.Run(name, func(t *testing.T) {
			srv.Inject(auth0fake.Fault{Path: "/api/v2/", Status: http.StatusTooManyRequests, RetryAfter: "9"})
			err := calls[name]()
			if !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 9*time.Second {
				t.Errorf("%s answered 429 with Retry-After 9: %v (RetryAfter %s)", name, err, provider.RetryAfter(err))
			}
		})
	}
	t.Run("X-RateLimit-Reset without Retry-After", func(t *testing.T) {
		reset := time.Now().Add(30 * time.Second).Unix()
		srv.Inject(auth0fake.Fault{Path: "/api/v2/", Status: http.StatusTooManyRequests, RetryAfter: "-",
			Header: map[string]string{"X-RateLimit-Reset": strconv.FormatInt(reset, 10)}})
		_, err := p.Observe(t.Context(), c.ClientID, nil)
		if d := provider.RetryAfter(err); !errors.Is(err, provider.ErrRateLimited) || d < 20*time.Second || d > 31*time.Second {
			t.Errorf("429 with X-RateLimit-Reset in 30s: %v (RetryAfter %s)", err, d)
		}
	})
}

// TestListMatchesTheMarkerAcrossPages: Auth0 cannot filter by metadata, so
// List pages through every client and keeps the marker's; a page may hold
// none of them and still lead on.
func TestListMatchesTheMarkerAcrossPages(t *testing.T) {
	t.Parallel()
	srv := auth0fake.Start(t)
	mine := newAdapter(t, srv, func(c *auth0.Config) { c.Owner, c.PageSize = "mine", 2 })
	theirs := newAdapter(t, srv, func(c *auth0.Config) { c.Owner = "theirs" })
	var want []string
	for i := range 3 {
		mustCreate(t, theirs, machine(srv, "theirs-"+strconv.Itoa(i), "read"))
		mustCreate(t, theirs, machine(srv, "theirs-b-"+strconv.Itoa(i), "read"))
		want = append(want, mustCreate(t, mine, machine(srv, "mine-"+strconv.Itoa(i), "read")).ClientID)
	}
	got, err := provider.ListAll(t.Context(), mine, "mine")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ClientID)
		if c.ClientSecret != "" {
			t.Errorf("List returned the secret of %s", c.ClientID)
		}
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("List(mine) = %v, want %v", ids, want)
	}
}

// TestFactoryNeedsManagementCredentials: the block without credentials is
// refused naming spec.credentials; a bad domain names spec.auth0.domain.
func TestFactoryNeedsManagementCredentials(t *testing.T) {
	t.Parallel()
	_, err := auth0.Factory(t.Context(), provider.Config{Block: &v1alpha1.Auth0Provider{Domain: "acme.eu.auth0.com"}})
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "spec.credentials") {
		t.Errorf("no credentials: %v", err)
	}
	_, err = auth0.New(auth0.Config{Domain: "https://acme.eu.auth0.com/"})
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), "spec.auth0.domain") {
		t.Errorf("a URL as domain: %v", err)
	}
	u, err := auth0.ManagementURL("acme.eu.auth0.com")
	if err != nil || u.String() != "https://acme.eu.auth0.com/api/v2" {
		t.Errorf("ManagementURL = %v, %v", u, err)
	}
}

// TestRequestBudget: what each call costs against the Management API,
// whose limits are low on small plans (docs/providers/auth0.md): a resync
// (Observe) is two reads, a quiet Update the same two, a create one list
// page, the create and its grant.
func TestRequestBudget(t *testing.T) {
	t.Parallel()
	srv, p := startWithAdapter(t)
	spec := machine(srv, "budget", "read")
	spec.CreateKey = "budget-uid-1"
	var id string
	calls := []struct {
		name string
		call func() error
		want []string
	}{
		{"Create", func() error {
			res, err := p.Create(t.Context(), spec)
			id = res.Client.ClientID
			return err
		}, []string{"GET /api/v2/clients", "POST /api/v2/clients", "POST /api/v2/client-grants"}},
		{"Observe", func() error { _, err := p.Observe(t.Context(), id, nil); return err },
			[]string{"GET /api/v2/clients/{id}", "GET /api/v2/client-grants"}},
		{"Update with nothing changed", func() error { _, err := p.Update(t.Context(), id, nil, spec); return err },
			[]string{"GET /api/v2/clients/{id}", "GET /api/v2/client-grants"}},
		{"RotateSecret", func() error { _, err := p.RotateSecret(t.Context(), id, nil); return err },
			[]string{"POST /api/v2/clients/{id}/rotate-secret"}},
		{"Delete", func() error { return p.Delete(t.Context(), id, nil) }, []string{"DELETE /api/v2/clients/{id}"}},
	}
	for _, c := range calls {
		srv.ResetRequests()
		if err := c.call(); err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var got []string
		for _, r := range srv.Requests() {
			if strings.HasPrefix(r.Path, "/api/v2/") {
				got = append(got, r.Method+" "+strings.Replace(r.Path, id, "{id}", 1))
			}
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s sent %v, want %v", c.name, got, c.want)
		}
	}
}
