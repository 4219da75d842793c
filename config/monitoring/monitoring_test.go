package monitoring_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	_ "sigs.k8s.io/controller-runtime/pkg/controller" // registers the reconcile metrics
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

// The alerts and the dashboard here (the chart's copies are proven equal to
// them by the chart's tests) use only metrics the manager exposes:
// internal/metrics' and controller-runtime's. These tests live beside the
// files they check, not in internal/metrics, because reading
// controller-runtime's registry links all of client-go into the test binary.

const monitoring = "./"

// exposed is every metric name the manager's registry can serve.
func exposed(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, n := range metrics.Names() {
		names[n] = true
	}
	reg, ok := ctrlmetrics.Registry.(prometheus.Collector)
	if !ok {
		t.Fatal("controller-runtime's registry cannot describe itself")
	}
	ch := make(chan *prometheus.Desc)
	go func() { reg.Describe(ch); close(ch) }()
	fqName := regexp.MustCompile(`fqName: "([^"]+)"`)
	for d := range ch {
		if m := fqName.FindStringSubmatch(d.String()); m != nil {
			names[m[1]] = true
		}
	}
	return names
}

// metricName matches a metric name in PromQL: a name followed by a label
// matcher, a range or a closing parenthesis, as every use here is written.
var metricName = regexp.MustCompile(`\b([a-z_]+_[a-z_]+)\s*(\{|\[|\))`)

// grouping matches a by or without clause, whose label names (server_name)
// the pattern above would take for metrics.
var grouping = regexp.MustCompile(`\b(by|without)\s*\([^)]*\)`)

// promQLFunctions are names the pattern above also matches.
var promQLFunctions = []string{"histogram_quantile", "label_values"}

func checkExpr(t *testing.T, where, expr string, names map[string]bool) {
	t.Helper()
	for _, p := range problems(expr, names) {
		t.Errorf("%s %s", where, p)
	}
}

// problems lists the metrics expr uses that names lacks, or says it uses none.
func problems(expr string, names map[string]bool) []string {
	var out []string
	found := 0
	for _, m := range metricName.FindAllStringSubmatch(grouping.ReplaceAllString(expr, ""), -1) {
		name := m[1]
		if slices.Contains(promQLFunctions, name) {
			continue
		}
		found++
		base := name
		for _, suffix := range []string{"_bucket", "_sum", "_count"} {
			if !names[base] {
				base = strings.TrimSuffix(base, suffix)
			}
		}
		if !names[base] {
			out = append(out, "uses "+name+", which the manager does not expose")
		}
	}
	if found == 0 {
		out = append(out, "uses no metric: "+expr)
	}
	return out
}

type rule struct {
	Alert       string            `json:"alert"`
	Expr        string            `json:"expr"`
	For         string            `json:"for"`
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func TestAlertsUseOnlyExposedMetrics(t *testing.T) {
	b, err := os.ReadFile(monitoring + "prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Metadata   struct {
			Name   string            `json:"name"`
			Labels map[string]string `json:"labels"`
		} `json:"metadata"`
		Spec struct {
			Groups []struct {
				Name  string `json:"name"`
				Rules []rule `json:"rules"`
			} `json:"groups"`
		} `json:"spec"`
	}
	if err := yaml.UnmarshalStrict(b, &pr); err != nil {
		t.Fatalf("prometheusrule.yaml: %v", err)
	}
	if pr.Kind != "PrometheusRule" || pr.APIVersion != "monitoring.coreos.com/v1" {
		t.Errorf("kind %s/%s, want monitoring.coreos.com/v1 PrometheusRule", pr.APIVersion, pr.Kind)
	}
	names := exposed(t)
	var alerts []string
	for _, g := range pr.Spec.Groups {
		for _, r := range g.Rules {
			alerts = append(alerts, r.Alert)
			checkExpr(t, "alert "+r.Alert, r.Expr, names)
			if r.For == "" || r.Labels["severity"] == "" || r.Annotations["summary"] == "" || r.Annotations["description"] == "" {
				t.Errorf("alert %s lacks for, a severity, a summary or a description", r.Alert)
			}
		}
	}
	// The alerts the operations guide documents.
	for _, want := range []string{
		"OAuthClientNotReady", "OAuthClientRotationOverdue", "OAuthClientSecretExpiringSoon",
		"OAuthServerNotReady", "OAuthClientManagementAPIErrors", "OAuthServerRequestsFailing", "OAuthClientsLeaked", "OAuthClientOperatorReconcileErrors",
	} {
		if !slices.Contains(alerts, want) {
			t.Errorf("no alert %s", want)
		}
	}
}

type panel struct {
	Title   string `json:"title"`
	Targets []struct {
		Expr string `json:"expr"`
	} `json:"targets"`
}

func TestDashboardUsesOnlyExposedMetrics(t *testing.T) {
	b, err := os.ReadFile(monitoring + "grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		UID        string  `json:"uid"`
		Panels     []panel `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(b, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json is not JSON: %v", err)
	}
	if dash.UID == "" || len(dash.Panels) == 0 {
		t.Fatal("the dashboard has no uid or no panels")
	}
	names := exposed(t)
	for _, p := range dash.Panels {
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, q := range p.Targets {
			checkExpr(t, "panel "+p.Title, q.Expr, names)
		}
	}
	for _, v := range dash.Templating.List {
		if v.Definition != "" {
			checkExpr(t, "variable "+v.Name, strings.ReplaceAll(v.Definition, ",", ")"), names)
		}
	}
}

// TestCheckExprCatchesAnUnknownMetric: the check itself is not vacuous.
func TestCheckExprCatchesAnUnknownMetric(t *testing.T) {
	names := exposed(t)
	if p := problems(`max(oauthclient_secret_expiry_seconds{namespace="a"})`, names); len(p) != 1 {
		t.Errorf("an unknown metric: problems %q, want one", p)
	}
	if p := problems(`max by (server_kind, server_name) (oauthclient_leaked_clients)`, names); len(p) != 0 {
		t.Errorf("labels in a by clause: problems %q, want none", p)
	}
	if p := problems(`rate(controller_runtime_reconcile_time_seconds_bucket[5m])`, names); len(p) != 0 {
		t.Errorf("a histogram's buckets: problems %q, want none", p)
	}
}

// TestPromtool runs `promtool check rules` and `promtool test rules`
// (config/monitoring/prometheusrule_test.yaml) on the alerts. PROMTOOL names
// the binary; make test builds it from the Go module proxy and sets it.
func TestPromtool(t *testing.T) {
	promtool := os.Getenv("PROMTOOL")
	if promtool == "" {
		t.Skip("PROMTOOL is not set (make test builds it with make promtool and sets it)")
	}
	b, err := os.ReadFile(monitoring + "prometheusrule.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var pr struct {
		Spec json.RawMessage `json:"spec"`
	}
	if err := yaml.Unmarshal(b, &pr); err != nil {
		t.Fatal(err)
	}
	rules, err := yaml.JSONToYAML(pr.Spec)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tests, err := os.ReadFile(monitoring + "prometheusrule_test.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"rules.yaml": rules, "prometheusrule_test.yaml": tests} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"check", "rules", "rules.yaml"}, {"test", "rules", "prometheusrule_test.yaml"}} {
		cmd := exec.CommandContext(t.Context(), promtool, args...) //nolint:gosec // G204: the promtool make test built
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
