package main

import (
	"context"
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// writeVerbs are the HTTP methods that change something.
var writeVerbs = []string{"POST", "PUT", "PATCH", "DELETE"}

// traffic is the requests one side sent in a phase, by HTTP method (API
// server) or by "METHOD /route" (auth server).
type traffic struct {
	Requests map[string]float64 `json:"requests"`
	Writes   float64            `json:"writes"`
	Reads    float64            `json:"reads"`
}

// newTraffic classifies counts keyed by method or "METHOD /route".
func newTraffic(counts map[string]float64) traffic {
	t := traffic{Requests: counts}
	for k, v := range counts {
		method, _, _ := strings.Cut(k, " ")
		if slices.Contains(writeVerbs, strings.ToUpper(method)) {
			t.Writes += v
		} else {
			t.Reads += v
		}
	}
	return t
}

// diff returns after minus before for every key, leaving out zeros.
func diff(after, before map[string]float64) map[string]float64 {
	out := map[string]float64{}
	for k, v := range after {
		if d := v - before[k]; d != 0 {
			out[k] = d
		}
	}
	return out
}

// apiRequests are the manager's requests to the API server so far, by
// method (rest_client_requests_total, all status codes).
func apiRequests(ss samples) map[string]float64 {
	return ss.restRequestsBy("method")
}

// reconciles is how many OAuthClient reconciles the manager has finished.
func reconciles(ss samples) float64 {
	return ss.sum("controller_runtime_reconcile_total", map[string]string{"controller": "oauthclient"})
}

// queueDepth is the number of OAuthClients waiting for a worker.
func queueDepth(ss samples) float64 {
	return ss.sum("workqueue_depth", map[string]string{"name": "oauthclient"})
}

// activeWorkers is the number of OAuthClient reconciles running now.
func activeWorkers(ss samples) float64 {
	return ss.sum("controller_runtime_active_workers", map[string]string{"controller": "oauthclient"})
}

// authRequests are the auth server's request counts so far (never reset:
// phases take differences).
func authRequests(ctx context.Context, s *authserver.Server) (map[string]float64, error) {
	counts, err := s.RequestCounts(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(counts))
	for k, v := range counts {
		out[k] = float64(v)
	}
	return out, nil
}

// sortedKeys returns the keys of m in order.
func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
