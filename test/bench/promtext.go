package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// sample is one line of the Prometheus text exposition format.
type sample struct {
	name   string
	labels map[string]string
	value  float64
}

// samples is a scrape of a metrics endpoint.
type samples []sample

// parseMetrics reads the Prometheus text format: comment lines are skipped,
// each other line is `name{label="value",...} value [timestamp]`.
func parseMetrics(r io.Reader) (samples, error) {
	var out samples
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		s, err := parseSample(line)
		if err != nil {
			return nil, fmt.Errorf("parsing metrics line %q: %w", line, err)
		}
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading metrics: %w", err)
	}
	return out, nil
}

func parseSample(line string) (sample, error) {
	s := sample{labels: map[string]string{}}
	i := strings.IndexAny(line, "{ ")
	if i < 0 {
		return s, fmt.Errorf("no value")
	}
	s.name = line[:i]
	rest := line[i:]
	if strings.HasPrefix(rest, "{") {
		end, err := parseLabels(rest[1:], s.labels)
		if err != nil {
			return s, err
		}
		rest = rest[1+end:]
	}
	fields := strings.Fields(rest)
	if len(fields) == 0 {
		return s, fmt.Errorf("no value")
	}
	v, err := strconv.ParseFloat(fields[0], 64)
	if err != nil {
		return s, fmt.Errorf("value: %w", err)
	}
	s.value = v
	return s, nil
}

// parseLabels reads `a="x",b="y"}` into into and returns the index just
// after the closing brace.
func parseLabels(text string, into map[string]string) (int, error) {
	i := 0
	for {
		for i < len(text) && (text[i] == ',' || text[i] == ' ') {
			i++
		}
		if i < len(text) && text[i] == '}' {
			return i + 1, nil
		}
		eq := strings.IndexByte(text[i:], '=')
		if eq < 0 || i+eq+1 >= len(text) || text[i+eq+1] != '"' {
			return 0, fmt.Errorf("bad label set")
		}
		name := text[i : i+eq]
		i += eq + 2
		var val strings.Builder
		for {
			if i >= len(text) {
				return 0, fmt.Errorf("unterminated label value")
			}
			c := text[i]
			if c == '\\' && i+1 < len(text) {
				switch text[i+1] {
				case 'n':
					val.WriteByte('\n')
				default:
					val.WriteByte(text[i+1])
				}
				i += 2
				continue
			}
			i++
			if c == '"' {
				break
			}
			val.WriteByte(c)
		}
		into[name] = val.String()
	}
}

// sum adds the values of every sample called name whose labels include all
// of match.
func (ss samples) sum(name string, match map[string]string) float64 {
	total := 0.0
	for _, s := range ss {
		if s.name == name && hasLabels(s.labels, match) {
			total += s.value
		}
	}
	return total
}

// restRequestsBy sums the samples of rest_client_requests_total (client-go's
// count of requests to the API server) by the value of label.
func (ss samples) restRequestsBy(label string) map[string]float64 {
	out := map[string]float64{}
	for _, s := range ss {
		if s.name == "rest_client_requests_total" {
			out[s.labels[label]] += s.value
		}
	}
	return out
}

func hasLabels(labels, match map[string]string) bool {
	for k, v := range match {
		if labels[k] != v {
			return false
		}
	}
	return true
}
