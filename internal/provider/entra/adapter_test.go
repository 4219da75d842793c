package entra_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/entra/entrafake"
)

// ordersSpec is a client_credentials client for api://fake-orders with
// the Orders.Read role.
func ordersSpec(name string) provider.ClientSpec {
	return provider.ClientSpec{
		ClientName: name, GrantTypes: []string{"client_credentials"},
		Scopes:                  []string{"api://fake-orders/.default"},
		TokenEndpointAuthMethod: "client_secret_basic",
		Options: &v1alpha1.EntraClientOptions{AppRoles: []v1alpha1.EntraAppRoles{
			{Resource: "api://fake-orders", Roles: []string{"Orders.Read"}},
		}},
	}
}

// TestCreateAfterAnInterruptionFinishesTheSameApplication: a create that
// failed after the application was made (before its service principal,
// or before its secret) is finished by the retry, not made again.
func TestCreateAfterAnInterruptionFinishesTheSameApplication(t *testing.T) {
	for _, step := range []string{"POST /v1.0/servicePrincipals", "/appRoleAssignedTo", "/addPassword"} {
		t.Run(step, func(t *testing.T) {
			srv := entrafake.Start(t)
			p := newAdapter(t, srv, nil)
			spec := ordersSpec("crash-" + strings.Trim(step, "/"))
			srv.FailNext(step, 1, http.StatusServiceUnavailable)
			if _, err := p.Create(t.Context(), spec); !errors.Is(err, provider.ErrTransient) {
				t.Fatalf("Create with %s failing: error = %v, want Transient", step, err)
			}
			res, err := p.Create(t.Context(), spec)
			if err != nil {
				t.Fatalf("Create retried: %v", err)
			}
			if n := srv.Applications(entra.OwnerTagPrefix + "conformance"); n != 1 {
				t.Errorf("the tenant holds %d of the operator's applications after a retried create, want 1", n)
			}
			if n := srv.Passwords(res.Client.ClientID); n != 1 {
				t.Errorf("the application holds %d secrets, want 1", n)
			}
			if err := srv.ClientCredentials(res.Client.ClientID, res.Client.ClientSecret, "api://fake-orders/.default"); err != nil {
				t.Errorf("the retried create's secret gets no token: %v", err)
			}
			if got := srv.AssignedRoles(res.Client.ClientID, "api://fake-orders"); !slices.Equal(got, []string{"Orders.Read"}) {
				t.Errorf("assigned roles = %v, want [Orders.Read]", got)
			}
		})
	}
}

// TestACompletedClientIsNotTakenOver: a second client of the same name
// (the replacement of a Replace rotation) is a new application; the first
// keeps working.
func TestACompletedClientIsNotTakenOver(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	first, err := p.Create(t.Context(), ordersSpec("replaced"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Create(t.Context(), ordersSpec("replaced"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Client.ClientID == second.Client.ClientID {
		t.Fatalf("the second Create took over the first client %s", first.Client.ClientID)
	}
	for _, r := range []provider.Result{first, second} {
		if err := srv.ClientCredentials(r.Client.ClientID, r.Client.ClientSecret, "api://fake-orders/.default"); err != nil {
			t.Errorf("client %s gets no token: %v", r.Client.ClientID, err)
		}
	}
}

// TestThrottlingIsRateLimitedWithRetryAfter: Graph's 429 with Retry-After
// is KindRateLimited carrying the delay; the next call goes through.
func TestThrottlingIsRateLimitedWithRetryAfter(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	res, err := p.Create(t.Context(), ordersSpec("throttled"))
	if err != nil {
		t.Fatal(err)
	}
	srv.Throttle(1, 13)
	_, err = p.Observe(t.Context(), res.Client.ClientID, res.State)
	if !errors.Is(err, provider.ErrRateLimited) || provider.RetryAfter(err) != 13*time.Second {
		t.Fatalf("Observe while throttled: error = %v, RetryAfter %s; want RateLimited after 13s", err, provider.RetryAfter(err))
	}
	if provider.IsTerminal(err) {
		t.Errorf("a throttled call is terminal: %v", err)
	}
	if _, err := p.Observe(t.Context(), res.Client.ClientID, res.State); err != nil {
		t.Errorf("Observe after the throttling: %v", err)
	}
}

// TestGraphErrorsAreTyped: Graph's error codes become the kinds the
// controller acts on, with Graph's message for the user.
func TestGraphErrorsAreTyped(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	res, err := p.Create(t.Context(), ordersSpec("errors"))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID

	bad := ordersSpec("errors")
	bad.GrantTypes = []string{"client_credentials", "authorization_code"}
	bad.RedirectURIs = []string{"http://app.example/callback"} // web redirect URIs must be https
	_, err = p.Update(t.Context(), id, res.State, bad)
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Kind != provider.KindInvalidMetadata || !strings.Contains(pe.Description, "redirectUris") {
		t.Errorf("Update with an http redirect URI: error = %v, want InvalidMetadata quoting Graph on redirectUris", err)
	}

	srv.Deny(true)
	if _, err := p.Observe(t.Context(), id, res.State); !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("Observe refused by Graph (Authorization_RequestDenied): error = %v, want Unauthorized", err)
	}
	srv.Deny(false)

	srv.DeleteApplication(id)
	if _, err := p.Observe(t.Context(), id, res.State); !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Observe of an application deleted at Entra (Request_ResourceNotFound): error = %v, want NotFound", err)
	}
	if err := p.Delete(t.Context(), id, res.State); err != nil {
		t.Errorf("Delete of an application already gone: %v", err)
	}
}

// TestBadSpecsNameTheField: what Entra cannot hold is refused before any
// request, naming the field.
func TestBadSpecsNameTheField(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	cases := []struct {
		name, field string
		edit        func(*provider.ClientSpec)
	}{
		{"a plain scope for a machine client", "spec.scopes", func(s *provider.ClientSpec) { s.Scopes = []string{"read"} }},
		{"an audience", "spec.audience", func(s *provider.ClientSpec) { s.Audience = []string{"api://x"} }},
		{"an implicit grant", "spec.grantTypes", func(s *provider.ClientSpec) { s.GrantTypes = []string{"implicit"} }},
		{"private_key_jwt", "spec.tokenEndpointAuthMethod", func(s *provider.ClientSpec) { s.TokenEndpointAuthMethod = "private_key_jwt" }},
		{"an unknown resource", "spec.scopes", func(s *provider.ClientSpec) { s.Scopes = []string{"api://nowhere/.default"} }},
		{"an unknown role", "spec.providerOptions.entra.appRoles", func(s *provider.ClientSpec) {
			s.Options = &v1alpha1.EntraClientOptions{AppRoles: []v1alpha1.EntraAppRoles{{Resource: "api://fake-orders", Roles: []string{"Orders.Admin"}}}}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			spec := ordersSpec("bad")
			c.edit(&spec)
			_, err := p.Create(t.Context(), spec)
			if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.field) {
				t.Errorf("Create: error = %v, want InvalidMetadata naming %s", err, c.field)
			}
		})
	}
	if n := srv.Applications(""); n != 2 {
		t.Errorf("the tenant holds %d applications, want only the 2 resource APIs", n)
	}
}

// TestNothingChangedSendsNoWrite: an Update with the spec as created, and
// an Observe, only read.
func TestNothingChangedSendsNoWrite(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	spec := ordersSpec("steady")
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	before := len(srv.Requests())
	got, err := p.Observe(t.Context(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, got); len(d) != 0 {
		t.Errorf("Diff of an unchanged client = %v, want none", d)
	}
	if _, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests()[before:] {
		if !strings.HasPrefix(r, "GET ") {
			t.Errorf("an unchanged client was written: %s", r)
		}
	}
}

// TestDriftIsSeenAndCorrected: a display name changed in the portal is
// drift; Update puts it back.
func TestDriftIsSeenAndCorrected(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	spec := ordersSpec("drift")
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	srv.SetDisplayName(res.Client.ClientID, "renamed in the portal")
	got, err := p.Observe(t.Context(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, got); !slices.Equal(d, []string{"clientName"}) {
		t.Fatalf("Diff after a rename = %v, want [clientName]", d)
	}
	if _, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Observe(t.Context(), res.Client.ClientID, res.State); err != nil || got.Spec.ClientName != "drift" {
		t.Errorf("after Update: name %q, error %v; want drift", got.Spec.ClientName, err)
	}
}

// TestUpdateSendsOnlyWhatDiffers: a rename keeps the tags someone added
// in the portal and the app roles.
func TestUpdateSendsOnlyWhatDiffers(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	spec := ordersSpec("before")
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	srv.AddTag(res.Client.ClientID, "team:billing")
	spec.ClientName = "after"
	up, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec)
	if err != nil {
		t.Fatal(err)
	}
	if tags := srv.Tags(res.Client.ClientID); !slices.Contains(tags, "team:billing") || !slices.Contains(tags, entra.OwnerTagPrefix+"conformance") {
		t.Errorf("tags after a rename = %v, want the portal's and the owner's", tags)
	}
	got, err := p.Observe(t.Context(), res.Client.ClientID, up.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, got); len(d) != 0 {
		t.Errorf("Diff after the rename = %v", d)
	}
	if roles := srv.AssignedRoles(res.Client.ClientID, "api://fake-orders"); !slices.Equal(roles, []string{"Orders.Read"}) {
		t.Errorf("roles after a rename = %v", roles)
	}
}

// TestPublicClient: a public authorization_code client gets
// publicClient redirect URIs and no secret.
func TestPublicClient(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	spec := provider.ClientSpec{ClientName: "spa", GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"myapp://callback"}, TokenEndpointAuthMethod: "none", Scopes: []string{"openid", "profile"}}
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	if res.Client.ClientSecret != "" || srv.Passwords(res.Client.ClientID) != 0 {
		t.Errorf("a public client got a secret")
	}
	got, err := p.Observe(t.Context(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, got); len(d) != 0 {
		t.Errorf("Diff of the public client as created = %v (observed %+v)", d, got.Spec)
	}
}

// TestPublicClientMadeConfidentialGetsASecret: Update returns the secret
// a client needs once it is no longer public.
func TestPublicClientMadeConfidentialGetsASecret(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	spec := provider.ClientSpec{ClientName: "app", GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example/cb"}, TokenEndpointAuthMethod: "none"}
	res, err := p.Create(t.Context(), spec)
	if err != nil {
		t.Fatal(err)
	}
	spec.TokenEndpointAuthMethod = "client_secret_post"
	up, err := p.Update(t.Context(), res.Client.ClientID, res.State, spec)
	if err != nil {
		t.Fatal(err)
	}
	if up.Client.ClientSecret == "" || srv.Passwords(res.Client.ClientID) != 1 {
		t.Fatalf("Update to a confidential client returned no secret (%d at the tenant)", srv.Passwords(res.Client.ClientID))
	}
	got, err := p.Observe(t.Context(), res.Client.ClientID, up.State)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(spec, got); len(d) != 0 {
		t.Errorf("Diff after the update = %v", d)
	}
}

// TestRevokeKeepsTheSecretTheOperatorHolds: after a rotation, revoking
// removes the old secret, whatever order Entra lists them in.
func TestRevokeKeepsTheSecretTheOperatorHolds(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	res, err := p.Create(t.Context(), ordersSpec("revoke"))
	if err != nil {
		t.Fatal(err)
	}
	rot, err := p.RotateSecret(t.Context(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.RevokeRotatedSecrets(t.Context(), res.Client.ClientID, rot.State); err != nil {
		t.Fatal(err)
	}
	if err := srv.ClientCredentials(res.Client.ClientID, rot.Client.ClientSecret, "api://fake-orders/.default"); err != nil {
		t.Errorf("the new secret is refused after the revocation: %v", err)
	}
	if err := srv.ClientCredentials(res.Client.ClientID, res.Client.ClientSecret, "api://fake-orders/.default"); err == nil {
		t.Error("the old secret still works after the revocation")
	}
}

// TestListRefusesANextLinkElsewhere: a page token is only followed below
// the Graph base URL, so the token never goes to another host.
func TestListRefusesANextLinkElsewhere(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, nil)
	if _, _, err := p.List(t.Context(), "", "https://elsewhere.example/v1.0/applications"); err == nil {
		t.Error("List followed a page token to another host")
	}
}

// TestASecretPastItsEndDateIsRefused: secretLifetime becomes the secret's
// endDateTime, which Create reports and the tenant enforces.
func TestASecretPastItsEndDateIsRefused(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, func(c *config) { c.SecretLifetime = time.Hour })
	res, err := p.Create(t.Context(), ordersSpec("expiring"))
	if err != nil {
		t.Fatal(err)
	}
	if until := time.Until(res.Client.SecretExpiresAt); until <= 0 || until > time.Hour {
		t.Errorf("SecretExpiresAt is %s from now, want within the hour", until)
	}
	later := res.Client.SecretExpiresAt.Add(time.Second)
	srv.SetClock(func() time.Time { return later })
	if err := srv.ClientCredentials(res.Client.ClientID, res.Client.ClientSecret, "api://fake-orders/.default"); err == nil {
		t.Error("a secret past its endDateTime still gets a token")
	}
}

// TestListFollowsGraphsOwnPageSize: Graph may answer fewer items than
// $top asks for; List follows @odata.nextLink until the last page.
func TestListFollowsGraphsOwnPageSize(t *testing.T) {
	srv := entrafake.Start(t)
	p := newAdapter(t, srv, func(c *config) { c.Owner = "paged" })
	var want []string
	for i := range 3 {
		res, err := p.Create(t.Context(), ordersSpec("paged-"+string(rune('a'+i))))
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, res.Client.ClientID)
	}
	srv.SetMaxPage(1)
	got, err := provider.ListAll(t.Context(), p, "paged")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range got {
		ids = append(ids, c.ClientID)
	}
	slices.Sort(ids)
	slices.Sort(want)
	if !slices.Equal(ids, want) {
		t.Errorf("ListAll = %v, want %v", ids, want)
	}
}
