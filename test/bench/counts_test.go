package main

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewTraffic(t *testing.T) {
	tests := []struct {
		name          string
		counts        map[string]float64
		writes, reads float64
	}{
		{"api verbs", map[string]float64{"GET": 10, "POST": 2, "PUT": 1, "PATCH": 3, "DELETE": 1}, 7, 10},
		{"auth routes", map[string]float64{"GET /reg/:id": 5, "POST /reg": 2, "PUT /reg/:id": 1, "POST /token": 1}, 4, 5},
		{"empty", map[string]float64{}, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := newTraffic(tt.counts)
			if got.Writes != tt.writes || got.Reads != tt.reads {
				t.Errorf("writes, reads = %v, %v; want %v, %v", got.Writes, got.Reads, tt.writes, tt.reads)
			}
		})
	}
}

func TestDiff(t *testing.T) {
	got := diff(map[string]float64{"GET": 10, "POST": 2, "PUT": 1}, map[string]float64{"GET": 4, "POST": 2})
	want := map[string]float64{"GET": 6, "PUT": 1}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("diff = %v, want %v", got, want)
	}
}

func TestSummarize(t *testing.T) {
	var hundred []time.Duration
	for i := 100; i >= 1; i-- {
		hundred = append(hundred, time.Duration(i)*time.Millisecond)
	}
	tests := []struct {
		name string
		in   []time.Duration
		want latencies
	}{
		{"empty", nil, latencies{}},
		{"one", []time.Duration{3 * time.Millisecond}, latencies{Count: 1, P50Ms: 3, P90Ms: 3, P99Ms: 3, MaxMs: 3}},
		{"hundred, unsorted", hundred, latencies{Count: 100, P50Ms: 50, P90Ms: 90, P99Ms: 99, MaxMs: 100}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.in); got != tt.want {
				t.Errorf("summarize = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// parseCase is a line a parser reads, and what it should make of it.
type parseCase[T comparable] struct {
	name, in string
	want     T
	wantErr  bool
}

// runParseCases runs parse on each case's input: an error exactly where
// the case wants one, and otherwise the value it wants.
func runParseCases[T comparable](t *testing.T, parse func(string) (T, error), cases []parseCase[T]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parse(tt.in)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if err == nil && got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestParseProcStatus(t *testing.T) {
	runParseCases(t, func(text string) (procMemory, error) { return parseProcStatus(strings.NewReader(text)) }, []parseCase[procMemory]{
		{"both", "Name:\tmanager\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\n", procMemory{PeakRSS: 2048 * 1024, RSS: 1024 * 1024}, false},
		{"split", "VmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nRssAnon:\t  768 kB\nRssFile:\t  256 kB\n",
			procMemory{PeakRSS: 2048 * 1024, RSS: 1024 * 1024, RSSAnon: 768 * 1024, RSSFile: 256 * 1024}, false},
		{"missing", "Name:\tmanager\nVmRSS:\t  1024 kB\n", procMemory{}, true},
		{"bad unit", "VmHWM:\t2 MB\nVmRSS:\t1 kB\n", procMemory{}, true},
	})
}

func TestParseStat(t *testing.T) {
	runParseCases(t, parseStat, []parseCase[procStat]{
		{
			name: "plain",
			in:   "4242 (kube-apiserver) S 100 4242 100 0 -1 4194560 1 0 0 0 250 50 0 0 20 0 12 0 1 1 1",
			want: procStat{comm: "kube-apiserver", ppid: 100, cpu: 3},
		},
		{
			name: "comm with spaces and parens",
			in:   "7 (a (b) c) R 1 7 1 0 -1 0 0 0 0 0 10 10 0 0",
			want: procStat{comm: "a (b) c", ppid: 1, cpu: 0.2},
		},
		{name: "truncated", in: "7 (x) R 1 7", wantErr: true},
		{name: "no comm", in: "7 x R 1", wantErr: true},
	})
}

func TestParseMachineBusy(t *testing.T) {
	rounded := func(line string) (float64, error) {
		busy, err := parseMachineBusy(line)
		return round(busy), err
	}
	runParseCases(t, rounded, []parseCase[float64]{
		{"busy fields only", "cpu  100 20 30 5000 70 1 2 3 0 0", 1.56, false},
		{"not the cpu line", "cpu0 1 2 3 4 5 6 7 8", 0, true},
		{"too short", "cpu 1 2 3", 0, true},
	})
}
