package policy

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The worked example of docs/multi-tenancy.md says what the operator
// answers; this keeps it true.
func TestMultiTenancyDocExample(t *testing.T) {
	doc, err := os.ReadFile("../../docs/multi-tenancy.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1)
	if len(blocks) < 3 {
		t.Fatalf("found %d yaml blocks", len(blocks))
	}
	var cas v1alpha1.ClusterAuthServer
	var good, greedy v1alpha1.OAuthClient
	for i, into := range []any{&cas, &good, &greedy.Spec} {
		if err := yaml.UnmarshalStrict([]byte(strings.TrimPrefix(blocks[i][1], "spec:\n")), into); err != nil {
			if err := yaml.UnmarshalStrict([]byte(blocks[i][1]), into); err != nil {
				t.Fatalf("yaml block %d: %v", i+1, err)
			}
		}
	}
	greedy.Name, greedy.Namespace = "greedy", "orders"

	if err := ServesNamespace(cas.Name, &cas.Spec, "orders", map[string]string{"oauth.example.com/tenant": "true"}); err != nil {
		t.Errorf("the labelled namespace is refused: %v", err)
	}
	if err := ServesNamespace(cas.Name, &cas.Spec, "payments", nil); err != nil {
		t.Errorf("the named namespace is refused: %v", err)
	}
	err = ServesNamespace(cas.Name, &cas.Spec, "sandbox", nil)
	if err == nil || !strings.Contains(string(doc), "spec.serverRef: "+err.Error()+"; nothing is registered") {
		t.Errorf("the doc does not show the refusal of sandbox as the operator words it: %v", err)
	}
	if refused := CheckClientPolicy(cas.Spec.ClientPolicy, &good); len(refused) != 0 {
		t.Errorf("the doc's compliant client is refused: %q", refused)
	}
	refused := CheckClientPolicy(cas.Spec.ClientPolicy, &greedy)
	if want := `refuses this client: ` + strings.Join(refused, "; ") + `; nothing is registered`; len(refused) != 2 || !strings.Contains(string(doc), want) {
		t.Errorf("the doc does not show the refusal of greedy as the operator words it: %q", refused)
	}
}
