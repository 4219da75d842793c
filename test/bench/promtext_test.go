package main

import (
	"strings"
	"testing"
)

func TestParseMetrics(t *testing.T) {
	const text = `# HELP rest_client_requests_total Number of HTTP requests.
# TYPE rest_client_requests_total counter
rest_client_requests_total{code="200",host="127.0.0.1:6443",method="GET"} 12
rest_client_requests_total{code="201",host="127.0.0.1:6443",method="POST"} 3
rest_client_requests_total{code="409",host="127.0.0.1:6443",method="POST"} 1
go_memstats_heap_alloc_bytes 1.5e+07
weird{a="x\"y,z}",b="2"} 7 1712345678
`
	ss, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		metric string
		match  map[string]string
		want   float64
	}{
		{"all requests", "rest_client_requests_total", nil, 16},
		{"posts", "rest_client_requests_total", map[string]string{"method": "POST"}, 4},
		{"conflicts", "rest_client_requests_total", map[string]string{"code": "409"}, 1},
		{"no labels", "go_memstats_heap_alloc_bytes", nil, 1.5e7},
		{"escaped label", "weird", map[string]string{"a": `x"y,z}`, "b": "2"}, 7},
		{"absent", "nothing", nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ss.sum(tt.metric, tt.match); got != tt.want {
				t.Errorf("sum = %v, want %v", got, tt.want)
			}
		})
	}
	by := ss.restRequestsBy("method")
	if by["GET"] != 12 || by["POST"] != 4 {
		t.Errorf("restRequestsBy = %v", by)
	}
}

func TestParseMetricsErrors(t *testing.T) {
	tests := []struct{ name, text string }{
		{"no value", "metric_only\n"},
		{"bad value", "m{a=\"1\"} abc\n"},
		{"unterminated", "m{a=\"1} 2\n"},
		{"no quote", "m{a=1} 2\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := parseMetrics(strings.NewReader(tt.text)); err == nil {
				t.Error("want an error")
			}
		})
	}
}
