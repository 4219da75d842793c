package metrics

import (
	"bytes"
	"fmt"
	"net/http"

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
		req, err := http.NewRequest(http.MethodGet, "/metrics", nil)
		if err != nil {
			return nil, err
		}
		rec := &recorder{header: http.Header{}}
		c.Handler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.HTTPErrorOnError})).ServeHTTP(rec, req)
		if rec.status != http.StatusOK {
			return nil, fmt.Errorf("scrape: HTTP %d: %s", rec.status, rec.body.String())
		}
		p := expfmt.NewTextParser(model.UTF8Validation)
		byName, err := p.TextToMetricFamilies(&rec.body)
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

// recorder is an http.ResponseWriter that keeps the answer.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(b []byte) (int, error) {
	r.WriteHeader(http.StatusOK)
	return r.body.Write(b)
}
