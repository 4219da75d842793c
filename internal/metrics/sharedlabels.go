package metrics

import (
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// A scrape sends several series for each OAuthClient, and the registry
// holds all of them until the answer is written: at 10,000 clients, 60,000
// series. Made with prometheus.MustNewConstMetric, each series carries its
// own copy of its object's labels (about 500 bytes a series, 30 MiB a
// scrape at that size, on top of the live heap). Here the label pairs of an
// object are made once per scrape and shared by all its series, and those
// of a condition status once per process.

// pairs are one object's label pairs, sorted by name as the exposition
// format lists them. They are shared: nobody may change them.
type pairs []*dto.LabelPair

// labelPairs pairs names with values.
func labelPairs(names, values []string) pairs {
	out := make(pairs, len(names))
	for i := range names {
		out[i] = &dto.LabelPair{Name: &names[i], Value: &values[i]}
	}
	slices.SortFunc(out, byName)
	return out
}

// with is p and one more pair, as a new slice.
func (p pairs) with(pair *dto.LabelPair) pairs {
	out := make(pairs, 0, len(p)+1)
	out = append(out, p...)
	i, _ := slices.BinarySearchFunc(out, pair, byName)
	return slices.Insert(out, i, pair)
}

func byName(a, b *dto.LabelPair) int { return strings.Compare(a.GetName(), b.GetName()) }

// pair is one label pair.
func pair(name, value string) *dto.LabelPair { return &dto.LabelPair{Name: &name, Value: &value} }

// sharedGauge is a gauge series whose label pairs are shared.
type sharedGauge struct {
	desc   *prometheus.Desc
	value  float64
	labels pairs
}

func (g *sharedGauge) Desc() *prometheus.Desc { return g.desc }

func (g *sharedGauge) Write(out *dto.Metric) error {
	out.Label = g.labels
	out.Gauge = &dto.Gauge{Value: &g.value}
	return nil
}
