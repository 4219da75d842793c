package chart_test

import (
	"os"
	"strings"
	"testing"
)

// TestChartMonitoring: the PrometheusRule and the dashboard are off by
// default; on, they carry config/monitoring's alerts and dashboard, the
// expiry window and the labels from values.
func TestChartMonitoring(t *testing.T) {
	chrt := loadChart(t)
	for _, o := range render(t, chrt, readValues(t, "values.yaml")) {
		if o.GetKind() == "PrometheusRule" || o.GetKind() == "ConfigMap" {
			t.Errorf("default values render %s %s", o.GetKind(), o.GetName())
		}
	}

	dashboard, err := os.ReadFile("../../config/monitoring/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var rules, dashboards int
	for _, o := range render(t, chrt, readValues(t, "testdata/full-values.yaml")) {
		switch o.GetKind() {
		case "PrometheusRule":
			rules++
			if o.GetLabels()["release"] != "prometheus" {
				t.Errorf("PrometheusRule labels %v lack prometheusRule.labels", o.GetLabels())
			}
			groups, _ := o.Object["spec"].(map[string]any)["groups"].([]any)
			alerts := map[string]map[string]any{}
			for _, g := range groups {
				for _, r := range g.(map[string]any)["rules"].([]any) {
					rule := r.(map[string]any)
					alerts[rule["alert"].(string)] = rule
				}
			}
			if len(alerts) != 8 {
				t.Errorf("%d alerts, want the 8 of config/monitoring", len(alerts))
			}
			for name, r := range alerts {
				labels := r["labels"].(map[string]any)
				if labels["team"] != "platform" || labels["severity"] == nil {
					t.Errorf("alert %s labels %v: want ruleLabels added to its own", name, labels)
				}
			}
			expiring := alerts["OAuthClientSecretExpiringSoon"]["expr"].(string)
			if !strings.HasSuffix(expiring, "- time() < 86400") {
				t.Errorf("expiry alert %q does not use expiryWindowSeconds 86400", expiring)
			}
		case "ConfigMap":
			dashboards++
			if o.GetNamespace() != "team-a" || o.GetLabels()["grafana_dashboard"] != "1" {
				t.Errorf("dashboard ConfigMap in %q with labels %v", o.GetNamespace(), o.GetLabels())
			}
			data := o.Object["data"].(map[string]any)["oauth-client-operator.json"].(string)
			if strings.TrimSpace(data) != strings.TrimSpace(string(dashboard)) {
				t.Error("the dashboard ConfigMap does not hold config/monitoring/grafana-dashboard.json")
			}
		}
	}
	if rules != 1 || dashboards != 1 {
		t.Errorf("full values render %d PrometheusRules and %d dashboards, want 1 each", rules, dashboards)
	}
}
