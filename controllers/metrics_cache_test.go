package controllers_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/controller-runtime/pkg/cache"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/fromcache"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

// The manager scrapes its cache: the informers' own objects, delivered
// Secrets in their cached form. That scrape shows what one of the API
// server shows, with the cache over the whole cluster and with one
// restricted to some namespaces (--namespaces), whose informers are read
// through a List.
func TestScrapeOfTheCacheShowsWhatTheAPIServerHas(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "cached-metrics", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(time.Hour, time.Second)})
	waitVersion(t, ns, "cached-metrics", 1)

	for name, namespaces := range map[string]map[string]cache.Config{"whole cluster": nil, "--namespaces": {ns: {}}} {
		opts := controllers.CacheOptions()
		opts.Scheme, opts.DefaultNamespaces = env.Scheme, namespaces
		c, err := cache.New(env.Config, opts)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		t.Cleanup(cancel)
		go func() { _ = c.Start(ctx) }()
		if !c.WaitForCacheSync(ctx) {
			t.Fatalf("%s: the cache did not sync", name)
		}
		waitFor(t, name+": the cache's scrape to show what the API server has", func() (bool, string) {
			fromCache, fromAPI := seriesOf(t, fromcache.Reader(c), ns), seriesOf(t, fromcache.Reader(k8s), ns)
			if len(fromAPI) < 6 || !slices.Equal(fromCache, fromAPI) {
				return false, fmt.Sprintf("cache:\n%s\nAPI server:\n%s", strings.Join(fromCache, "\n"), strings.Join(fromAPI, "\n"))
			}
			return true, ""
		})
	}
}

// seriesOf is every oauthclient_* series of namespace ns that a scrape
// through r shows, one line each, sorted.
func seriesOf(t *testing.T, r metrics.Reader, ns string) []string {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	metrics.Register(reg)
	families, err := metrics.NewCollector(r).Gatherer(reg).Gather()
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	var out []string
	for _, f := range families {
		if !strings.HasPrefix(f.GetName(), "oauthclient_") {
			continue
		}
		for _, m := range f.GetMetric() {
			if labelValue(m, "namespace") == ns {
				out = append(out, fmt.Sprintf("%s%v %v", f.GetName(), m.GetLabel(), m.GetGauge().GetValue()))
			}
		}
	}
	slices.Sort(out)
	return out
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}
