package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestServesNamespace(t *testing.T) {
	apps := map[string]string{"tier": "apps", "team": "orders"}
	cases := []struct {
		name      string
		spec      v1alpha1.AuthServerSpec
		namespace string
		labels    map[string]string
		// want is "" when the namespace is served, else substrings of the
		// refusal.
		want []string
	}{
		{"no selector, no names: everyone", v1alpha1.AuthServerSpec{}, "any", nil, nil},
		{"empty selector: everyone", tenancy(&metav1.LabelSelector{}, nil), "any", nil, nil},
		{"selector matches", tenancy(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "apps"}}, nil), "orders", apps, nil},
		{"selector does not match", tenancy(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "apps"}}, nil), "sandbox", map[string]string{"tier": "dev"},
			[]string{`ClusterAuthServer "corp" does not serve namespace "sandbox"`, "namespaceSelector (tier=apps)"}},
		{"unlabelled namespace", tenancy(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "apps"}}, nil), "sandbox", nil,
			[]string{"namespaceSelector (tier=apps) does not match"}},
		{"expression NotIn", tenancy(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: metav1.LabelSelectorOpNotIn, Values: []string{"dev"}}}}, nil), "orders", apps, nil},
		{"named namespace without selector", tenancy(nil, []string{"payments"}), "payments", nil, nil},
		{"unnamed namespace without selector", tenancy(nil, []string{"payments"}), "orders", apps,
			[]string{"its namespaces (payments) do not name it"}},
		{"named although the selector does not match", tenancy(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "apps"}}, []string{"payments"}), "payments", nil, nil},
		{"neither named nor matched", tenancy(&metav1.LabelSelector{MatchLabels: map[string]string{"tier": "apps"}}, []string{"payments"}), "sandbox", nil,
			[]string{"namespaceSelector (tier=apps) does not match", "and its namespaces (payments) do not name it"}},
		{"selector that cannot be read", tenancy(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "tier", Operator: "Like"}}}, nil), "orders", apps,
			[]string{"namespaceSelector that cannot be used"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := ServesNamespace("corp", &tc.spec, tc.namespace, tc.labels)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("served, want refused")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message lacks %q: %v", w, err)
				}
			}
		})
	}
}

func tenancy(sel *metav1.LabelSelector, names []string) v1alpha1.AuthServerSpec {
	return v1alpha1.AuthServerSpec{TenancyPolicy: v1alpha1.TenancyPolicy{NamespaceSelector: sel, Namespaces: names}}
}

func TestCheckClientPolicy(t *testing.T) {
	no := false
	policy := &v1alpha1.ClientPolicy{
		GrantTypes:          []string{"client_credentials", "authorization_code", "refresh_token"},
		Scopes:              []string{"read", "orders.*"},
		Audiences:           []string{"https://api.example.com/*"},
		RedirectURIs:        []string{"https://*.apps.example.com/*", "http://localhost:8080/callback"},
		AllowPublicClients:  &no,
		MaxRotationInterval: &metav1.Duration{Duration: 90 * 24 * time.Hour},
	}
	rotating := &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 720 * time.Hour}}
	client := func(mod func(*v1alpha1.OAuthClientSpec)) *v1alpha1.OAuthClient {
		oac := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotating}}
		mod(&oac.Spec)
		return oac
	}
	cases := []struct {
		name   string
		policy *v1alpha1.ClientPolicy
		oac    *v1alpha1.OAuthClient
		want   []string
	}{
		{"no policy allows anything", nil, client(func(s *v1alpha1.OAuthClientSpec) { s.Scopes = []string{"admin"}; s.Rotation = nil }), nil},
		{"empty policy allows anything", &v1alpha1.ClientPolicy{}, client(func(s *v1alpha1.OAuthClientSpec) { s.Scopes = []string{"admin"} }), nil},
		{"compliant", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.Scopes = []string{"read", "orders.write"}
			s.Audience = []string{"https://api.example.com/orders"}
		}), nil},
		{"scope outside", policy, client(func(s *v1alpha1.OAuthClientSpec) { s.Scopes = []string{"read", "admin"} }),
			[]string{`spec.scopes[1] "admin" is not allowed by clientPolicy.scopes (read, orders.*)`}},
		{"pattern needs its prefix", policy, client(func(s *v1alpha1.OAuthClientSpec) { s.Scopes = []string{"ordersadmin"} }),
			[]string{`spec.scopes[0] "ordersadmin" is not allowed`}},
		{"default grant type outside", &v1alpha1.ClientPolicy{GrantTypes: []string{"authorization_code"}}, client(func(*v1alpha1.OAuthClientSpec) {}),
			[]string{`spec.grantTypes[0] "client_credentials" is not allowed by clientPolicy.grantTypes (authorization_code)`}},
		{"grant type outside", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.GrantTypes = []string{"client_credentials", "urn:ietf:params:oauth:grant-type:token-exchange"}
		}), []string{`spec.grantTypes[1] "urn:ietf:params:oauth:grant-type:token-exchange" is not allowed`}},
		{"audience outside", policy, client(func(s *v1alpha1.OAuthClientSpec) { s.Audience = []string{"https://admin.example.com/"} }),
			[]string{`spec.audience[0] "https://admin.example.com/" is not allowed by clientPolicy.audiences`}},
		{"redirect URI outside", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.GrantTypes = []string{"authorization_code"}
			s.RedirectURIs = []string{"https://web.apps.example.com/cb", "https://evil.example.net/cb"}
		}), []string{`spec.redirectURIs[1] "https://evil.example.net/cb" is not allowed by clientPolicy.redirectURIs`}},
		{"public client refused", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.GrantTypes = []string{"authorization_code"}
			s.RedirectURIs = []string{"https://spa.apps.example.com/"}
			s.TokenEndpointAuthMethod = "none"
			s.Rotation = nil
		}), []string{`spec.tokenEndpointAuthMethod "none" (a public client) is not allowed by clientPolicy.allowPublicClients (false)`}},
		{"public client without rotation is fine where allowed", &v1alpha1.ClientPolicy{MaxRotationInterval: policy.MaxRotationInterval},
			client(func(s *v1alpha1.OAuthClientSpec) { s.TokenEndpointAuthMethod = "none"; s.Rotation = nil }), nil},
		{"rotation required", policy, client(func(s *v1alpha1.OAuthClientSpec) { s.Rotation = nil }),
			[]string{"spec.rotation.interval is required by clientPolicy.maxRotationInterval (at most 2160h0m0s)"}},
		{"rotation too rare", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.Rotation = &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 8760 * time.Hour}}
		}), []string{`spec.rotation.interval "8760h0m0s" is longer than clientPolicy.maxRotationInterval (2160h0m0s)`}},
		{"every refused field is named", policy, client(func(s *v1alpha1.OAuthClientSpec) {
			s.Scopes = []string{"admin", "read", "write"}
			s.Audience = []string{"urn:all"}
			s.Rotation = nil
		}), []string{`spec.scopes[0] "admin"`, `spec.scopes[2] "write"`, `spec.audience[0] "urn:all"`, "spec.rotation.interval is required"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := CheckClientPolicy(tc.policy, tc.oac)
			if len(got) != len(tc.want) {
				t.Fatalf("got %d refusals %q, want %d", len(got), got, len(tc.want))
			}
			for _, w := range tc.want {
				if !slices.ContainsFunc(got, func(g string) bool { return strings.Contains(g, w) }) {
					t.Errorf("no refusal contains %q: %q", w, got)
				}
			}
		})
	}
}

func TestRedirectURIMatches(t *testing.T) {
	cases := []struct {
		pattern, uri string
		want         bool
	}{
		{"https://*.apps.example.com/*", "https://web.apps.example.com/callback", true},
		{"https://*.apps.example.com/*", "https://a.b.apps.example.com/cb?x=1", true},
		{"https://*.apps.example.com/*", "https://WEB.Apps.Example.com/cb", true},
		{"https://*.apps.example.com/*", "http://web.apps.example.com/cb", false},
		{"https://*.apps.example.com/*", "https://apps.example.com/cb", false},
		{"https://*.apps.example.com/*", "https://evil.com/.apps.example.com/cb", false},
		{"https://*.apps.example.com/*", "https://evil.com#.apps.example.com/cb", false},
		{"https://*.apps.example.com/*", "https://web.apps.example.com@evil.com/cb", false},
		{"https://*.apps.example.com/*", "https://user@web.apps.example.com/cb", false},
		{"https://*.apps.example.com/*", "https://web.apps.example.com:8443/cb", false},
		{"https://*.apps.example.com:*/*", "https://web.apps.example.com:8443/cb", true},
		{"https://*.apps.example.com/*", "https://web.apps.example.com.evil.com/cb", false},
		{"https://*.apps.example.com/*", "https://web%2eapps.example.com/cb", false},
		{"https://app.example.com", "https://app.example.com", true},
		{"https://app.example.com", "https://app.example.com/other", false},
		{"https://app.example.com/cb", "https://app.example.com/cb", true},
		{"https://app.example.com/cb", "https://app.example.com/cb/more", false},
		{"http://localhost:8080/callback", "http://localhost:8080/callback", true},
		{"http://localhost:8080/callback", "http://localhost:9090/callback", false},
		{"not a pattern", "https://app.example.com", false},
		{"https://*", "not a uri", false},
	}
	for _, tc := range cases {
		if got := RedirectURIMatches(tc.pattern, tc.uri); got != tc.want {
			t.Errorf("RedirectURIMatches(%q, %q) = %v, want %v", tc.pattern, tc.uri, got, tc.want)
		}
	}
}

func TestCheckAudience(t *testing.T) {
	with := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{Audience: []string{"https://api.example.com"}}}
	if err := CheckAudience(with, provider.Capabilities{}, "keycloak"); err == nil || !strings.Contains(err.Error(), "spec.audience: the keycloak adapter cannot register an audience") {
		t.Errorf("an adapter without the capability: %v", err)
	}
	if err := CheckAudience(with, provider.Capabilities{Audience: true}, "hydra"); err != nil {
		t.Errorf("an adapter with the capability: %v", err)
	}
	if err := CheckAudience(&v1alpha1.OAuthClient{}, provider.Capabilities{}, "keycloak"); err != nil {
		t.Errorf("no audience asked for: %v", err)
	}
}
