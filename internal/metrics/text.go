package metrics

import (
	"bufio"
	"context"
	"io"
	"math"
	"strconv"
	"strings"
)

// A scrape at 10,000 clients shows about 80,000 series. Through a
// prometheus.Registry each series is an object, and the registry holds all
// of them, and a copy of each in its own form, until the answer is written:
// about 28 MiB at that size, on top of the live heap, and a third of the
// manager's CPU while clients are applied. So these series are written as
// text, family by family, straight from the cache's objects.

// WriteText writes every OAuthClient and server series in the Prometheus
// text format (version 0.0.4).
func (c *Collector) WriteText(ctx context.Context, w io.Writer) error {
	clients, servers, err := c.read(ctx)
	if err != nil {
		return err
	}
	return writeText(w, clients, servers)
}

// read reads what a scrape shows, within the collector's timeout.
func (c *Collector) read(ctx context.Context) (clients, servers []object, err error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if clients, err = c.clientObjects(ctx); err != nil {
		return nil, nil, err
	}
	servers, err = c.serverObjects(ctx)
	return clients, servers, err
}

func writeText(w io.Writer, clients, servers []object) error {
	t := &textWriter{w: bufio.NewWriterSize(w, 32<<10)}
	t.conditions(clientReady, clientReadyReason, clientLabels, clients)
	for i, m := range clientGauges {
		t.family(m)
		for j := range clients {
			if f := clients[j].figures[i]; f.ok {
				t.series(clientLabels, &clients[j].labels, "", "", f.value)
			}
		}
	}
	t.conditions(serverReady, serverReadyReason, serverLabels, servers)
	return t.w.Flush()
}

// textWriter writes families of gauges. A family's HELP and TYPE lines
// are written with its first series, so a family without any is left out,
// as a registry leaves it out.
type textWriter struct {
	w       *bufio.Writer
	pending metric
	name    string
}

// conditions writes the ready_status family (one series per condition
// status, 1 for the current one) and the reason family of objs.
func (t *textWriter) conditions(status, reason metric, names []string, objs []object) {
	t.family(status)
	for _, s := range conditionStatuses {
		for i := range objs {
			t.series(names, &objs[i].labels, "condition", string(s), boolValue(objs[i].condition == s))
		}
	}
	t.family(reason)
	for i := range objs {
		if objs[i].reason != "" {
			t.series(names, &objs[i].labels, "reason", objs[i].reason, 1)
		}
	}
}

// put writes s. A bufio.Writer keeps its first error and Flush returns it,
// so writeText checks only that.
func (t *textWriter) put(s string) { _, _ = t.w.WriteString(s) }

// family starts the family of m.
func (t *textWriter) family(m metric) { t.pending, t.name = m, m.name }

// series writes one series of the current family: the labels names with
// values, and the label extra when it is set, in name order.
func (t *textWriter) series(names []string, values *[4]string, extra, extraValue string, v float64) {
	if t.pending.name != "" {
		t.put("# HELP " + t.pending.name + " ")
		t.put(escapeHelp.Replace(t.pending.help))
		t.put("\n# TYPE " + t.pending.name + " gauge\n")
		t.pending = metric{}
	}
	var order [5]int
	n := len(names)
	for i := range n {
		order[i] = i
	}
	if extra != "" {
		order[n] = -1
		n++
	}
	name := func(i int) string {
		if i < 0 {
			return extra
		}
		return names[i]
	}
	for i := 1; i < n; i++ {
		for j := i; j > 0 && name(order[j]) < name(order[j-1]); j-- {
			order[j], order[j-1] = order[j-1], order[j]
		}
	}
	t.put(t.name)
	for i, k := range order[:n] {
		if i == 0 {
			t.put("{")
		} else {
			t.put(",")
		}
		value := extraValue
		if k >= 0 {
			value = values[k]
		}
		t.put(name(k))
		t.put(`="`)
		if strings.ContainsAny(value, "\\\"\n") {
			value = escapeLabel.Replace(value)
		}
		t.put(value)
		t.put("\"")
	}
	t.put("} ")
	t.put(formatValue(v))
	t.put("\n")
}

var (
	escapeHelp  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	escapeLabel = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

// formatValue writes v as the text format does.
func formatValue(v float64) string {
	switch {
	case math.IsInf(v, +1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}
