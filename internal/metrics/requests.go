package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The requests to each authorization server's APIs (discovery, management
// logins, registration and management), by outcome, and their latency:
// counted by the transport Instrument puts under each server's HTTP client.
var (
	requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "oauthclient_server_requests_total",
		Help: "Requests to the authorization server by outcome: 2xx, 3xx, 4xx, 429 (throttled), 5xx, or error (no answer).",
	}, []string{"kind", "namespace", "name", "outcome"})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "oauthclient_server_request_duration_seconds",
		Help:    "How long requests to the authorization server took, until the answer's headers.",
		Buckets: []float64{0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30},
	}, []string{"kind", "namespace", "name"})
)

// vecs are the metrics kept between scrapes, in a registry (Register).
var vecs = []prometheus.Collector{requests, requestDuration, rotations, leaked}

// Register registers the metrics kept between scrapes with reg (the
// manager's registry, whose handler Collector.Handler wraps).
func Register(reg prometheus.Registerer) { reg.MustRegister(vecs...) }

// vecNames are their names, for Names.
var vecNames = []string{"oauthclient_server_requests_total", "oauthclient_server_request_duration_seconds", "oauthclient_rotations_total", "oauthclient_leaked_clients"}

// Instrument returns hc with a transport that counts and times each request
// to the server kind namespace/name. It records no URL, header or body.
func Instrument(hc *http.Client, kind, namespace, name string) *http.Client {
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	out := *hc
	out.Transport = &instrumented{
		base:     base,
		duration: requestDuration.WithLabelValues(kind, namespace, name),
		outcome: func(o string) prometheus.Counter {
			return requests.WithLabelValues(kind, namespace, name, o)
		},
	}
	return &out
}

type instrumented struct {
	base     http.RoundTripper
	duration prometheus.Observer
	outcome  func(string) prometheus.Counter
}

func (t *instrumented) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	resp, err := t.base.RoundTrip(req)
	t.duration.Observe(time.Since(start).Seconds())
	t.outcome(outcomeOf(resp, err)).Inc()
	return resp, err
}

func outcomeOf(resp *http.Response, err error) string {
	switch {
	case err != nil || resp == nil:
		return "error"
	case resp.StatusCode == http.StatusTooManyRequests:
		return "429"
	}
	return strconv.Itoa(resp.StatusCode/100) + "xx"
}
