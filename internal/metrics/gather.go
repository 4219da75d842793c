package metrics

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Gatherer is what a scrape of Handler over reg answers, parsed back into
// families, with the checks a registry makes (no series twice, labels
// well formed). The manager serves Handler; this is for tests and tools
// that want families rather than text.
func (c *Collector) Gatherer(reg prometheus.Gatherer) prometheus.Gatherer {
	parsed := prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		rec := httptest.NewRecorder()
		c.Handler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})).
			ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
		if rec.Code != http.StatusOK {
			return nil, fmt.Errorf("scrape: HTTP %d: %s", rec.Code, rec.Body.String())
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		byName, err := p.TextToMetricFamilies(rec.Body)
		if err != nil {
			return nil, err
		}
		out := make([]*dto.MetricFamily, 0, len(byName))
		for _, f := range byName {
			out = append(out, f)
		}
		return out, nil
	})
	return prometheus.Gatherers{parsed}
}
