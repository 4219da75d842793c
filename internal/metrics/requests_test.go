package metrics

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// TestInstrumentCountsOutcomes: each request to a server is counted by its
// outcome and timed, under that server's labels only.
func TestInstrumentCountsOutcomes(t *testing.T) {
	var status atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(int(status.Load())) }))
	defer srv.Close()
	hc := Instrument(srv.Client(), "AuthServer", "team-a", "counted")
	get := func(want int) {
		t.Helper()
		status.Store(int64(want))
		resp, err := hc.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
	}
	get(http.StatusOK)
	get(http.StatusCreated)
	get(http.StatusTooManyRequests)
	get(http.StatusServiceUnavailable)
	get(http.StatusUnauthorized)
	srv.Close()
	if _, err := hc.Get(srv.URL); err == nil {
		t.Fatal("a closed server answered")
	}

	for outcome, want := range map[string]float64{"2xx": 2, "429": 1, "5xx": 1, "4xx": 1, "error": 1, "3xx": 0} {
		got := testutil.ToFloat64(requests.WithLabelValues("AuthServer", "team-a", "counted", outcome))
		if got != want {
			t.Errorf("outcome %s: %v requests, want %v", outcome, got, want)
		}
	}
	if n := testutil.CollectAndCount(requestDuration, "oauthclient_server_request_duration_seconds"); n < 1 {
		t.Errorf("%d latency series", n)
	}
}
