package ratelimit

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

func TestClientLimitsRequestsAndHonoursContext(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	c := Client(srv.Client(), 1, 2) // a burst of 2, then one a second

	get := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		resp, err := c.Do(req)
		if err == nil {
			_ = resp.Body.Close()
		}
		return err
	}
	for range 2 {
		if err := get(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	// The third must wait about a second: a short deadline gives up without
	// sending anything.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := get(ctx); err == nil {
		t.Fatal("a third request within the burst window went through at once")
	}
	if got := hits.Load(); got != 2 {
		t.Fatalf("the server saw %d requests, want 2", got)
	}
	if Client(srv.Client(), 0, 0) != srv.Client() {
		t.Error("qps 0 must leave the client unlimited")
	}
}
