package v1alpha1_test

import (
	"context"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"k8s.io/client-go/discovery"
)

// The field docs reach users through `kubectl explain`, which reads the API
// server's OpenAPI v3 document. Check the document, and kubectl itself when
// it is installed.
func TestExplainShowsFieldDocs(t *testing.T) {
	dc, err := discovery.NewDiscoveryClientForConfig(env.Config)
	if err != nil {
		t.Fatal(err)
	}
	docs := []string{
		"ServerRef names the AuthServer or ClusterAuthServer",
		"GrantTypes the client may use.",
		"DeletionPolicy says what happens to the remote client",
		"IssuerURL is the authorization server's issuer identifier.",
	}
	// The API server publishes a new CRD's schema a few seconds after it is
	// established, one CRD after another: wait until all are in.
	var body []byte
	deadline := time.Now().Add(time.Minute)
	for {
		body, err = dc.RESTClient().Get().AbsPath("/openapi/v3/apis/oauth.clientoperator.io/v1alpha1").Do(context.Background()).Raw()
		all := err == nil && !slices.ContainsFunc(docs, func(doc string) bool { return !strings.Contains(string(body), doc) })
		if all || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("reading the OpenAPI v3 document: %v", err)
	}
	for _, doc := range docs {
		if !strings.Contains(string(body), doc) {
			t.Errorf("OpenAPI document lacks the field doc %q", doc)
		}
	}

	kubectl, err := exec.LookPath("kubectl")
	if err != nil {
		t.Log("kubectl is not installed; checked the OpenAPI document only")
		return
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")
	if err := env.Kubeconfig(kubeconfig); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(kubectl, "--kubeconfig", kubeconfig, "explain", "oauthclient.spec").CombinedOutput() //nolint:gosec // G204: the kubectl found in PATH, with fixed arguments
	if err != nil {
		t.Fatalf("kubectl explain: %v\n%s", err, out)
	}
	for _, want := range []string{"serverRef", "ServerRef names the AuthServer", "grantTypes", "rotation"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("kubectl explain oauthclient.spec lacks %q:\n%s", want, out)
		}
	}
}
