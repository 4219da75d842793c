package metrics

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// scrape is every series of reg as a line: name{label="value",...} value.
func scrape(t testing.TB, reg *prometheus.Registry) string {
	t.Helper()
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, f := range fams {
		for _, m := range f.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, fmt.Sprintf("%s=%q", l.GetName(), l.GetValue()))
			}
			fmt.Fprintf(&b, "%s{%s} %g\n", f.GetName(), strings.Join(labels, ","), m.GetGauge().GetValue())
		}
	}
	return b.String()
}

func fleet(n int) []k8sruntime.Object {
	objs := make([]k8sruntime.Object, 0, n)
	for i := range n {
		objs = append(objs, oauthClient(fmt.Sprintf("c-%05d", i), fmt.Sprint(i), func(o *v1alpha1.OAuthClient) {
			o.Status.Conditions = ready(metav1.ConditionFalse, v1alpha1.ReasonRateLimited)
			o.Status.SecretVersion = 1
		}))
	}
	return objs
}

// Series share their object's label pairs: scraping twice gives the same
// text, with every series' labels in name order.
func TestSharedLabelsStayAsTheyWere(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(t, fleet(3)...))
	first := scrape(t, reg)
	if second := scrape(t, reg); second != first {
		t.Fatalf("second scrape differs:\n%s\nfirst:\n%s", second, first)
	}
	for line := range strings.SplitSeq(first, "\n") {
		open, end := strings.IndexByte(line, '{'), strings.IndexByte(line, '}')
		if strings.HasPrefix(line, "#") || open < 0 || end < open {
			continue
		}
		var names []string
		for kv := range strings.SplitSeq(line[open+1:end], ",") {
			names = append(names, strings.SplitN(kv, "=", 2)[0])
		}
		if !slices.IsSorted(names) {
			t.Errorf("labels out of order: %s", line)
		}
	}
	if want := `oauthclient_ready_status{condition="False",name="c-00001",namespace="team-a",server="corp",server_kind="AuthServer"} 1`; !strings.Contains(first, want) {
		t.Errorf("no line %s in\n%s", want, first)
	}
}

// BenchmarkScrape10000Clients reports what the registry holds for one
// scrape of 10,000 OAuthClients until it is answered (held-MiB).
func BenchmarkScrape10000Clients(b *testing.B) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(newCollector(b, fleet(10000)...))
	var held float64
	for b.Loop() {
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		fams, err := reg.Gather()
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		held = float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20)
		runtime.KeepAlive(fams)
	}
	b.ReportMetric(held, "held-MiB")
}
