package metrics

import (
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// scrapeAs asks h for /metrics with the given Accept-Encoding.
func scrapeAs(t *testing.T, h http.Handler, encoding string) *http.Response {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited")
	if encoding != "" {
		req.Header.Set("Accept-Encoding", encoding)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Result()
}

// TestScrapeJoinsTheRegistryAndTheCache: one answer holds the registry's
// metrics and the collector's, as text even when the scraper prefers
// protobuf, and compressed when it accepts gzip.
func TestScrapeJoinsTheRegistryAndTheCache(t *testing.T) {
	o := oauthClient("billing", "1", func(o *v1alpha1.OAuthClient) {
		o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady)
	})
	reg := prometheus.NewRegistry()
	up := prometheus.NewGauge(prometheus.GaugeOpts{Name: "registry_gauge", Help: "From the registry."})
	up.Set(7)
	reg.MustRegister(up)
	h := newCollector(t, o).Handler(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))

	for _, encoding := range []string{"", "gzip", "deflate, gzip;q=0.5"} {
		resp := scrapeAs(t, h, encoding)
		var body io.Reader = resp.Body
		if encoding != "" {
			if got := resp.Header.Get("Content-Encoding"); got != "gzip" {
				t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want gzip", encoding, got)
			}
			zr, err := gzip.NewReader(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			body = zr
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Errorf("Content-Type %q, want text/plain", resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"registry_gauge 7\n", `oauthclient_ready_status{condition="True",name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 1` + "\n"} {
			if !strings.Contains(text, want) {
				t.Errorf("Accept-Encoding %q: the answer lacks %q:\n%s", encoding, want, text)
			}
		}
	}
}

// TestLabelValuesAreEscaped: a reason with a quote, a backslash or a
// newline cannot break the text format.
func TestLabelValuesAreEscaped(t *testing.T) {
	o := oauthClient("odd", "1", func(o *v1alpha1.OAuthClient) {
		o.Status.Conditions = ready(metav1.ConditionFalse, "Bad\"Reason\\\nHere")
	})
	families, err := newCollector(t, o).Gatherer(prometheus.NewRegistry()).Gather()
	if err != nil {
		t.Fatal(err)
	}
	v, ok := "", false
	for _, f := range families {
		if f.GetName() == "oauthclient_ready_reason" {
			for _, l := range f.GetMetric()[0].GetLabel() {
				if l.GetName() == "reason" {
					v, ok = l.GetValue(), true
				}
			}
		}
	}
	if !ok || v != "Bad\"Reason\\\nHere" {
		t.Errorf("reason label %q (found %v), want it back as written", v, ok)
	}
}

type failing struct{ *lists }

func (failing) OAuthClients(context.Context) ([]*v1alpha1.OAuthClient, error) {
	return nil, errors.New("cache not synced")
}

// TestScrapeFailsWhenTheCacheCannotBeRead: Prometheus sees the target down
// with the cause, not an empty answer.
func TestScrapeFailsWhenTheCacheCannotBeRead(t *testing.T) {
	h := NewCollector(failing{&lists{}}).Handler(promhttp.HandlerFor(prometheus.NewRegistry(), promhttp.HandlerOpts{}))
	resp := scrapeAs(t, h, "")
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusInternalServerError || !strings.Contains(string(b), "cache not synced") {
		t.Errorf("HTTP %d %q, want 500 naming the cause", resp.StatusCode, b)
	}
}

// BenchmarkScrape10000: what one scrape of 10,000 clients allocates, all
// of it garbage once the answer is written (-benchmem's B/op).
func BenchmarkScrape10000(b *testing.B) {
	l := &lists{}
	for i := range 10000 {
		o := oauthClient(fmt.Sprintf("client-%05d", i), strconv.Itoa(i), func(o *v1alpha1.OAuthClient) {
			o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady)
			o.Status.SecretVersion = 1
			o.Status.LastRotationTime = at(now)
			o.Status.NextRotationTime = at(now.Add(time.Hour))
		})
		l.clients = append(l.clients, o)
		l.secrets = append(l.secrets, DeliveredOf(delivered(o, map[string]string{v1alpha1.AnnotationIssuedAt: "2026-12-01T11:00:00Z"})))
	}
	c := NewCollector(l)
	b.ReportAllocs()
	for b.Loop() {
		if err := c.WriteText(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}
