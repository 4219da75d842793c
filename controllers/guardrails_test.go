package controllers_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Guard rails for platform teams (docs/multi-tenancy.md): which namespaces
// may use a ClusterAuthServer, and what clients may ask for.

// createClusterServer creates a Ready ClusterAuthServer at the test
// authorization server with the given tenancy policy; it is deleted at the
// end of the test (it stays while OAuthClients use it).
func createClusterServer(t *testing.T, name string, tenancy v1alpha1.TenancyPolicy) {
	t.Helper()
	ctx := context.Background()
	sec := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNamespace},
		StringData: map[string]string{"token": initialAccessToken},
	}
	mustCreate(t, sec)
	cas := &v1alpha1.ClusterAuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL:      auth.Issuer,
			ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			Credentials:    &v1alpha1.ManagementCredentials{InitialAccessToken: &v1alpha1.SecretKeySelector{Name: name, Key: "token"}},
			TenancyPolicy:  tenancy,
		},
	}
	mustCreate(t, cas)
	t.Cleanup(func() { _ = k8s.Delete(ctx, cas); _ = k8s.Delete(ctx, sec) })
	waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonReady)
}

// setNamespaceLabel sets (or, with value "", removes) a label of ns.
func setNamespaceLabel(t *testing.T, ns, key, value string) {
	t.Helper()
	var obj corev1.Namespace
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: ns}, &obj); err != nil {
		t.Fatal(err)
	}
	if obj.Labels == nil {
		obj.Labels = map[string]string{}
	}
	if value == "" {
		delete(obj.Labels, key)
	} else {
		obj.Labels[key] = value
	}
	if err := k8s.Update(context.Background(), &obj); err != nil {
		t.Fatal(err)
	}
}

// waitNonCompliant waits until a server's status counts n refused clients.
func waitNonCompliant(t *testing.T, obj serverObject, ns, name string, n int32) {
	t.Helper()
	waitFor(t, name+" counting its non-compliant clients", func() (bool, string) {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
			return false, err.Error()
		}
		got := obj.ServerStatus().NonCompliantClients
		return got == n, fmt.Sprint(got)
	})
}

func TestNamespaceOutsideTheSelectorCannotUseTheClusterAuthServer(t *testing.T) {
	member, outsider := createNamespace(t), createNamespace(t)
	name := "corp-" + member
	label := "guardrails.test/tier-" + member // unique to this test
	setNamespaceLabel(t, member, label, "apps")
	createClusterServer(t, name, v1alpha1.TenancyPolicy{
		NamespaceSelector: &metav1.LabelSelector{MatchLabels: map[string]string{label: "apps"}},
	})
	ref := v1alpha1.ServerReference{Kind: v1alpha1.KindClusterAuthServer, Name: name}

	newClient(t, member, "inside", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: ref})
	newClient(t, outsider, "outside", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: ref})
	waitReady(t, member, "inside")
	cond := waitReason(t, outsider, "outside", v1alpha1.ReasonServerNotAllowed)
	for _, want := range []string{"spec.serverRef", `ClusterAuthServer "` + name + `" does not serve namespace "` + outsider + `"`, label + "=apps"} {
		if !strings.Contains(cond.Message, want) {
			t.Errorf("message lacks %q: %s", want, cond.Message)
		}
	}
	if n := remoteClientsNamed(t, outsider+"/outside"); n != 0 {
		t.Errorf("%d clients registered for a namespace the server does not serve", n)
	}
	waitNonCompliant(t, &v1alpha1.ClusterAuthServer{}, "", name, 1)

	// The outsider's namespace is admitted: its label change is acted on.
	setNamespaceLabel(t, outsider, label, "apps")
	waitReady(t, outsider, "outside")
	waitNonCompliant(t, &v1alpha1.ClusterAuthServer{}, "", name, 0)

	// The member's namespace loses the label: its client is reported, and
	// its credentials are kept and keep working.
	before := secretOf(t, member, "inside")
	setNamespaceLabel(t, member, label, "")
	waitReason(t, member, "inside", v1alpha1.ReasonServerNotAllowed)
	waitNonCompliant(t, &v1alpha1.ClusterAuthServer{}, "", name, 1)
	after := secretOf(t, member, "inside")
	if after.ResourceVersion != before.ResourceVersion {
		t.Error("the Secret changed when its namespace lost access")
	}
	if _, err := token(t, after, "read"); err != nil {
		t.Errorf("the credentials stopped working without the server opting in: %v", err)
	}

	// The server opts in to deleting clients that lost access.
	var cas v1alpha1.ClusterAuthServer
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, &cas); err != nil {
		t.Fatal(err)
	}
	cas.Spec.OnAccessLost = v1alpha1.AccessLostDelete
	if err := k8s.Update(context.Background(), &cas); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the client that lost access to be deleted at the server", func() (bool, string) {
		n := remoteClientsNamed(t, member+"/inside")
		return n == 0, fmt.Sprint("remote clients: ", n)
	})
	waitFor(t, "client_secret to leave the Secret", func() (bool, string) {
		var s corev1.Secret
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: member, Name: "inside"}, &s); err != nil {
			return false, err.Error()
		}
		_, has := s.Data["client_secret"]
		return !has && len(s.Data["client_id"]) > 0, "client_secret still there"
	})
	if _, err := token(t, before, "read"); err == nil {
		t.Error("the deleted client still gets tokens")
	}
	// The Secret is written before the status: wait for the message.
	waitFor(t, "the condition to say the client was deleted", func() (bool, string) {
		c := meta.FindStatusCondition(getClient(t, member, "inside").Status.Conditions, v1alpha1.ConditionReady)
		if c == nil {
			return false, "no condition"
		}
		return c.Reason == v1alpha1.ReasonServerNotAllowed && strings.Contains(c.Message, "deleted at the server"), c.Reason + ": " + c.Message
	})

	// Admitted again, it gets a new client.
	setNamespaceLabel(t, member, label, "apps")
	oac := waitReady(t, member, "inside")
	if _, err := token(t, secretOf(t, member, "inside"), "read"); err != nil {
		t.Errorf("the new client does not work: %v", err)
	}
	recordState(t, oac)
}

func TestNamespaceNamedByTheClusterAuthServerMayUseIt(t *testing.T) {
	named, other := createNamespace(t), createNamespace(t)
	name := "named-" + named
	createClusterServer(t, name, v1alpha1.TenancyPolicy{Namespaces: []string{named}})
	ref := v1alpha1.ServerReference{Kind: v1alpha1.KindClusterAuthServer, Name: name}
	newClient(t, named, "app", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: ref})
	newClient(t, other, "app", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: ref})
	waitReady(t, named, "app")
	cond := waitReason(t, other, "app", v1alpha1.ReasonServerNotAllowed)
	if !strings.Contains(cond.Message, "its namespaces ("+named+") do not name it") {
		t.Errorf("message: %s", cond.Message)
	}
	if n := remoteClientsNamed(t, other+"/app"); n != 0 {
		t.Errorf("%d clients registered", n)
	}

	// The server's owners admit the other namespace: acted on at once.
	var cas v1alpha1.ClusterAuthServer
	if err := k8s.Get(context.Background(), client.ObjectKey{Name: name}, &cas); err != nil {
		t.Fatal(err)
	}
	cas.Spec.Namespaces = append(cas.Spec.Namespaces, other)
	if err := k8s.Update(context.Background(), &cas); err != nil {
		t.Fatal(err)
	}
	waitReady(t, other, "app")
}

func TestClientOutsideTheServersPolicyIsRefusedNamingTheField(t *testing.T) {
	ns := createNamespace(t)
	no := false
	createDevServer(t, ns, v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer, TenancyPolicy: v1alpha1.TenancyPolicy{ClientPolicy: &v1alpha1.ClientPolicy{
		GrantTypes:          []string{"client_credentials", "authorization_code"},
		Scopes:              []string{"read", "metrics"},
		Audiences:           []string{"https://api.example.com/*"},
		RedirectURIs:        []string{"https://*.apps.example.com/*"},
		AllowPublicClients:  &no,
		MaxRotationInterval: &metav1.Duration{Duration: 2160 * time.Hour},
	}}})
	waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	rotation := &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 720 * time.Hour}}

	cases := []struct {
		name string
		spec v1alpha1.OAuthClientSpec
		want []string
	}{
		{"scope", v1alpha1.OAuthClientSpec{Scopes: []string{"read", "admin"}, Rotation: rotation},
			[]string{`spec.scopes[1] "admin" is not allowed by clientPolicy.scopes (read, metrics)`}},
		{"audience", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Audience: []string{"https://admin.example.com/"}, Rotation: rotation},
			[]string{`spec.audience[0] "https://admin.example.com/" is not allowed by clientPolicy.audiences`}},
		{"grant", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, GrantTypes: []string{"client_credentials", "refresh_token"}, Rotation: rotation},
			[]string{`spec.grantTypes[1] "refresh_token" is not allowed by clientPolicy.grantTypes`}},
		{"redirect", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://web.evil.example.net/cb"}, Rotation: rotation},
			[]string{`spec.redirectURIs[0] "https://web.evil.example.net/cb" is not allowed by clientPolicy.redirectURIs (https://*.apps.example.com/*)`}},
		{"public", v1alpha1.OAuthClientSpec{GrantTypes: []string{"authorization_code"}, RedirectURIs: []string{"https://web.apps.example.com/cb"}, TokenEndpointAuthMethod: "none"},
			[]string{`spec.tokenEndpointAuthMethod "none" (a public client) is not allowed`}},
		{"rotation", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}},
			[]string{"spec.rotation.interval is required by clientPolicy.maxRotationInterval"}},
		{"everything", v1alpha1.OAuthClientSpec{Scopes: []string{"admin"}, GrantTypes: []string{"refresh_token", "client_credentials"}},
			[]string{`spec.scopes[0] "admin"`, `spec.grantTypes[0] "refresh_token"`, "spec.rotation.interval is required"}},
	}
	for _, tc := range cases {
		newClient(t, ns, tc.name, tc.spec)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cond := waitReason(t, ns, tc.name, v1alpha1.ReasonPolicyViolation)
			for _, w := range append(tc.want, `AuthServer "dev"`) {
				if !strings.Contains(cond.Message, w) {
					t.Errorf("message lacks %q: %s", w, cond.Message)
				}
			}
			if n := remoteClientsNamed(t, ns+"/"+tc.name); n != 0 {
				t.Errorf("%d clients registered outside the policy", n)
			}
		})
	}
	waitNonCompliant(t, &v1alpha1.AuthServer{}, ns, "dev", 7) // one per case

	// Within the policy, the client is registered.
	newClient(t, ns, "within", v1alpha1.OAuthClientSpec{Scopes: []string{"read", "metrics"}, Rotation: rotation})
	waitReady(t, ns, "within")
	if _, err := token(t, secretOf(t, ns, "within"), "metrics"); err != nil {
		t.Errorf("a client within the policy does not work: %v", err)
	}
}

// Tightening the policy under a Ready client reports it and changes
// nothing; loosening it again makes it Ready with the same client.
func TestPolicyChangeReportsExistingClientsWithoutTouchingThem(t *testing.T) {
	ns := newNamespace(t)
	oac, before := applyReady(t, ns, "app", v1alpha1.OAuthClientSpec{Scopes: []string{"read", "write"}})

	setPolicy := func(p *v1alpha1.ClientPolicy) {
		var as v1alpha1.AuthServer
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "dev"}, &as); err != nil {
			t.Fatal(err)
		}
		as.Spec.ClientPolicy = p
		if err := k8s.Update(context.Background(), &as); err != nil {
			t.Fatal(err)
		}
	}
	setPolicy(&v1alpha1.ClientPolicy{Scopes: []string{"read"}})
	cond := waitReason(t, ns, "app", v1alpha1.ReasonPolicyViolation)
	if !strings.Contains(cond.Message, `spec.scopes[1] "write"`) {
		t.Errorf("message: %s", cond.Message)
	}
	waitNonCompliant(t, &v1alpha1.AuthServer{}, ns, "dev", 1)
	after := secretOf(t, ns, "app")
	if after.ResourceVersion != before.ResourceVersion {
		t.Error("the Secret changed")
	}
	if _, err := token(t, after, "write"); err != nil {
		t.Errorf("the credentials stopped working: %v", err)
	}

	setPolicy(nil)
	again := waitReady(t, ns, "app")
	if again.Status.ClientID != oac.Status.ClientID {
		t.Errorf("client %s replaced by %s", oac.Status.ClientID, again.Status.ClientID)
	}
	waitNonCompliant(t, &v1alpha1.AuthServer{}, ns, "dev", 0)
}

// A tenant Secret that carries the operator's labels with another
// OAuthClient's UID names the real holder, or none (defect 3 of issue 12).
func TestCopiedSecretConflictNamesTheRealHolder(t *testing.T) {
	ns := newNamespace(t)
	billing, original := applyReady(t, ns, "billing", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})

	// A copy under the name another OAuthClient asks for, labels and all.
	copied := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "reports", Namespace: ns, Labels: original.Labels}, Data: original.Data}
	copied.Labels[v1alpha1.LabelOAuthClientName] = "reports"
	mustCreate(t, copied)
	newClient(t, ns, "reports", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	cond := waitReason(t, ns, "reports", v1alpha1.ReasonSecretConflict)
	if !strings.Contains(cond.Message, "already holds the credentials of OAuthClient billing") {
		t.Errorf("message does not name the real holder: %s", cond.Message)
	}

	// With the holder gone, the labels match no OAuthClient.
	if err := k8s.Delete(context.Background(), billing); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "billing")
	oac := getClient(t, ns, "reports")
	oac.Spec.Description = "poke" // a change wakes it at once
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the conflict to say no OAuthClient matches", func() (bool, string) {
		c := waitReason(t, ns, "reports", v1alpha1.ReasonSecretConflict)
		return strings.Contains(c.Message, "do not match any OAuthClient") && !strings.Contains(c.Message, "OAuthClient reports"), c.Message
	})
}

// spec.audience at a server that does not keep it (oidc-provider's RFC
// 7591 registration has no audience metadata) is refused, and the
// registration is not left behind (defect 4 of issue 12).
func TestAudienceTheServerDoesNotKeepIsRefused(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "aud", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Audience: []string{"https://api.example.com"}})
	cond := waitReason(t, ns, "aud", v1alpha1.ReasonInvalidMetadata)
	if !strings.Contains(cond.Message, "spec.audience") {
		t.Errorf("message does not name spec.audience: %s", cond.Message)
	}
	if n := remoteClientsNamed(t, ns+"/aud"); n != 0 {
		t.Errorf("%d clients left at the server", n)
	}
	if id := getClient(t, ns, "aud").Status.ClientID; id != "" {
		t.Errorf("status names client %s", id)
	}
}
