package v1alpha1_test

import (
	"os"
	"path/filepath"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// TestProjectFileListsTheAPI keeps the kubebuilder PROJECT file in step
// with the generated CRDs: the same kinds, group, version and scope.
func TestProjectFileListsTheAPI(t *testing.T) {
	var project struct {
		Domain    string `json:"domain"`
		Repo      string `json:"repo"`
		Resources []struct {
			API struct {
				Namespaced bool `json:"namespaced"`
			} `json:"api"`
			Group   string `json:"group"`
			Domain  string `json:"domain"`
			Kind    string `json:"kind"`
			Version string `json:"version"`
			Path    string `json:"path"`
		} `json:"resources"`
	}
	readYAML(t, "../../PROJECT", &project)

	crds, err := filepath.Glob("../../config/crd/bases/*.yaml")
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs found: %v", err)
	}
	want := map[string]bool{} // kind -> namespaced
	for _, file := range crds {
		var crd apiextensionsv1.CustomResourceDefinition
		readYAML(t, file, &crd)
		if crd.Spec.Group != v1alpha1.GroupVersion.Group {
			t.Errorf("%s: group %s", file, crd.Spec.Group)
		}
		want[crd.Spec.Names.Kind] = crd.Spec.Scope == apiextensionsv1.NamespaceScoped
	}

	if project.Repo != "github.com/oauth-client-operator/oauth-client-operator" {
		t.Errorf("PROJECT repo %q", project.Repo)
	}
	got := map[string]bool{}
	for _, r := range project.Resources {
		got[r.Kind] = r.API.Namespaced
		if r.Group+"."+r.Domain != v1alpha1.GroupVersion.Group || r.Version != v1alpha1.GroupVersion.Version {
			t.Errorf("PROJECT %s: group %s.%s version %s, want %s", r.Kind, r.Group, r.Domain, r.Version, v1alpha1.GroupVersion)
		}
		if r.Path != project.Repo+"/api/v1alpha1" {
			t.Errorf("PROJECT %s: path %s", r.Kind, r.Path)
		}
	}
	if len(got) != len(want) {
		t.Errorf("PROJECT lists %v, the CRDs are %v (kind: namespaced)", got, want)
	}
	for kind, namespaced := range want {
		if n, ok := got[kind]; !ok || n != namespaced {
			t.Errorf("PROJECT: %s listed %v namespaced %v; its CRD is namespaced %v", kind, ok, n, namespaced)
		}
	}
}

func readYAML(t *testing.T, path string, into any) {
	t.Helper()
	data, err := os.ReadFile(path) //nolint:gosec // G304: the test's own fixed paths, PROJECT and config/crd/bases in this repository
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
