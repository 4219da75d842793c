package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"time"
)

// hungNamespace holds the AuthServer that never answers and its clients.
const hungNamespace = "bench-hung"

// isolationResult is a new OAuthClient of a healthy server, applied while
// another server accepts connections and never answers a registration.
type isolationResult struct {
	// HungClients are the hung server's OAuthClients: twice the workers.
	HungClients int `json:"hung_clients"`
	// Waiting is how many registrations waited at the hung server when the
	// healthy client was created.
	Waiting int `json:"registrations_waiting"`
	// ApplyToReadySeconds is the healthy client's apply→Ready.
	ApplyToReadySeconds float64 `json:"healthy_apply_to_ready_seconds"`
}

// hungServer answers discovery and holds every other request until the
// client gives up: a server that accepts connections and never answers.
type hungServer struct {
	*httptest.Server
	waiting atomic.Int32
	// release ends every held request, so the server can close.
	release chan struct{}
}

func startHungServer() *hungServer {
	s := &hungServer{release: make(chan struct{})}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/.well-known/oauth-authorization-server" || r.URL.Path == "/.well-known/openid-configuration" {
			w.Header().Set("Content-Type", "application/json")
			_ = json.NewEncoder(w).Encode(map[string]string{
				"issuer": s.URL, "token_endpoint": s.URL + "/token", "registration_endpoint": s.URL + "/reg",
			})
			return
		}
		// Read the body: only then does the server notice a client that
		// gives up and cancel r's context.
		_, _ = io.Copy(io.Discard, r.Body)
		s.waiting.Add(1)
		defer s.waiting.Add(-1)
		select {
		case <-r.Context().Done():
		case <-s.release:
		}
	}))
	return s
}

// runIsolation puts twice as many OAuthClients as the manager has workers
// on a hung server, waits until its registrations are stuck there, then
// applies one OAuthClient of the healthy server and times it to Ready.
func (h *harness) runIsolation(ctx context.Context) (isolationResult, error) {
	res := isolationResult{HungClients: 2 * h.opts.concurrency}
	hung := startHungServer()
	defer func() {
		close(hung.release)
		hung.Close()
	}()
	if err := createNamespaces(ctx, h.k, hungNamespace); err != nil {
		return res, err
	}
	if err := createAuthServer(ctx, h.k, hungNamespace, serverName, hung.URL,
		map[string]string{"token": iatValue}, iatCredentials(serverName+"-credentials")); err != nil {
		return res, err
	}
	for _, name := range clientNames("hung", res.HungClients) {
		if err := h.k.Create(ctx, newOAuthClient(hungNamespace, name)); err != nil {
			return res, fmt.Errorf("creating OAuthClient %s/%s: %w", hungNamespace, name, err)
		}
	}
	// Until the registrations stop arriving: as many as will wait at once.
	deadline := time.Now().Add(20 * time.Second)
	for last, stable := int32(-1), 0; stable < 10 && time.Now().Before(deadline); {
		n := hung.waiting.Load()
		if n > 0 && n == last {
			stable++
		} else {
			stable = 0
		}
		last = n
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	res.Waiting = int(hung.waiting.Load())

	names := []string{"isolation-healthy"}
	if err := createClients(ctx, h.k, h.tracker, benchNamespace, names, 1); err != nil {
		return res, err
	}
	keys := keysOf(benchNamespace, names)
	if err := h.tracker.waitReady(ctx, keys, 3*time.Minute); err != nil {
		return res, err
	}
	_, toReady, _ := h.tracker.timings(keys)
	if len(toReady) == 1 {
		res.ApplyToReadySeconds = seconds(toReady[0])
	}
	return res, nil
}
