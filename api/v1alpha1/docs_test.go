package v1alpha1_test

import (
	"context"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The manifests of docs/multi-tenancy.md are accepted as written.
func TestMultiTenancyDocManifestsAreValid(t *testing.T) {
	doc, err := os.ReadFile("../../docs/multi-tenancy.md")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, m := range regexp.MustCompile("(?s)```yaml\n(.*?)```").FindAllStringSubmatch(string(doc), -1) {
		if !strings.HasPrefix(m[1], "apiVersion:") {
			continue
		}
		obj := object(t, m[1])
		obj.SetName("doc-" + obj.GetName())
		if obj.GetNamespace() != "" {
			obj.SetNamespace("default")
		}
		if err := env.Client.Create(context.Background(), obj); err != nil {
			t.Errorf("the doc's %s %s is refused: %v", obj.GetKind(), obj.GetName(), err)
		}
		n++
	}
	if n < 2 {
		t.Fatalf("found %d manifests in the doc", n)
	}
}
