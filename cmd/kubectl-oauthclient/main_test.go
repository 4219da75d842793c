package main

// The plugin's commands against a real API server (envtest) and, for
// check, a real authorization server (npm oidc-provider). No operator runs
// here: where a command waits for the operator, the test does the
// operator's part (status and Secret) itself.

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

// The API server's client and the auth server, for every test.
var (
	k8s  client.Client
	auth *authserver.Server
)

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	tier.Enable() // envtest and the auth server: all of it is integration tier
	return kube.Run(func(e *kube.Env) int {
		k8s = e.Client
		var err error
		if auth, err = authserver.Start(context.Background(), authserver.Options{}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer func() { _ = auth.Stop() }()
		return m.Run()
	})
}

// kubectl runs the plugin with args against the test's API server, and
// returns its exit code, stdout and stderr.
func kubectl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	conn := func(c connection) (client.Client, string, error) {
		ns := c.namespace
		if ns == "" {
			ns = "default"
		}
		return k8s, ns, nil
	}
	code := run(t.Context(), args, &stdout, &stderr, conn)
	return code, stdout.String(), stderr.String()
}

func newNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "plugin-"}}
	if err := k8s.Create(t.Context(), ns); err != nil {
		t.Fatal(err)
	}
	return ns.Name
}

// delivered is a client as the operator leaves it once Ready: its status
// and its delivered Secret holding data at version.
func delivered(t *testing.T, ns, name string, data map[string]string, version int64, mutate func(*v1alpha1.OAuthClient)) *v1alpha1.OAuthClient {
	t.Helper()
	ctx := t.Context()
	oac := &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name},
		Spec:       v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "corp"}, Scopes: []string{"read"}},
	}
	if mutate != nil {
		mutate(oac)
	}
	if err := k8s.Create(ctx, oac); err != nil {
		t.Fatal(err)
	}
	setDelivered(t, oac, data, version)
	return oac
}

// setDelivered does the operator's part: the Secret at version and a Ready
// status saying so.
func setDelivered(t *testing.T, oac *v1alpha1.OAuthClient, data map[string]string, version int64) {
	t.Helper()
	ctx := context.Background()
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(oac), oac); err != nil {
		t.Fatal(err)
	}
	yes := true
	s := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: oac.Namespace, Name: oac.SecretName()}}
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(s), s); err != nil {
		s.OwnerReferences = []metav1.OwnerReference{{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindOAuthClient, Name: oac.Name, UID: oac.UID, Controller: &yes,
		}}
		s.StringData = data
		s.Annotations = map[string]string{
			v1alpha1.AnnotationVersion:  fmt.Sprint(version),
			v1alpha1.AnnotationIssuedAt: time.Now().UTC().Format(time.RFC3339),
		}
		if err := k8s.Create(ctx, s); err != nil {
			t.Fatal(err)
		}
	} else {
		s.StringData = data
		s.Annotations[v1alpha1.AnnotationVersion] = fmt.Sprint(version)
		if err := k8s.Update(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	oac.Status.ObservedGeneration = oac.Generation
	oac.Status.SecretName = s.Name
	oac.Status.SecretVersion = version
	oac.Status.ClientID = data["client_id"]
	oac.Status.Conditions = []metav1.Condition{{
		Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReady,
		Message: "client is registered", ObservedGeneration: oac.Generation, LastTransitionTime: metav1.Now(),
	}}
	if err := k8s.Status().Update(ctx, oac); err != nil {
		t.Fatal(err)
	}
}

func mustContain(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

func TestHelp(t *testing.T) {
	for _, c := range commands {
		t.Run(c.name, func(t *testing.T) {
			code, out, _ := kubectl(t, c.name, "--help")
			if code != 0 {
				t.Errorf("exit %d", code)
			}
			mustContain(t, out, "kubectl oauthclient "+c.name, c.summary, "-namespace")
		})
	}
	code, out, _ := kubectl(t, "--help")
	if code != 0 {
		t.Errorf("--help: exit %d", code)
	}
	for _, c := range commands {
		mustContain(t, out, c.name+" ", c.short)
	}
	if code, _, errOut := kubectl(t, "renew", "x"); code != 2 || !strings.Contains(errOut, `unknown command "renew"`) {
		t.Errorf("unknown command: exit %d, stderr %q", code, errOut)
	}
	if code, _, errOut := kubectl(t, "rotate"); code != 2 || !strings.Contains(errOut, "want one OAuthClient NAME") {
		t.Errorf("rotate without NAME: exit %d, stderr %q", code, errOut)
	}
}

func TestStatus(t *testing.T) {
	ns := newNamespace(t)
	oac := delivered(t, ns, "billing", map[string]string{"client_id": "cid-billing", "client_secret": "s3cret-billing"}, 3,
		func(o *v1alpha1.OAuthClient) { o.Spec.SecretName = "billing-oauth" })
	overdue := metav1.NewTime(time.Now().Add(-2 * time.Hour).Truncate(time.Second))
	oac.Status.NextRotationTime = &overdue
	if err := k8s.Status().Update(t.Context(), oac); err != nil {
		t.Fatal(err)
	}

	code, out, errOut := kubectl(t, "status", "billing", "-n", ns)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Log(out)
	mustContain(t, out, "OAuthClient:", ns+"/billing", "AuthServer corp", "True (Ready) client is registered",
		"cid-billing", "billing-oauth, version 3", "OVERDUE by 2h", "Last rotation:  never", "CONDITION")
	if strings.Contains(out, "s3cret-billing") {
		t.Error("status prints the client secret")
	}

	code, out, _ = kubectl(t, "status", "-n", ns)
	if code != 0 {
		t.Fatalf("list: exit %d", code)
	}
	mustContain(t, out, "NEXT ROTATION", "billing", "AuthServer/corp", "(overdue)")

	if code, _, errOut := kubectl(t, "status", "nope", "-n", ns); code != 1 || !strings.Contains(errOut, "OAuthClient "+ns+"/nope not found") {
		t.Errorf("missing client: exit %d, stderr %q", code, errOut)
	}
}

func TestRotate(t *testing.T) {
	ns := newNamespace(t)
	delivered(t, ns, "api", map[string]string{"client_id": "cid-api", "client_secret": "v1"}, 1, nil)

	requested := func() string {
		var oac v1alpha1.OAuthClient
		if err := k8s.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "api"}, &oac); err != nil {
			t.Fatal(err)
		}
		return oac.Annotations[v1alpha1.AnnotationRotateRequestedAt]
	}
	code, out, errOut := kubectl(t, "rotate", "api", "-n", ns)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	first := requested()
	if _, err := time.Parse(time.RFC3339Nano, first); err != nil {
		t.Errorf("annotation %q is not a time: %v", first, err)
	}
	mustContain(t, out, "rotation requested", first)
	if code, _, _ := kubectl(t, "rotate", "api", "-n", ns); code != 0 || requested() == first {
		t.Errorf("a second rotate (exit %d) did not set a fresh value: %q", code, requested())
	}

	// --wait returns once the new version is delivered: the "operator"
	// here delivers version 2 when it sees the request.
	before := requested()
	done := make(chan struct{})
	go func() {
		defer close(done)
		for requested() == before {
			time.Sleep(50 * time.Millisecond)
		}
		var oac v1alpha1.OAuthClient
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "api"}, &oac); err != nil {
			t.Error(err)
			return
		}
		setDelivered(t, &oac, map[string]string{"client_id": "cid-api", "client_secret": "v2"}, 2)
	}()
	code, out, errOut = kubectl(t, "rotate", "api", "-n", ns, "--wait")
	<-done
	if code != 0 {
		t.Fatalf("--wait: exit %d: %s", code, errOut)
	}
	mustContain(t, out, "credentials version 2 delivered in Secret api")

	// Nobody delivers: --wait gives up at its timeout and says what it saw.
	code, _, errOut = kubectl(t, "rotate", "api", "-n", ns, "--wait", "--timeout", "2s")
	if code != 1 {
		t.Fatalf("undelivered --wait: exit %d", code)
	}
	mustContain(t, errOut, "not delivered within 2s", "still at version 2")
}

func TestDisableEnable(t *testing.T) {
	ns := newNamespace(t)
	delivered(t, ns, "legacy", map[string]string{"client_id": "cid-legacy"}, 1, nil)
	disabled := func() bool {
		var oac v1alpha1.OAuthClient
		if err := k8s.Get(t.Context(), client.ObjectKey{Namespace: ns, Name: "legacy"}, &oac); err != nil {
			t.Fatal(err)
		}
		return oac.Spec.Disabled
	}
	if code, out, _ := kubectl(t, "disable", "legacy", "-n", ns); code != 0 || !disabled() || !strings.Contains(out, "oauthclient/legacy: disabled") {
		t.Fatalf("disable: exit %d, disabled %v, %q", code, disabled(), out)
	}
	if code, _, errOut := kubectl(t, "rotate", "legacy", "-n", ns); code != 1 || !strings.Contains(errOut, "enable it first") {
		t.Errorf("rotate of a disabled client: exit %d, %q", code, errOut)
	}
	if code, out, _ := kubectl(t, "disable", "legacy", "-n", ns); code != 0 || !strings.Contains(out, "already disabled") {
		t.Errorf("disable twice: exit %d, %q", code, out)
	}
	if code, _, _ := kubectl(t, "enable", "legacy", "-n", ns); code != 0 || disabled() {
		t.Errorf("enable: exit %d, disabled %v", code, disabled())
	}
}

func TestSecret(t *testing.T) {
	ns := newNamespace(t)
	const value = "0123456789abcdef"
	delivered(t, ns, "reports", map[string]string{ //nolint:gosec // G101: a made-up value the test looks for
		"client_id": "cid-reports", "client_secret": value, "token_url": "https://auth.example.com/token",
	}, 4, nil)
	code, out, errOut := kubectl(t, "secret", "reports", "-n", ns)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	mustContain(t, out, "Secret "+ns+"/reports", "version 4", "client_secret  16", "client_id      11", "token_url", "Expires: never")
	for _, v := range []string{value, "cid-reports", "auth.example.com"} {
		if strings.Contains(out, v) {
			t.Errorf("secret prints the value %q", v)
		}
	}

	// A Secret of the same name that the operator did not deliver is not shown.
	foreign := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "foreign"},
		Spec: v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "corp"}}}
	if err := k8s.Create(t.Context(), foreign); err != nil {
		t.Fatal(err)
	}
	if err := k8s.Create(t.Context(), &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "foreign"}}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := kubectl(t, "secret", "foreign", "-n", ns); code != 1 || !strings.Contains(errOut, "not the one the operator delivered") {
		t.Errorf("foreign Secret: exit %d, %q", code, errOut)
	}
}

func TestCheck(t *testing.T) {
	ns := newNamespace(t)
	reg, err := auth.Register(t.Context(), map[string]any{
		"client_name": "plugin check", "grant_types": []string{"client_credentials"}, "response_types": []string{},
		"token_endpoint_auth_method": "client_secret_basic", "scope": "read write",
	})
	if err != nil {
		t.Fatal(err)
	}
	id, secret := reg["client_id"].(string), reg["client_secret"].(string)
	data := func(secret string) map[string]string {
		return map[string]string{
			"client_id": id, "client_secret": secret, "token_url": auth.Issuer + "/token", "issuer": auth.Issuer, "scope": "read",
		}
	}
	delivered(t, ns, "worker", data(secret), 1, nil)

	code, out, errOut := kubectl(t, "check", "worker", "-n", ns)
	if code != 0 {
		t.Fatalf("exit %d: %s%s", code, out, errOut)
	}
	t.Log(out)
	mustContain(t, out, "Client "+id, "Token: OK", "scope read", "Introspection: active", "client "+id)
	if strings.Contains(out+errOut, secret) {
		t.Error("check prints the client secret")
	}
	if strings.Contains(out, "access_token") || strings.Contains(out, "eyJ") {
		t.Errorf("check may print a token:\n%s", out)
	}

	// Wrong credentials: the server's refusal, without the secret.
	delivered(t, ns, "stale", data("not-the-secret"), 1, nil)
	code, _, errOut = kubectl(t, "check", "stale", "-n", ns)
	if code != 1 || !strings.Contains(errOut, "invalid_client") || strings.Contains(errOut, "not-the-secret") {
		t.Errorf("wrong secret: exit %d, stderr %q", code, errOut)
	}
}
