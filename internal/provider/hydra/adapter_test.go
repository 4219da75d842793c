package hydra_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/hydra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/faultproxy"
	hydrasrv "github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// rig is one real Hydra with a counting proxy in front of its admin API.
type rig struct {
	srv   *hydrasrv.Server
	admin *hydrasrv.CountingProxy
}

func newRig(t *testing.T) *rig {
	t.Helper()
	srv := startHydra(t)
	return &rig{srv: srv, admin: srv.CountAdmin(t, hydrasrv.ProxyOptions{})}
}

// provider returns an adapter that talks to Hydra through the counting
// proxy, with the given owner marker.
func (r *rig) provider(t *testing.T, owner string, mutate ...func(*hydra.Config)) *hydra.Provider {
	t.Helper()
	cfg := hydra.Config{AdminURL: r.admin.URL, PublicIssuer: r.srv.Issuer, Owner: owner, HTTPClient: contractClient(t)}
	for _, m := range mutate {
		m(&cfg)
	}
	p, err := hydra.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// contractClient checks every exchange with the real Hydra against Hydra's
// OpenAPI document (v2.3.0). Two deviations are allowed for: the probe for
// the rotation endpoint of newer versions is not in the document, and real
// Hydra answers null for members its document says are not nullable (the
// token lifespans, redirect_uris, response_types, contacts,
// skip_logout_consent), so nulls are dropped before the check (the adapter
// reads null and absent alike).
func contractClient(t *testing.T) *http.Client {
	spec := contract.Load(t, "hydra/api-v2.3.0.json",
		contract.Outside(http.MethodGet, "/admin/clients/{id}/secrets/rotate"))
	return &http.Client{Transport: spec.Transport(t, dropNulls{http.DefaultTransport}), Timeout: 30 * time.Second}
}

// dropNulls removes null members from the JSON objects (or the objects of
// a JSON array) Hydra answers with.
type dropNulls struct{ base http.RoundTripper }

func (d dropNulls) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(req)
	if err != nil || !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return resp, err
	}
	body, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		return nil, err
	}
	var one map[string]json.RawMessage
	var many []map[string]json.RawMessage
	switch {
	case json.Unmarshal(body, &one) == nil && one != nil:
		body = mustJSON(withoutNulls(one))
	case json.Unmarshal(body, &many) == nil && many != nil:
		for i := range many {
			many[i] = withoutNulls(many[i])
		}
		body = mustJSON(many)
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return resp, nil
}

func withoutNulls(m map[string]json.RawMessage) map[string]json.RawMessage {
	for k, v := range m {
		if string(v) == "null" {
			delete(m, k)
		}
	}
	return m
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// token fails the test unless the credentials obtain a token for scope.
func (r *rig) token(t *testing.T, id, secret, scope string) {
	t.Helper()
	if _, err := r.srv.ClientCredentialsToken(t.Context(), id, secret, scope); err != nil {
		t.Errorf("client %q cannot obtain a token with scope %q: %v", id, scope, err)
	}
}

// noToken fails the test when the credentials still obtain a token.
func (r *rig) noToken(t *testing.T, id, secret string) {
	t.Helper()
	if _, err := r.srv.ClientCredentialsToken(t.Context(), id, secret, ""); err == nil {
		t.Errorf("client %q still obtains a token with a secret that should be void", id)
	}
}

// adminCreate makes a client directly at Hydra, behind the adapter's back,
// and returns its secret.
func (r *rig) adminCreate(t *testing.T, body map[string]any) string {
	t.Helper()
	status, resp, err := r.srv.Admin(t.Context(), http.MethodPost, "/admin/clients", body)
	if err != nil || status != http.StatusCreated {
		t.Fatalf("creating %v at Hydra: status %d, error %v: %s", body["client_id"], status, err, resp)
	}
	c, err := parseSecret(resp)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func spec(name string, scopes ...string) provider.ClientSpec {
	return provider.ClientSpec{
		ClientName: name,
		GrantTypes: []string{"client_credentials"},
		Scopes:     scopes,
	}
}

func withID(s provider.ClientSpec, id string) provider.ClientSpec {
	s.Extra = map[string]string{hydra.ExtraClientID: id}
	return s
}

func TestListPagesThroughAllOwnedClients(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "paging-owner", func(c *hydra.Config) { c.PageSize = 2 })
	var want []string
	for i := range 5 {
		id := fmt.Sprintf("paging-%d", i)
		if _, err := p.Create(t.Context(), withID(spec(id, "read"), id)); err != nil {
			t.Fatal(err)
		}
		want = append(want, id)
	}
	// Clients of others, sorting before and among ours.
	r.adminCreate(t, map[string]any{"client_id": "a-foreign", "owner": "someone-else"})
	r.adminCreate(t, map[string]any{"client_id": "paging-2x", "owner": "someone-else"})
	r.adminCreate(t, map[string]any{"client_id": "paging-3x"})

	r.admin.Reset()
	got, err := provider.ListAll(t.Context(), p, "paging-owner")
	if err != nil {
		t.Fatalf("List: %v", err)
	}
	if !slices.Equal(providertest.ClientIDs(got), want) {
		t.Errorf("List(paging-owner) = %v, want %v", providertest.ClientIDs(got), want)
	}
	for _, c := range got {
		if c.ClientSecret != "" {
			t.Errorf("List returned a secret for %q", c.ClientID)
		}
		if c.Spec.Extra[hydra.ExtraOwner] != "paging-owner" || !slices.Equal(c.Spec.Scopes, []string{"read"}) {
			t.Errorf("List: client %q = %+v, want owner paging-owner and scope read", c.ClientID, c.Spec)
		}
	}
	// 5 clients at 2 a page: 3 pages, and Hydra's next link on the third
	// (its total ignores the owner filter) leads to one empty page.
	if gets := r.admin.Counts()[http.MethodGet]; gets < 3 || gets > 4 {
		t.Errorf("List made %d GETs for 5 clients at 2 per page, want 3 or 4", gets)
	}
	if w := r.admin.Writes(); len(w) != 0 {
		t.Errorf("List wrote to Hydra: %+v", w)
	}

	all, err := provider.ListAll(t.Context(), p, "")
	if err != nil {
		t.Fatalf("List(all): %v", err)
	}
	if len(all) != 8 {
		t.Errorf("List(\"\") = %v, want all 8 clients", providertest.ClientIDs(all))
	}
	none, err := provider.ListAll(t.Context(), p, "nobody")
	if err != nil || len(none) != 0 {
		t.Errorf("List(nobody) = %v, %v; want none", providertest.ClientIDs(none), err)
	}
}

func TestCreateWithChosenID(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "chosen-owner")
	res, err := p.Create(t.Context(), withID(spec("chosen", "read", "write"), "chosen-1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Client.ClientID != "chosen-1" || res.Client.ClientSecret == "" {
		t.Fatalf("Create = client %q (secret set: %t), want chosen-1 with a secret", res.Client.ClientID, res.Client.ClientSecret != "")
	}
	r.token(t, "chosen-1", res.Client.ClientSecret, "read write")
	got, err := p.Observe(t.Context(), "chosen-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.Extra[hydra.ExtraOwner] != "chosen-owner" {
		t.Errorf("owner marker = %q, want chosen-owner", got.Spec.Extra[hydra.ExtraOwner])
	}
	if !p.UpToDate(withID(spec("chosen", "read", "write"), "chosen-1"), got) {
		t.Errorf("a client just created is not up to date: %v", p.Diff(withID(spec("chosen", "read", "write"), "chosen-1"), got))
	}

	t.Run("InvalidIDIsRefusedBeforeSending", func(t *testing.T) {
		r.admin.Reset()
		_, err := p.Create(t.Context(), withID(spec("bad"), "a/b"))
		if !errors.Is(err, provider.ErrInvalidMetadata) {
			t.Errorf("Create(client_id a/b) error = %v, want InvalidMetadata", err)
		}
		if n := len(r.admin.Requests()); n != 0 {
			t.Errorf("an invalid client_id reached Hydra (%d requests)", n)
		}
	})
}

// TestCreateRetriedAfterCrashTakesOverItsClient: the first Create reached
// Hydra but its answer (the secret) was lost; the retry finds the client by
// its chosen ID and owner marker and gives it a new secret, instead of
// failing or making a second client.
func TestCreateRetriedAfterCrashTakesOverItsClient(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "retry-owner")
	first, err := p.Create(t.Context(), withID(spec("retry", "read"), "retry-1"))
	if err != nil {
		t.Fatal(err)
	}
	before, err := r.srv.AdminClientCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}

	// The retry also carries a spec that changed meanwhile.
	again, err := p.Create(t.Context(), withID(spec("retry", "read", "write"), "retry-1"))
	if err != nil {
		t.Fatalf("retried Create: %v", err)
	}
	if again.Client.ClientID != "retry-1" || again.Client.ClientSecret == "" || again.Client.ClientSecret == first.Client.ClientSecret {
		t.Fatalf("retried Create = client %q with a new secret: %t; want retry-1 with a new secret",
			again.Client.ClientID, again.Client.ClientSecret != "" && again.Client.ClientSecret != first.Client.ClientSecret)
	}
	r.token(t, "retry-1", again.Client.ClientSecret, "read write")
	r.noToken(t, "retry-1", first.Client.ClientSecret)
	after, err := r.srv.AdminClientCount(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Errorf("Hydra holds %d clients after the retry, %d before: the retry made another", after, before)
	}

	t.Run("ForeignClientIsAConflict", func(t *testing.T) {
		secret := r.adminCreate(t, map[string]any{
			"client_id": "taken-1", "owner": "someone-else", "grant_types": []string{"client_credentials"}, "scope": "read",
		})
		_, err := p.Create(t.Context(), withID(spec("taken", "read"), "taken-1"))
		if !errors.Is(err, provider.ErrConflict) {
			t.Fatalf("Create over a foreign client: error = %v, want Conflict", err)
		}
		r.token(t, "taken-1", secret, "read") // left alone
	})

	t.Run("WithoutOwnerMarkerIsAConflict", func(t *testing.T) {
		unmarked := r.provider(t, "")
		if _, err := unmarked.Create(t.Context(), withID(spec("unmarked", "read"), "unmarked-1")); err != nil {
			t.Fatal(err)
		}
		_, err := unmarked.Create(t.Context(), withID(spec("unmarked", "read"), "unmarked-1"))
		if !errors.Is(err, provider.ErrConflict) {
			t.Fatalf("retried Create without an owner marker: error = %v, want Conflict", err)
		}
	})
}

// TestHydraDefaultsAreNotDrift: a spec that leaves scopes, auth method and
// audience to Hydra is up to date with what Hydra stored, observe after
// observe, and an Update with nothing changed writes nothing.
func TestHydraDefaultsAreNotDrift(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "defaults-owner")
	desired := spec("defaults")
	res, err := p.Create(t.Context(), desired)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID

	for i := range 2 {
		got, err := p.Observe(t.Context(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 && !slices.Equal(got.Spec.Scopes, hydrasrv.HydraDefaultScope) {
			t.Fatalf("Hydra's stored scope = %v; this test expects Hydra's default %v", got.Spec.Scopes, hydrasrv.HydraDefaultScope)
		}
		if d := p.Diff(desired, got); len(d) != 0 {
			t.Errorf("observe %d: Diff = %v, want none", i+1, d)
		}
	}
	r.admin.Reset()
	for range 2 {
		if _, err := p.Update(t.Context(), id, nil, desired); err != nil {
			t.Fatal(err)
		}
	}
	if w := r.admin.Writes(); len(w) != 0 {
		t.Errorf("Update with nothing changed wrote to Hydra: %+v", w)
	}

	t.Run("RealDriftIsOneFieldPatched", func(t *testing.T) {
		status, _, err := r.srv.Admin(t.Context(), http.MethodPatch, "/admin/clients/"+id,
			[]map[string]any{{"op": "replace", "path": "/client_name", "value": "changed by hand"}})
		if err != nil || status != http.StatusOK {
			t.Fatalf("changing the client at Hydra: %d, %v", status, err)
		}
		got, err := p.Observe(t.Context(), id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Diff(desired, got); !slices.Equal(d, []string{provider.DiffClientName}) {
			t.Fatalf("Diff after a hand change = %v, want [clientName]", d)
		}
		r.admin.Reset()
		if _, err := p.Update(t.Context(), id, nil, desired); err != nil {
			t.Fatal(err)
		}
		if w := r.admin.Writes(); len(w) != 1 || w[0].Method != http.MethodPatch {
			t.Errorf("correcting one field wrote %+v, want one PATCH", w)
		}
		r.token(t, id, res.Client.ClientSecret, "") // the secret was not touched
		got, err = p.Observe(t.Context(), id, nil)
		if err != nil || !p.UpToDate(desired, got) {
			t.Errorf("after Update: up to date %t, error %v", err == nil && p.UpToDate(desired, got), err)
		}
	})
}

// TestUpdateKeepsWhatItDoesNotManage: fields and metadata keys set at Hydra
// by others survive an Update, and so does the secret.
func TestUpdateKeepsWhatItDoesNotManage(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "keep-owner")
	desired := spec("keep", "read")
	res, err := p.Create(t.Context(), desired)
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID
	status, _, err := r.srv.Admin(t.Context(), http.MethodPatch, "/admin/clients/"+id, []map[string]any{
		{"op": "add", "path": "/client_uri", "value": "https://app.example"},
		{"op": "add", "path": "/metadata", "value": map[string]any{"team": "payments"}},
	})
	if err != nil || status != http.StatusOK {
		t.Fatalf("changing the client at Hydra: %d, %v", status, err)
	}

	desired.Scopes = []string{"write"}
	desired.Description = "the payments service"
	desired.Audience = []string{"https://api.example"}
	upd, err := p.Update(t.Context(), id, nil, desired)
	if err != nil {
		t.Fatal(err)
	}
	if upd.Client.ClientSecret != "" {
		t.Error("Update of a confidential client returned a secret, as if it had set one")
	}
	got, found, err := r.srv.AdminClient(t.Context(), id)
	if err != nil || !found {
		t.Fatalf("reading the client at Hydra: found %t, %v", found, err)
	}
	md, _ := got["metadata"].(map[string]any)
	if got["client_uri"] != "https://app.example" || md["team"] != "payments" {
		t.Errorf("Update dropped what it does not manage: client_uri %v, metadata %v", got["client_uri"], md)
	}
	if md[hydra.MetadataDescription] != "the payments service" || got["scope"] != "write" {
		t.Errorf("Update did not set description/scope: metadata %v, scope %v", md, got["scope"])
	}
	r.token(t, id, res.Client.ClientSecret, "write")
	obs, err := p.Observe(t.Context(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if d := p.Diff(desired, obs); len(d) != 0 {
		t.Errorf("Diff after Update = %v, want none", d)
	}
}

func TestRotateSecretWithoutOverlapOnV230(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "rotate-owner")
	res, err := p.Create(t.Context(), spec("rotate", "read"))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID
	caps := p.Capabilities()
	if caps.OverlapSecrets || !caps.RegenerateSecret || !caps.CallerSuppliedSecret || caps.NativeDisable || caps.SecretReadable || !caps.List {
		t.Errorf("Capabilities against v2.3.0 = %+v", caps)
	}
	r.admin.Reset()
	rot, err := p.RotateSecret(t.Context(), id, nil)
	if err != nil {
		t.Fatal(err)
	}
	if rot.Client.ClientSecret == "" || rot.Client.ClientSecret == res.Client.ClientSecret {
		t.Fatal("RotateSecret returned no new secret")
	}
	r.token(t, id, rot.Client.ClientSecret, "read")
	r.noToken(t, id, res.Client.ClientSecret)
	if w := r.admin.Writes(); len(w) != 1 || w[0].Method != http.MethodPatch {
		t.Errorf("RotateSecret wrote %+v, want one PATCH", w)
	}
	if err := p.RevokeRotatedSecrets(t.Context(), id, nil); !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("RevokeRotatedSecrets on v2.3.0: error = %v, want Unsupported", err)
	}
}

// TestCreateRecoversASecretHydraDidNotReturn: an answer without the secret
// (a proxy ate it) does not leave a client nobody can use: the adapter sets
// one.
func TestCreateRecoversASecretHydraDidNotReturn(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	fp := faultproxy.StartT(t)
	if err := fp.SetUpstream(r.srv.AdminURL); err != nil {
		t.Fatal(err)
	}
	if err := fp.Set(faultproxy.Fault{Kind: faultproxy.StripSecret, Method: http.MethodPost, Path: "/admin/clients"}); err != nil {
		t.Fatal(err)
	}
	p, err := hydra.New(hydra.Config{AdminURL: fp.URL, Owner: "strip-owner"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Create(t.Context(), spec("strip", "read"))
	if err != nil {
		t.Fatal(err)
	}
	if fp.Hits() != 1 {
		t.Fatalf("the proxy stripped %d answers, want 1", fp.Hits())
	}
	r.token(t, res.Client.ClientID, res.Client.ClientSecret, "read")
}

// TestFaultsAreTypedErrors: what goes wrong between the adapter and Hydra
// reaches the controller as a typed error without a secret in it.
func TestFaultsAreTypedErrors(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	fp := faultproxy.StartT(t)
	if err := fp.SetUpstream(r.srv.AdminURL); err != nil {
		t.Fatal(err)
	}
	p, err := hydra.New(hydra.Config{AdminURL: fp.URL, Owner: "faults-owner", APIKey: provider.StaticToken("the-api-key", "Bearer")})
	if err != nil {
		t.Fatal(err)
	}
	res, err := p.Create(t.Context(), spec("faults", "read"))
	if err != nil {
		t.Fatal(err)
	}
	id := res.Client.ClientID

	cases := []struct {
		fault      faultproxy.Fault
		call       func(ctx context.Context) error
		want       provider.Kind
		retryAfter time.Duration
	}{
		{faultproxy.Fault{Kind: faultproxy.Malformed, Method: http.MethodGet}, observe(p, id), provider.KindTransient, 0},
		{faultproxy.Fault{Kind: faultproxy.Malformed, Method: http.MethodGet}, list(p), provider.KindTransient, 0},
		{faultproxy.Fault{Kind: faultproxy.Malformed, Method: http.MethodPost}, create(p), provider.KindTransient, 0},
		{faultproxy.Fault{Kind: faultproxy.Malformed, Method: http.MethodPatch}, rotate(p, id), provider.KindTransient, 0},
		{faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: 7 * time.Second}, observe(p, id), provider.KindRateLimited, 7 * time.Second},
		{faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusServiceUnavailable}, observe(p, id), provider.KindTransient, 0},
		{faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusForbidden}, observe(p, id), provider.KindUnauthorized, 0},
		{faultproxy.Fault{Kind: faultproxy.Down}, observe(p, id), provider.KindTransient, 0},
	}
	for _, c := range cases {
		t.Run(c.fault.String(), func(t *testing.T) {
			if err := fp.Set(c.fault); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = fp.Clear() })
			err := c.call(t.Context())
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a typed provider error", err)
			}
			if pe.Kind != c.want || pe.RetryAfter != c.retryAfter {
				t.Errorf("error %v: kind %s, Retry-After %s; want %s, %s", err, pe.Kind, pe.RetryAfter, c.want, c.retryAfter)
			}
			if strings.Contains(err.Error(), "the-api-key") || strings.Contains(err.Error(), res.Client.ClientSecret) {
				t.Errorf("error %q holds a secret", err)
			}
		})
	}
}

func observe(p *hydra.Provider, id string) func(context.Context) error {
	return func(ctx context.Context) error { _, err := p.Observe(ctx, id, nil); return err }
}

func list(p *hydra.Provider) func(context.Context) error {
	return func(ctx context.Context) error { _, _, err := p.List(ctx, "faults-owner", ""); return err }
}

func create(p *hydra.Provider) func(context.Context) error {
	return func(ctx context.Context) error { _, err := p.Create(ctx, spec("faults-create", "read")); return err }
}

func rotate(p *hydra.Provider, id string) func(context.Context) error {
	return func(ctx context.Context) error { _, err := p.RotateSecret(ctx, id, nil); return err }
}

// TestResyncOfManyClientsWritesNothing: 50 clients of assorted shapes,
// nothing changed; observing each and asking for its spec again makes zero
// writes to Hydra (issue 11's steady-state goal, at the adapter).
func TestResyncOfManyClientsWritesNothing(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "resync-owner")
	shapes := []func(i int) provider.ClientSpec{
		func(i int) provider.ClientSpec { return spec(fmt.Sprintf("defaults-%d", i)) },
		func(i int) provider.ClientSpec { return spec(fmt.Sprintf("scoped-%d", i), "read", "write") },
		func(i int) provider.ClientSpec {
			s := spec(fmt.Sprintf("described-%d", i), "read")
			s.Description, s.Audience, s.TokenEndpointAuthMethod = "service "+strconv.Itoa(i), []string{"https://api.example"}, "client_secret_post"
			return s
		},
		func(i int) provider.ClientSpec {
			return provider.ClientSpec{
				ClientName: fmt.Sprintf("web-%d", i), GrantTypes: []string{"authorization_code", "refresh_token"},
				Scopes: []string{"openid", "offline"}, RedirectURIs: []string{"https://app.example/cb"},
				Extra: map[string]string{hydra.ExtraClientID: fmt.Sprintf("web-%d", i), "client_uri": "https://app.example"},
			}
		},
		func(i int) provider.ClientSpec {
			s := spec(fmt.Sprintf("public-%d", i), "read")
			s.TokenEndpointAuthMethod = "none"
			return s
		},
	}
	type client struct {
		id   string
		spec provider.ClientSpec
	}
	var clients []client
	for i := range 50 {
		s := shapes[i%len(shapes)](i)
		res, err := p.Create(t.Context(), s)
		if err != nil {
			t.Fatalf("Create %d: %v", i, err)
		}
		clients = append(clients, client{res.Client.ClientID, s})
	}
	r.admin.Reset()
	for _, c := range clients {
		got, err := p.Observe(t.Context(), c.id, nil)
		if err != nil {
			t.Fatal(err)
		}
		if d := p.Diff(c.spec, got); len(d) != 0 {
			t.Errorf("client %s (%s): Diff = %v, want none", c.id, c.spec.ClientName, d)
		}
		if _, err := p.Update(t.Context(), c.id, nil, c.spec); err != nil {
			t.Fatal(err)
		}
	}
	if w := r.admin.Writes(); len(w) != 0 {
		t.Errorf("a resync of 50 unchanged clients wrote to Hydra %d times: %+v", len(w), w)
	}
	if got, err := provider.ListAll(t.Context(), p, "resync-owner"); err != nil || len(got) != 50 {
		t.Errorf("List = %d clients, %v; want 50", len(got), err)
	}
}
