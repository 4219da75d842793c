package controllers_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func TestApplyDeliversWorkingCredentials(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{Scopes: []string{"read", "write"}})
	oac := waitReady(t, ns, "billing")

	s := secretOf(t, ns, "billing")
	for _, key := range []string{"client_id", "client_secret", "token_url", "issuer", "scope"} {
		if len(s.Data[key]) == 0 {
			t.Errorf("Secret lacks %s", key)
		}
	}
	if got := string(s.Data["client_id"]); got != oac.Status.ClientID {
		t.Errorf("Secret client_id %q, status.clientID %q", got, oac.Status.ClientID)
	}
	if got := string(s.Data["scope"]); got != "read write" {
		t.Errorf("scope key = %q", got)
	}
	if got := string(s.Data["issuer"]); got != auth.Issuer {
		t.Errorf("issuer key = %q, want %q", got, auth.Issuer)
	}
	if len(s.OwnerReferences) != 1 || s.OwnerReferences[0].UID != oac.UID {
		t.Errorf("Secret is not owned by its OAuthClient: %+v", s.OwnerReferences)
	}
	if s.Annotations[v1alpha1.AnnotationVersion] != "1" {
		t.Errorf("version annotation = %q", s.Annotations[v1alpha1.AnnotationVersion])
	}
	state := recordState(t, oac)
	if state["provider.registration_access_token"] == "" {
		t.Error("the registration access token is not kept")
	}
	for k, v := range s.Data {
		if strings.Contains(string(v), state["provider.registration_access_token"]) {
			t.Errorf("the registration access token leaked into the delivered Secret's %s", k)
		}
	}

	tok, err := token(t, s, "read write")
	if err != nil {
		t.Fatalf("the delivered credentials do not obtain a token: %v", err)
	}
	info := introspect(t, s, tok)
	if info["active"] != true || info["scope"] != "read write" || info["client_id"] != oac.Status.ClientID {
		t.Errorf("introspection = %v", info)
	}
}

func TestScopeChangeReachesTheServer(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "reports", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "reports")
	s := secretOf(t, ns, "reports")
	if _, err := token(t, s, "metrics"); err == nil {
		t.Fatal("a scope the client was not given was granted")
	}

	oac := getClient(t, ns, "reports")
	oac.Spec.Scopes = []string{"read", "metrics"}
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitReady(t, ns, "reports")
	remote, err := auth.AdminGetClient(context.Background(), oac.Status.ClientID)
	if err != nil {
		t.Fatal(err)
	}
	if remote["scope"] != "read metrics" && remote["scope"] != "metrics read" {
		t.Errorf("server scope = %v", remote["scope"])
	}
	s = secretOf(t, ns, "reports")
	if got := string(s.Data["scope"]); got != "read metrics" {
		t.Errorf("Secret scope = %q", got)
	}
	tok, err := token(t, s, "metrics")
	if err != nil {
		t.Fatalf("the new scope is refused: %v", err)
	}
	if info := introspect(t, s, tok); info["scope"] != "metrics" || info["active"] != true {
		t.Errorf("introspection = %v", info)
	}
}

func TestDriftAtTheServerIsCorrectedOnResync(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "drift", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	oac := waitReady(t, ns, "drift")
	ctx := context.Background()
	if err := auth.AdminPatchClient(ctx, oac.Status.ClientID, map[string]any{"scope": "read admin"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server's scope to be corrected", func() (bool, string) {
		remote, err := auth.AdminGetClient(ctx, oac.Status.ClientID)
		if err != nil {
			return false, err.Error()
		}
		return remote["scope"] == "read", "scope at the server: " + remote["scope"].(string)
	})
	if !hasEvent(t, ns, "drift", "Normal/Updated") {
		t.Errorf("no Updated event: %v", eventsFor(t, ns, "drift"))
	}
}

func TestClientDeletedAtTheServerIsRegisteredAnew(t *testing.T) {
	ns := newNamespace(t)
	oac, old := applyReady(t, ns, "gone", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	if err := auth.AdminDeleteClient(context.Background(), oac.Status.ClientID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a new client", func() (bool, string) {
		now := getClient(t, ns, "gone")
		return now.Status.ClientID != "" && now.Status.ClientID != oac.Status.ClientID && now.Status.SecretVersion == 2, "client " + now.Status.ClientID
	})
	waitReady(t, ns, "gone")
	s := secretOf(t, ns, "gone")
	if bytes.Equal(s.Data["client_id"], old.Data["client_id"]) {
		t.Fatal("the Secret still holds the deleted client")
	}
	if s.Annotations[v1alpha1.AnnotationVersion] != "2" {
		t.Errorf("version annotation = %q, want 2", s.Annotations[v1alpha1.AnnotationVersion])
	}
	if _, err := token(t, s, "read"); err != nil {
		t.Fatalf("the new credentials do not work: %v", err)
	}
	if !hasEvent(t, ns, "gone", "Warning/ClientRecreated") {
		t.Errorf("no Warning event: %v", eventsFor(t, ns, "gone"))
	}
}

func TestDeleteRemovesRemoteClientAndSecret(t *testing.T) {
	ns := newNamespace(t)
	oac, s := applyReady(t, ns, "temp", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	recordState(t, oac)
	if err := k8s.Delete(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "temp")
	waitGone(t, &corev1.Secret{}, ns, "temp")
	waitGone(t, &corev1.Secret{}, operatorNamespace, "oauthclient-"+string(oac.UID))
	if _, err := auth.AdminGetClient(context.Background(), oac.Status.ClientID); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the client still exists at the server: %v", err)
	}
	if _, err := token(t, s, "read"); err == nil {
		t.Error("the deleted client's credentials still obtain tokens")
	}
}

func TestOrphanKeepsRemoteClientAndSecret(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "keep", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, DeletionPolicy: "Orphan"})
	oac := waitReady(t, ns, "keep")
	if err := k8s.Delete(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "keep")
	s := secretOf(t, ns, "keep")
	if len(s.OwnerReferences) != 0 {
		t.Errorf("the orphaned Secret still has owners: %+v", s.OwnerReferences)
	}
	if _, err := token(t, s, "read"); err != nil {
		t.Errorf("the orphaned client no longer works: %v", err)
	}
}

func TestForeignSecretIsNeverTouched(t *testing.T) {
	ns := newNamespace(t)
	foreign := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "taken", Namespace: ns, Labels: map[string]string{"app": "mine"}},
		Data:       map[string][]byte{"client_id": []byte("someone-else"), "password": []byte("hunter2-hunter2")},
	}
	mustCreate(t, foreign)
	before := secretOf(t, ns, "taken")
	newClient(t, ns, "taken", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	cond := waitReason(t, ns, "taken", v1alpha1.ReasonSecretConflict)
	if !strings.Contains(cond.Message, "spec.secretName") {
		t.Errorf("the message does not name the field: %s", cond.Message)
	}
	after := secretOf(t, ns, "taken")
	if after.ResourceVersion != before.ResourceVersion || !equalData(after.Data, before.Data) {
		t.Error("the operator changed a Secret it does not own")
	}
	if got := getClient(t, ns, "taken").Status.ClientID; got != "" {
		t.Errorf("a client %s was registered although its Secret cannot be written", got)
	}

	// A second OAuthClient cannot claim another OAuthClient's Secret either.
	newClient(t, ns, "first", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "first")
	newClient(t, ns, "second", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, SecretName: "first"})
	cond = waitReason(t, ns, "second", v1alpha1.ReasonSecretConflict)
	if !strings.Contains(cond.Message, "OAuthClient first") {
		t.Errorf("the message does not name the owner: %s", cond.Message)
	}
}

func TestServerDownThenBack(t *testing.T) {
	ns := newNamespace(t)
	oac, before := applyReady(t, ns, "steady", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})

	if err := auth.Stop(); err != nil {
		t.Fatal(err)
	}
	restarted := false
	defer func() {
		if !restarted {
			_ = auth.Restart(context.Background())
		}
	}()
	// Either the client's own call fails (ServerUnavailable) or the
	// AuthServer's check notices first (ServerNotReady): both say so.
	cond := waitReason(t, ns, "steady", v1alpha1.ReasonServerUnavailable, v1alpha1.ReasonServerNotReady)
	if !strings.Contains(cond.Message, "connection refused") {
		t.Errorf("the condition does not say the server is unreachable: %s", cond.Message)
	}
	after := secretOf(t, ns, "steady")
	if !equalData(before.Data, after.Data) {
		t.Fatal("the Secret changed while the server was down")
	}

	if err := auth.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	restarted = true
	now := waitReady(t, ns, "steady")
	if now.Status.ClientID != oac.Status.ClientID {
		t.Errorf("the client was replaced (%s → %s) although it survived at the server", oac.Status.ClientID, now.Status.ClientID)
	}
	if _, err := token(t, secretOf(t, ns, "steady"), "read"); err != nil {
		t.Errorf("credentials do not work after the server came back: %v", err)
	}
}

func TestSteadyStateWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "quiet", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "quiet")
	time.Sleep(time.Second) // let the reconciles caused by our own writes settle
	oac := getClient(t, ns, "quiet")
	s := secretOf(t, ns, "quiet")
	time.Sleep(3 * resyncPeriod)
	if now := getClient(t, ns, "quiet"); now.ResourceVersion != oac.ResourceVersion {
		t.Errorf("the OAuthClient was written during resyncs: %+v", now.Status)
	}
	if now := secretOf(t, ns, "quiet"); now.ResourceVersion != s.ResourceVersion {
		t.Error("the Secret was written during resyncs")
	}
}

func hasEvent(t *testing.T, ns, name, prefix string) bool {
	t.Helper()
	found := false
	waitFor(t, "event "+prefix, func() (bool, string) {
		for _, e := range eventsFor(t, ns, name) {
			if strings.HasPrefix(e, prefix) {
				found = true
				return true, ""
			}
		}
		return false, strings.Join(eventsFor(t, ns, name), "; ")
	})
	return found
}

func waitGone(t *testing.T, obj client.Object, ns, name string) {
	t.Helper()
	waitFor(t, name+" to be deleted", func() (bool, string) {
		err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj)
		return apierrors.IsNotFound(err), "still there"
	})
}

func equalData(a, b map[string][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !bytes.Equal(v, b[k]) {
			return false
		}
	}
	return true
}

func TestKubectlLastAppliedAnnotationIsKept(t *testing.T) {
	// The cache drops kubectl's copy of the manifest to save memory; the
	// operator must still never remove it from the object itself.
	ns := newNamespace(t)
	const lastApplied = "kubectl.kubernetes.io/last-applied-configuration"
	applied := `{"apiVersion":"oauth.clientoperator.io/v1alpha1","kind":"OAuthClient","metadata":{"name":"applied"},"spec":{"serverRef":{"name":"dev"}}}`
	oac := &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Name: "applied", Namespace: ns, Annotations: map[string]string{lastApplied: applied}},
		Spec:       v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "dev"}, Scopes: []string{"read"}},
	}
	mustCreate(t, oac)
	waitReady(t, ns, "applied")

	// A rotation request goes through the annotation path too.
	oac = getClient(t, ns, "applied")
	oac.Annotations["oauth.clientoperator.io/rotate-requested-at"] = "now"
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the requested rotation", func() (bool, string) {
		got := getClient(t, ns, "applied")
		return got.Status.SecretVersion == 2, "secretVersion " + strconv.FormatInt(got.Status.SecretVersion, 10)
	})
	if got := getClient(t, ns, "applied").Annotations[lastApplied]; got != applied {
		t.Errorf("the last-applied annotation was changed or removed: %q", got)
	}
}
