package oauthclient

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/fromcache"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// rotations is the value of oauthclient_rotations_total for e's client and
// result, as a scrape would show it.
func rotations(t *testing.T, e *env, result string) float64 {
	t.Helper()
	reg := prometheus.NewRegistry()
	metrics.Register(reg)
	families, err := metrics.NewCollector(fromcache.Reader(e.api)).Gatherer(reg).Gather()
	if err != nil {
		t.Fatal(err)
	}
	var sum float64
	for _, f := range families {
		if f.GetName() != "oauthclient_rotations_total" {
			continue
		}
		for _, m := range f.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["namespace"] == e.key.Namespace && labels["name"] == e.key.Name && labels["result"] == result {
				sum += m.GetCounter().GetValue()
			}
		}
	}
	return sum
}

func TestRotationsAreCountedByResult(t *testing.T) {
	e := newEnv(t, config{
		caps: provider.Capabilities{RegenerateSecret: true},
		edit: withRotation(v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyRegenerate}),
	})
	t.Cleanup(func() { metrics.Forget(e.key.Namespace, e.key.Name) })
	e.registered()
	e.srv.fail("RotateSecret", provider.Errorf(provider.KindTransient, "HTTP 503"))
	e.requestRotation("one")
	if _, err := e.reconcile(); err == nil {
		t.Fatal("the rotation at a failing server did not fail")
	}
	e.srv.fail("RotateSecret", nil)
	e.ok()
	if got := rotations(t, e, metrics.RotationFailed); got != 1 {
		t.Errorf("failed rotations %v, want 1", got)
	}
	if got := rotations(t, e, metrics.RotationSucceeded); got != 1 {
		t.Errorf("succeeded rotations %v, want 1", got)
	}
}
