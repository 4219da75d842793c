// Tests of the Helm chart, with Helm's own loader, schema validation,
// template engine and linter (helm.sh/helm/v3 as a library):
//
//   - the chart ships the same CRDs and RBAC rules as config/ (its copies
//     under files/ are byte-for-byte config's, and what it renders equals
//     them), and config/manager's image tag is the chart's appVersion;
//   - it lints and renders with several values files, and the schema
//     refuses wrong values naming the key;
//   - every object it renders is accepted by a real API server (envtest,
//     server-side apply, which refuses fields the schema lacks; dry run).
//
// After `make manifests` changed config/, refresh the copies with
//
//	go test ./charts/oauth-client-operator -run TestChartFilesAreConfigs -update
package chart_test

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/engine"
	"helm.sh/helm/v3/pkg/lint"
	"helm.sh/helm/v3/pkg/lint/support"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"
)

var update = flag.Bool("update", false, "copy config/crd/bases and config/rbac into the chart's files/")

const (
	root        = "../.."
	releaseName = "oauth-client-operator"
	releaseNS   = "oauth-client-operator-system"
)

// copies are the chart's files that repeat config/: chart path -> config path.
func copies(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{
		"files/rbac/role.yaml":                    "config/rbac/role.yaml",
		"files/rbac/leader_election_role.yaml":    "config/rbac/leader_election_role.yaml",
		"files/monitoring/prometheusrule.yaml":    "config/monitoring/prometheusrule.yaml",
		"files/monitoring/grafana-dashboard.json": "config/monitoring/grafana-dashboard.json",
	}
	crds, err := filepath.Glob(filepath.Join(root, "config/crd/bases/*.yaml"))
	if err != nil || len(crds) == 0 {
		t.Fatalf("no CRDs in config/crd/bases (%v)", err)
	}
	for _, c := range crds {
		m["files/crds/"+filepath.Base(c)] = filepath.Join("config/crd/bases", filepath.Base(c))
	}
	return m
}

func TestChartFilesAreConfigs(t *testing.T) {
	want := copies(t)
	if *update {
		_ = os.RemoveAll("files/crds")
		if err := os.MkdirAll("files/crds", 0o755); err != nil { //nolint:gosec // G301: a directory of the chart in the repository, mode as git checks it out
			t.Fatal(err)
		}
		for dst, src := range want {
			data, err := os.ReadFile(filepath.Join(root, src)) //nolint:gosec // G304: config/ files of the repository, named by the test
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dst, data, 0o644); err != nil { //nolint:gosec // G306: a file of the chart in the repository, mode as git checks it out
				t.Fatal(err)
			}
		}
	}
	have, _ := filepath.Glob("files/crds/*.yaml")
	for _, h := range have {
		if _, ok := want[h]; !ok {
			t.Errorf("%s is not in config/crd/bases; run: go test ./charts/oauth-client-operator -run TestChartFilesAreConfigs -update", h)
		}
	}
	for dst, src := range want {
		got, err := os.ReadFile(dst) //nolint:gosec // G304: the chart's own files, named by the test
		if err != nil {
			t.Errorf("%s: %v; run: go test ./charts/oauth-client-operator -run TestChartFilesAreConfigs -update", dst, err)
			continue
		}
		exp, err := os.ReadFile(filepath.Join(root, src)) //nolint:gosec // G304: config/ files of the repository, named by the test
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, exp) {
			t.Errorf("charts/oauth-client-operator/%s differs from %s; run: go test ./charts/oauth-client-operator -run TestChartFilesAreConfigs -update", dst, src)
		}
	}
}

func TestChartAppVersionIsConfigImageTag(t *testing.T) {
	chrt := loadChart(t)
	var kust struct {
		Images []struct {
			Name    string `json:"name"`
			NewName string `json:"newName"`
			NewTag  string `json:"newTag"`
		} `json:"images"`
	}
	readYAML(t, filepath.Join(root, "config/manager/kustomization.yaml"), &kust)
	if len(kust.Images) != 1 {
		t.Fatalf("config/manager/kustomization.yaml: %d images entries, want 1", len(kust.Images))
	}
	img := kust.Images[0]
	if img.NewTag != chrt.Metadata.AppVersion {
		t.Errorf("config/manager image tag %q, chart appVersion %q: they are the one operator version", img.NewTag, chrt.Metadata.AppVersion)
	}
	vals := renderValues(t, chrt, nil)
	repo := vals["Values"].(chartutil.Values)["image"].(map[string]any)["repository"]
	if img.NewName != repo {
		t.Errorf("config/manager image %q, chart image.repository %q", img.NewName, repo)
	}
}

// TestChartRendersConfigCRDsAndRBAC compares what the chart renders with
// what config/ holds, object by object.
func TestChartRendersConfigCRDsAndRBAC(t *testing.T) {
	objs := render(t, loadChart(t), nil)

	// CRDs: equal to config/crd/bases but for the chart's labels and the
	// keep annotation.
	var crds int
	for _, o := range objs {
		if o.GetKind() != "CustomResourceDefinition" {
			continue
		}
		crds++
		if o.GetAnnotations()["helm.sh/resource-policy"] != "keep" {
			t.Errorf("CRD %s lacks helm.sh/resource-policy: keep (crds.keep defaults to true)", o.GetName())
		}
		got := o.DeepCopy()
		unstructured.RemoveNestedField(got.Object, "metadata", "labels")
		ann := got.GetAnnotations()
		delete(ann, "helm.sh/resource-policy")
		got.SetAnnotations(ann)
		want := readObject(t, filepath.Join(root, "config/crd/bases", "oauth.clientoperator.io_"+strings.SplitN(o.GetName(), ".", 2)[0]+".yaml"))
		if !reflect.DeepEqual(normalize(t, got.Object), normalize(t, want.Object)) {
			t.Errorf("CRD %s renders differently from config/crd/bases", o.GetName())
		}
	}
	configCRDs, _ := filepath.Glob(filepath.Join(root, "config/crd/bases/*.yaml"))
	if crds != len(configCRDs) {
		t.Errorf("chart renders %d CRDs, config/crd/bases holds %d", crds, len(configCRDs))
	}

	var sa corev1.ServiceAccount
	var dep appsv1.Deployment
	roles := map[string][]rbacv1.PolicyRule{}
	var bindings []struct {
		kind     string
		roleRef  rbacv1.RoleRef
		subjects []rbacv1.Subject
	}
	for _, o := range objs {
		switch o.GetKind() {
		case "ServiceAccount":
			convert(t, o, &sa)
		case "Deployment":
			convert(t, o, &dep)
		case "ClusterRole", "Role":
			var r rbacv1.ClusterRole
			convert(t, o, &r)
			roles[o.GetKind()+"/"+o.GetName()] = r.Rules
		case "ClusterRoleBinding", "RoleBinding":
			var b rbacv1.RoleBinding
			convert(t, o, &b)
			bindings = append(bindings, struct {
				kind     string
				roleRef  rbacv1.RoleRef
				subjects []rbacv1.Subject
			}{o.GetKind(), b.RoleRef, b.Subjects})
		}
	}
	if dep.Spec.Template.Spec.ServiceAccountName != sa.Name || sa.Name == "" {
		t.Fatalf("the Deployment runs as %q, the chart creates ServiceAccount %q", dep.Spec.Template.Spec.ServiceAccountName, sa.Name)
	}

	// Each of config's roles is rendered with the same rules and bound to
	// the manager's ServiceAccount (ClusterRole cluster-wide, Role in the
	// release namespace).
	for _, c := range []struct{ file, kind string }{
		{"config/rbac/role.yaml", "ClusterRole"},
		{"config/rbac/leader_election_role.yaml", "Role"},
	} {
		var want rbacv1.ClusterRole
		readYAML(t, filepath.Join(root, c.file), &want)
		var found string
		for key, rules := range roles {
			if strings.HasPrefix(key, c.kind+"/") && reflect.DeepEqual(expand(rules), expand(want.Rules)) {
				found = strings.TrimPrefix(key, c.kind+"/")
			}
		}
		if found == "" {
			t.Errorf("no rendered %s has the rules of %s", c.kind, c.file)
			continue
		}
		bound := false
		for _, b := range bindings {
			if b.roleRef.Kind == c.kind && b.roleRef.Name == found && b.kind == c.kind+"Binding" &&
				slices.ContainsFunc(b.subjects, func(s rbacv1.Subject) bool {
					return s.Kind == "ServiceAccount" && s.Name == sa.Name && s.Namespace == releaseNS
				}) {
				bound = true
			}
		}
		if !bound {
			t.Errorf("%s %s (the rules of %s) is not bound to ServiceAccount %s/%s", c.kind, found, c.file, releaseNS, sa.Name)
		}
	}

	// The Deployment as config/manager's: replicas, leader election, the
	// restricted security settings, resources, Go runtime settings.
	var configDep appsv1.Deployment
	for _, o := range readObjects(t, filepath.Join(root, "config/manager/manager.yaml")) {
		if o.GetKind() == "Deployment" {
			convert(t, o, &configDep)
		}
	}
	gotPod, wantPod := dep.Spec.Template.Spec, configDep.Spec.Template.Spec
	if *dep.Spec.Replicas != *configDep.Spec.Replicas {
		t.Errorf("replicas %d, config/manager %d", *dep.Spec.Replicas, *configDep.Spec.Replicas)
	}
	if !reflect.DeepEqual(gotPod.SecurityContext, wantPod.SecurityContext) {
		t.Errorf("pod securityContext %+v, config/manager %+v", gotPod.SecurityContext, wantPod.SecurityContext)
	}
	gc, wc := gotPod.Containers[0], wantPod.Containers[0]
	if !reflect.DeepEqual(gc.SecurityContext, wc.SecurityContext) {
		t.Errorf("container securityContext %+v, config/manager %+v", gc.SecurityContext, wc.SecurityContext)
	}
	if !reflect.DeepEqual(gc.Resources, wc.Resources) {
		t.Errorf("resources %+v, config/manager %+v", gc.Resources, wc.Resources)
	}
	if gc.ImagePullPolicy != wc.ImagePullPolicy {
		t.Errorf("imagePullPolicy %q, config/manager %q", gc.ImagePullPolicy, wc.ImagePullPolicy)
	}
	for _, e := range wc.Env {
		i := slices.IndexFunc(gc.Env, func(g corev1.EnvVar) bool { return g.Name == e.Name })
		if i < 0 || !reflect.DeepEqual(gc.Env[i], e) {
			t.Errorf("env %s: config/manager has %+v, the chart does not", e.Name, e)
		}
	}
	for _, a := range wc.Args {
		if !slices.Contains(gc.Args, a) {
			t.Errorf("config/manager passes %s, the chart does not (args %v)", a, gc.Args)
		}
	}
}

// TestChartValuesFiles lints and renders the chart with each values file.
func TestChartValuesFiles(t *testing.T) {
	chrt := loadChart(t)
	for _, file := range valuesFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			vals := readValues(t, file)
			linter := lint.AllWithKubeVersion(".", vals, releaseNS, nil)
			for _, m := range linter.Messages {
				if m.Severity > support.InfoSev {
					t.Errorf("helm lint: %s", m)
				}
			}
			objs := render(t, chrt, vals)
			if len(objs) == 0 {
				t.Fatal("nothing rendered")
			}
		})
	}

	t.Run("minimal", func(t *testing.T) {
		objs := render(t, chrt, readValues(t, "testdata/minimal-values.yaml"))
		kinds := map[string]int{}
		for _, o := range objs {
			kinds[o.GetKind()]++
		}
		if len(kinds) != 1 || kinds["Deployment"] != 1 {
			t.Errorf("with CRDs, RBAC and the ServiceAccount off, want only the Deployment, got %v", kinds)
		}
	})
	t.Run("full", func(t *testing.T) {
		objs := render(t, chrt, readValues(t, "testdata/full-values.yaml"))
		var dep appsv1.Deployment
		for _, o := range objs {
			if o.GetKind() == "Deployment" {
				convert(t, o, &dep)
			}
		}
		c := dep.Spec.Template.Spec.Containers[0]
		want := "registry.example.com/platform/oauth-client-operator@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
		if c.Image != want {
			t.Errorf("image %q, want %q (digest wins over the tag)", c.Image, want)
		}
		for _, a := range []string{"--namespaces=team-a,team-b", "--resync-period=5m", "--leader-election-lease-duration=30s", "--zap-log-level=debug"} {
			if !slices.Contains(c.Args, a) {
				t.Errorf("args %v lack %s", c.Args, a)
			}
		}
	})
	t.Run("no-keep", func(t *testing.T) {
		for _, o := range render(t, chrt, readValues(t, "testdata/no-keep-values.yaml")) {
			if o.GetKind() == "CustomResourceDefinition" && o.GetAnnotations()["helm.sh/resource-policy"] != "" {
				t.Errorf("CRD %s keeps the resource policy with crds.keep false", o.GetName())
			}
		}
	})
}

// TestChartRefusesBadValues: the schema and the templates name what is wrong.
func TestChartRefusesBadValues(t *testing.T) {
	chrt := loadChart(t)
	for _, c := range []struct {
		name, values, want string
	}{
		{"misspelt key", "replicas: 2", "replicas"},
		{"misspelt nested key", "image: {tags: v1}", "tags"},
		{"wrong type", "replicaCount: two", "replicaCount"},
		{"bad pull policy", "image: {pullPolicy: Sometimes}", "pullPolicy"},
		{"bad duration", "leaderElection: {leaseDuration: 15}", "leaseDuration"},
		{"bad digest", "image: {digest: latest}", "digest"},
		{"replicas without leader election", "leaderElection: {enabled: false}", "leaderElection.enabled"},
		{"no ServiceAccount name", "serviceAccount: {create: false}", "serviceAccount.name"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var vals map[string]any
			if err := yaml.Unmarshal([]byte(c.values), &vals); err != nil {
				t.Fatal(err)
			}
			_, err := renderErr(chrt, vals)
			if err == nil {
				t.Fatalf("values %q accepted", c.values)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("values %q: error does not name %q: %v", c.values, c.want, err)
			}
		})
	}
}

// TestChartAppliesToAPIServer server-side applies (dry run) every object
// rendered with each values file to a real API server, which refuses fields
// the schema lacks. Needs KUBEBUILDER_ASSETS (make test sets it).
func TestChartAppliesToAPIServer(t *testing.T) {
	if os.Getenv("KUBEBUILDER_ASSETS") == "" {
		t.Skip("KUBEBUILDER_ASSETS is not set (make test sets it: hack/envtest-assets.sh)")
	}
	env := &envtest.Environment{}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() { _ = env.Stop() })
	c, err := client.New(cfg, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, ns := range []string{releaseNS, "team-a", "team-b"} {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); err != nil {
			t.Fatal(err)
		}
	}
	chrt := loadChart(t)
	for _, file := range valuesFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, o := range render(t, chrt, readValues(t, file)) {
				if o.GroupVersionKind().Group == "monitoring.coreos.com" {
					continue // prometheus-operator's CRDs are not installed here
				}
				if o.GetNamespace() == "" && isNamespaced(o.GetKind()) {
					o.SetNamespace(releaseNS)
				}
				err := c.Apply(ctx, client.ApplyConfigurationFromUnstructured(o),
					client.FieldOwner("chart-test"), client.ForceOwnership, client.DryRunAll)
				if err != nil {
					t.Errorf("%s %s: %v", o.GetKind(), o.GetName(), err)
				}
			}
		})
	}
}

func isNamespaced(kind string) bool {
	switch kind {
	case "CustomResourceDefinition", "ClusterRole", "ClusterRoleBinding", "Namespace":
		return false
	}
	return true
}

func valuesFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*-values.yaml")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*-values.yaml (%v)", err)
	}
	return append([]string{"values.yaml"}, files...)
}

func loadChart(t *testing.T) *chart.Chart {
	t.Helper()
	chrt, err := loader.LoadDir(".")
	if err != nil {
		t.Fatalf("loading the chart: %v", err)
	}
	return chrt
}

func readValues(t *testing.T, file string) map[string]any {
	t.Helper()
	vals, err := chartutil.ReadValuesFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return vals
}

func renderValues(t *testing.T, chrt *chart.Chart, vals map[string]any) chartutil.Values {
	t.Helper()
	v, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: releaseName, Namespace: releaseNS, IsInstall: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// renderErr renders as `helm template` does: values checked against the
// schema, templates executed, NOTES.txt left out.
func renderErr(chrt *chart.Chart, vals map[string]any) (map[string]string, error) {
	v, err := chartutil.ToRenderValues(chrt, vals, chartutil.ReleaseOptions{Name: releaseName, Namespace: releaseNS, IsInstall: true}, nil)
	if err != nil {
		return nil, err
	}
	return engine.Render(chrt, v)
}

func render(t *testing.T, chrt *chart.Chart, vals map[string]any) []*unstructured.Unstructured {
	t.Helper()
	files, err := renderErr(chrt, vals)
	if err != nil {
		t.Fatalf("rendering: %v", err)
	}
	var objs []*unstructured.Unstructured
	for _, name := range slices.Sorted(maps.Keys(files)) {
		if !strings.HasSuffix(name, ".yaml") {
			continue
		}
		docs, err := decode(strings.NewReader(files[name]))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		objs = append(objs, docs...)
	}
	return objs
}

func decode(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var objs []*unstructured.Unstructured
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if errors.Is(err, io.EOF) {
				return objs, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		objs = append(objs, &unstructured.Unstructured{Object: m})
	}
}

func readObjects(t *testing.T, file string) []*unstructured.Unstructured {
	t.Helper()
	f, err := os.Open(file) //nolint:gosec // G304: manifests of the repository, named by the test
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	objs, err := decode(f)
	if err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	return objs
}

func readObject(t *testing.T, file string) *unstructured.Unstructured {
	t.Helper()
	objs := readObjects(t, file)
	if len(objs) != 1 {
		t.Fatalf("%s: %d objects, want 1", file, len(objs))
	}
	return objs[0]
}

func readYAML(t *testing.T, file string, into any) {
	t.Helper()
	data, err := os.ReadFile(file) //nolint:gosec // G304: manifests of the repository, named by the test
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, into); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

func convert(t *testing.T, o *unstructured.Unstructured, into any) {
	t.Helper()
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, into); err != nil {
		t.Fatalf("%s %s: %v", o.GetKind(), o.GetName(), err)
	}
}

// normalize round-trips through JSON so that numbers and empty values
// compare alike whichever decoder read them.
func normalize(t *testing.T, m map[string]any) any {
	t.Helper()
	data, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	if err := yaml.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// expand flattens rules into sorted "group resource verb" triples, so that
// two spellings of the same grant compare equal.
func expand(rules []rbacv1.PolicyRule) []string {
	var out []string
	for _, r := range rules {
		for _, g := range r.APIGroups {
			for _, res := range r.Resources {
				for _, v := range r.Verbs {
					out = append(out, fmt.Sprintf("%s %s %s %v %v", g, res, v, r.ResourceNames, r.NonResourceURLs))
				}
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
