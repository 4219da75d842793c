package hydra

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestDiff(t *testing.T) {
	stored := provider.ClientSpec{ // what Hydra holds for a spec that left its defaults to it
		ClientName:              "app",
		GrantTypes:              []string{"client_credentials"},
		Scopes:                  []string{"offline_access", "offline", "openid"},
		TokenEndpointAuthMethod: "client_secret_basic",
		Extra:                   map[string]string{"subject_type": "public", "userinfo_signed_response_alg": "none", ExtraOwner: "us"},
	}
	with := func(f func(*provider.ClientSpec)) provider.ClientSpec {
		s := stored
		s.Extra = map[string]string{}
		maps.Copy(s.Extra, stored.Extra)
		f(&s)
		return s
	}
	cases := []struct {
		name              string
		desired, observed provider.ClientSpec
		owner             string
		want              []string
	}{
		{"defaults are not drift", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}}, stored, "us", nil},
		{"empty Extra value is Hydra's default", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Extra: map[string]string{"subject_type": ""}}, stored, "us", nil},
		{"chosen client_id is not compared", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Extra: map[string]string{ExtraClientID: "x"}}, stored, "us", nil},
		{"order of lists does not matter", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"openid", "offline", "offline_access"}}, stored, "us", nil},
		{"scopes given and different", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}}, stored, "us", []string{provider.DiffScopes}},
		{"name", provider.ClientSpec{ClientName: "other", GrantTypes: []string{"client_credentials"}}, stored, "us", []string{provider.DiffClientName}},
		{"description", provider.ClientSpec{ClientName: "app", Description: "d", GrantTypes: []string{"client_credentials"}}, stored, "us", []string{provider.DiffDescription}},
		{"grant types", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"authorization_code"}}, stored, "us", []string{provider.DiffGrantTypes}},
		{"audience", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Audience: []string{"a"}}, stored, "us", []string{provider.DiffAudience}},
		{"audience removed", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}}, with(func(s *provider.ClientSpec) { s.Audience = []string{"a"} }), "us", []string{provider.DiffAudience}},
		{"redirect URIs", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, RedirectURIs: []string{"https://a/cb"}}, stored, "us", []string{provider.DiffRedirectURIs}},
		{"auth method", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, TokenEndpointAuthMethod: "client_secret_post"}, stored, "us", []string{provider.DiffAuthMethod}},
		{"owner marker lost", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}}, with(func(s *provider.ClientSpec) { delete(s.Extra, ExtraOwner) }), "us", []string{provider.DiffOwner}},
		{"no owner configured", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}}, with(func(s *provider.ClientSpec) { delete(s.Extra, ExtraOwner) }), "", nil},
		{"extra field", provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Extra: map[string]string{"client_uri": "https://app"}}, stored, "us", []string{"client_uri"}},
		{"several, in a fixed order", provider.ClientSpec{ClientName: "x", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}, Extra: map[string]string{"tos_uri": "t", "client_uri": "c"}}, stored, "us",
			[]string{provider.DiffClientName, provider.DiffScopes, "client_uri", "tos_uri"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := diff(c.desired, c.observed, c.owner); !slices.Equal(got, c.want) {
				t.Errorf("diff = %v, want %v", got, c.want)
			}
		})
	}
}

func TestPatchOpsSetOnlyTheDifferingFields(t *testing.T) {
	desired := provider.ClientSpec{ClientName: "n", Description: "d", Audience: nil, Extra: map[string]string{"client_uri": "c"}}
	observed := wireClient{Metadata: map[string]any{"team": "x", MetadataDescription: "old"}}
	ops := patchOps([]string{provider.DiffDescription, provider.DiffAudience, provider.DiffOwner, "client_uri"}, desired, observed, "us")
	var paths []string
	for _, op := range ops {
		if op.Op != "add" {
			t.Errorf("op %+v: want add (Hydra's PATCH refuses test, and replace of a missing member is an RFC 6902 error)", op)
		}
		paths = append(paths, op.Path)
	}
	if !slices.Equal(paths, []string{"/metadata", "/audience", "/owner", "/client_uri"}) {
		t.Fatalf("paths = %v", paths)
	}
	md := ops[0].Value.(map[string]any)
	if md["team"] != "x" || md[MetadataDescription] != "d" {
		t.Errorf("metadata = %v, want team kept and description set", md)
	}
	if observed.Metadata[MetadataDescription] != "old" {
		t.Error("patchOps changed the observed metadata in place")
	}
	if a, ok := ops[1].Value.([]string); !ok || a == nil || len(a) != 0 {
		t.Errorf("audience value = %#v, want an empty list (not null)", ops[1].Value)
	}
}

func TestCheckSpec(t *testing.T) {
	ok := []map[string]string{nil, {ExtraClientID: "svc.payments-1"}, {"client_uri": "https://a"}}
	for _, extra := range ok {
		if err := checkSpec(provider.ClientSpec{Extra: extra}); err != nil {
			t.Errorf("checkSpec(%v) = %v", extra, err)
		}
	}
	bad := []map[string]string{
		{"owner": "x"}, {"metadata": "{}"}, {"client_secret": "Zq9-secret-value"}, {"software_id": "x"}, //nolint:gosec // G101: a made-up secret checkSpec must refuse, not a credential
		{ExtraClientID: ""}, {ExtraClientID: "a/b"}, {ExtraClientID: "a%2Fb"}, {ExtraClientID: " a"}, {ExtraClientID: strings.Repeat("a", 256)},
	}
	for _, extra := range bad {
		err := checkSpec(provider.ClientSpec{Extra: extra})
		if !errors.Is(err, provider.ErrInvalidMetadata) {
			t.Errorf("checkSpec(%v) = %v, want InvalidMetadata", extra, err)
		}
		if v := extra["client_secret"]; v != "" && strings.Contains(err.Error(), v) {
			t.Errorf("checkSpec error %q holds the value", err)
		}
	}
}

func TestNextPage(t *testing.T) {
	cases := []struct {
		link  []string
		token string
		ok    bool
	}{
		{[]string{`</admin/clients?owner=me&page_size=2&page_token=T2>; rel="next",</admin/clients?page_size=2&page_token=T4>; rel="last"`}, "T2", true},
		{[]string{`</admin/clients?page_token=L>; rel="last", </admin/clients?page_token=N>; rel=next`}, "N", true},
		{[]string{`<https://x/admin/clients?page_token=F>; rel="first"`, `<https://x/admin/clients?page_token=N>; rel="prev next"`}, "N", true},
		{[]string{`</a?q=1,2&page_token=C>; title="a, b"; rel="next"`}, "C", true},
		{[]string{`</admin/clients?page_size=2&page_token=T>; rel="first"`}, "", false},
		{[]string{`garbage`}, "", false},
		{nil, "", false},
	}
	for _, c := range cases {
		h := http.Header{}
		for _, v := range c.link {
			h.Add("Link", v)
		}
		q, ok := nextPage(h)
		if ok != c.ok || q.Get("page_token") != c.token {
			t.Errorf("nextPage(%q) = %v, %t; want page_token %q, %t", c.link, q, ok, c.token, c.ok)
		}
	}
}

func TestStatusError(t *testing.T) {
	cases := []struct {
		status     int
		body       string
		header     http.Header
		kind       provider.Kind
		code, desc string
		retry      time.Duration
	}{
		{400, `{"error":"invalid_redirect_uri","error_description":"Redirect URIs must not contain fragments (#)."}`, nil, provider.KindInvalidMetadata, "invalid_redirect_uri", "Redirect URIs must not contain fragments (#).", 0},
		{400, `not json`, nil, provider.KindInvalidMetadata, "", "Hydra rejected the client metadata and gave no description (HTTP 400)", 0},
		{401, `{"error":"unauthorized"}`, nil, provider.KindUnauthorized, "unauthorized", "", 0},
		{404, `{"error":"Unable to locate the resource","error_description":""}`, nil, provider.KindNotFound, "", "Unable to locate the resource", 0},
		{409, `{"error":"Unable to insert or update resource because a resource with that value exists already","error_description":""}`, nil, provider.KindConflict, "", "Unable to insert or update resource because a resource with that value exists already", 0},
		{429, ``, http.Header{"Retry-After": {"12"}}, provider.KindRateLimited, "", "", 12 * time.Second},
		{500, `{"error":"error","error_description":"The error is unrecognizable"}`, nil, provider.KindTransient, "error", "The error is unrecognizable", 0},
		{502, `<html>`, http.Header{"Retry-After": {"3"}}, provider.KindTransient, "", "", 3 * time.Second},
	}
	for _, c := range cases {
		err := statusError(c.status, c.header, []byte(c.body))
		var pe *provider.Error
		if !errors.As(err, &pe) {
			t.Fatalf("%d: %v is not a provider error", c.status, err)
		}
		if pe.Kind != c.kind || pe.Code != c.code || pe.Description != c.desc || pe.RetryAfter != c.retry {
			t.Errorf("%d %s: got kind %s code %q desc %q retry %s", c.status, c.body, pe.Kind, pe.Code, pe.Description, pe.RetryAfter)
		}
	}
	err := statusError(400, nil, []byte(`{"error":"invalid_client_metadata","error_description":"secret s3cr3t-value is too short"}`), "s3cr3t-value")
	if strings.Contains(err.Error(), "s3cr3t-value") {
		t.Errorf("statusError kept a secret: %q", err)
	}
}

func TestNew(t *testing.T) {
	good := []Config{
		{AdminURL: "http://127.0.0.1:4445"},
		{AdminURL: "https://project.projects.oryapis.com/", PublicIssuer: "https://project.projects.oryapis.com"},
		{AdminURL: "https://gateway.example/hydra-admin", PageSize: 500},
	}
	for _, cfg := range good {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v) = %v", cfg, err)
		}
	}
	bad := []Config{
		{}, {AdminURL: "127.0.0.1:4445"}, {AdminURL: "ftp://x"}, {AdminURL: "http://x/admin"}, {AdminURL: "http://x?a=b"},
		{AdminURL: "http://x", PublicIssuer: "/relative"}, {AdminURL: "http://x", PageSize: -1},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); !errors.Is(err, provider.ErrInvalidMetadata) {
			t.Errorf("New(%+v) = %v, want InvalidMetadata", cfg, err)
		}
	}
	p, _ := New(Config{AdminURL: "http://x", PublicIssuer: "https://id.example/"})
	if ep := p.Endpoints(); ep.Token != "https://id.example/oauth2/token" || ep.Issuer != "https://id.example/" {
		t.Errorf("Endpoints() = %+v", ep)
	}
}

func TestParseClient(t *testing.T) {
	c, err := parseOne([]byte(`{"client_id":"a","scope":"x y","metadata":"not an object","owner":"us","client_uri":"https://c","grant_types":null}`))
	if err != nil {
		t.Fatal(err)
	}
	if !c.MetadataOther || c.Metadata != nil {
		t.Errorf("a metadata string: Metadata %v, other %t", c.Metadata, c.MetadataOther)
	}
	got := c.client()
	if got.Spec.Extra[ExtraOwner] != "us" || got.Spec.Extra["client_uri"] != "https://c" || !slices.Equal(got.Spec.Scopes, []string{"x", "y"}) || !got.Enabled {
		t.Errorf("client() = %+v", got)
	}
	for _, body := range []string{`[]`, `null`, `{"client_id":7}`, `{"scope":["x"],"client_id":"a"}`, `{}`, `{"client_id":"a","grant_types":"x"}`} {
		if _, err := parseOne([]byte(body)); err == nil {
			t.Errorf("parseOne(%s) succeeded", body)
		}
	}
	if _, err := parseList([]byte(`[{"client_id":"a"},null]`)); err == nil {
		t.Error("parseList with a null item succeeded")
	}
}
