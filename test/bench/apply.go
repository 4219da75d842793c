package main

import (
	"context"
	"fmt"
	"path/filepath"
	"runtime"
	"time"
)

// applyResult is the operator serving N new OAuthClients at once.
type applyResult struct {
	Clients         int     `json:"clients"`
	CreateWorkers   int     `json:"create_workers"`
	CreateSeconds   float64 `json:"create_seconds"`
	AllReadySeconds float64 `json:"all_ready_seconds"`
	// DrainedSeconds is until the manager was idle again: the follow-up
	// reconciles (e.g. for the Secret it just created) run after Ready.
	DrainedSeconds   float64 `json:"drained_seconds"`
	ClientsPerSecond float64 `json:"clients_per_second"`
	// ApplyToSecret is from the harness's create returning to the Secret's
	// first appearance in a watch; ApplyToReady likewise to Ready=True.
	ApplyToSecret latencies `json:"apply_to_secret"`
	ApplyToReady  latencies `json:"apply_to_ready"`
	// Reconciles, API and Auth are what the manager did until drained;
	// APIByCode counts its API requests by HTTP status.
	Reconciles float64            `json:"reconciles"`
	API        traffic            `json:"api_server"`
	APIByCode  map[string]float64 `json:"api_server_by_code"`
	Auth       traffic            `json:"auth_server"`
	// ReconcileMeanMs is the mean OAuthClient reconcile time (from
	// controller_runtime_reconcile_time_seconds): with the worker count it
	// bounds throughput.
	ReconcileMeanMs float64 `json:"reconcile_mean_ms"`
	// CPU is the CPU time of every process during the phase.
	CPU cpuUse `json:"cpu"`
	// GoroutineProfiles are goroutine profiles taken every 200ms until the
	// manager was idle: merged, they show where the workers wait.
	GoroutineProfiles string `json:"goroutine_profiles"`
	// CPUProfile covers the first CPUProfileSeconds of the phase.
	CPUProfile        string  `json:"cpu_profile"`
	CPUProfileSeconds float64 `json:"cpu_profile_seconds"`
	HeapProfile       string  `json:"heap_profile"`
	PeakHeapInuseMiB  float64 `json:"peak_heap_inuse_mib"`
	PeakHeapAllocMiB  float64 `json:"peak_heap_alloc_mib"`
}

// runApply creates n OAuthClients at once and waits until all are Ready,
// profiling the manager meanwhile. profileFor is how long the CPU profile
// runs (the phase's length is not known in advance).
func (h *harness) runApply(ctx context.Context, m *managerProc, n int, profileFor time.Duration) (applyResult, error) {
	res := applyResult{Clients: n, CreateWorkers: createWorkers}
	names := clientNames("client", n)
	keys := keysOf(benchNamespace, names)

	ss0, err := m.metrics(ctx)
	if err != nil {
		return res, err
	}
	auth0, err := authRequests(ctx, h.auth)
	if err != nil {
		return res, err
	}
	cpu0, err := processCPU()
	if err != nil {
		return res, err
	}
	sampler := startHeapSampler(ctx, m)
	res.GoroutineProfiles = h.file("goroutine profiles (apply)", "goroutines-apply")
	stopGoroutines, err := sampleGoroutines(ctx, m, res.GoroutineProfiles, 200*time.Millisecond)
	if err != nil {
		return res, err
	}
	res.CPUProfile = h.file("CPU profile (apply)", "cpu-apply.pprof")
	res.CPUProfileSeconds = profileFor.Seconds()
	res.HeapProfile = h.file("heap profile (end of apply)", "heap-apply.pprof")
	profErr := make(chan error, 1)
	go func() {
		profErr <- m.saveProfile(ctx, fmt.Sprintf("profile?seconds=%d", int(profileFor.Seconds())), res.CPUProfile)
	}()

	stopAPIServer := h.apiServerProfiles(ctx, "kube-apiserver CPU profiles (apply)", "apiserver-apply")()
	start := time.Now()
	if err := createClients(ctx, h.k, h.tracker, benchNamespace, names, createWorkers); err != nil {
		stopAPIServer()
		return res, err
	}
	res.CreateSeconds = seconds(time.Since(start))
	err = h.tracker.waitReady(ctx, keys, readyTimeout(n))
	if err == nil {
		err = waitIdle(ctx, m, readyTimeout(n))
	}
	stopGoroutines()
	stopAPIServer()
	if err != nil {
		return res, err
	}
	res.DrainedSeconds = seconds(time.Since(start))
	toSecret, toReady, last := h.tracker.timings(keys)
	cpu1, err := processCPU()
	if err != nil {
		return res, err
	}
	res.CPU = newCPUUse(cpu0, cpu1, time.Since(start).Seconds(), runtime.NumCPU())
	res.AllReadySeconds = seconds(last.Sub(start))
	res.ClientsPerSecond = round(float64(n) / last.Sub(start).Seconds())
	res.ApplyToSecret, res.ApplyToReady = summarize(toSecret), summarize(toReady)

	ss1, err := m.metrics(ctx)
	if err != nil {
		return res, err
	}
	auth1, err := authRequests(ctx, h.auth)
	if err != nil {
		return res, err
	}
	res.Reconciles = reconciles(ss1) - reconciles(ss0)
	res.API = newTraffic(diff(apiRequests(ss1), apiRequests(ss0)))
	res.APIByCode = diff(ss1.restRequestsBy("code"), ss0.restRequestsBy("code"))
	res.ReconcileMeanMs = meanMs(ss0, ss1, "controller_runtime_reconcile_time_seconds", map[string]string{"controller": "oauthclient"})
	res.Auth = newTraffic(diff(auth1, auth0))
	if err := m.saveProfile(ctx, "heap", res.HeapProfile); err != nil {
		return res, err
	}
	res.PeakHeapInuseMiB, res.PeakHeapAllocMiB = sampler.finish()
	if err := <-profErr; err != nil {
		return res, err
	}
	return res, nil
}

// runTrickle creates n OAuthClients one at a time, each once the previous
// one is Ready and the manager idle: the latency of a single apply on an
// idle operator.
func (h *harness) runTrickle(ctx context.Context, m *managerProc, n int) (latencies, error) {
	names := clientNames("trickle", n)
	for _, name := range names {
		if err := waitIdle(ctx, m, time.Minute); err != nil {
			return latencies{}, err
		}
		if err := createClients(ctx, h.k, h.tracker, benchNamespace, []string{name}, 1); err != nil {
			return latencies{}, err
		}
		if err := h.tracker.waitReady(ctx, []string{key(benchNamespace, name)}, time.Minute); err != nil {
			return latencies{}, err
		}
	}
	toSecret, _, _ := h.tracker.timings(keysOf(benchNamespace, names))
	return summarize(toSecret), nil
}

// readyTimeout bounds the wait for n clients: generous, since the harness
// measures rather than judges.
func readyTimeout(n int) time.Duration {
	return 2*time.Minute + time.Duration(n)*100*time.Millisecond
}

// meanMs is the mean of a Prometheus histogram between two scrapes, in ms.
func meanMs(before, after samples, histogram string, match map[string]string) float64 {
	sum := after.sum(histogram+"_sum", match) - before.sum(histogram+"_sum", match)
	count := after.sum(histogram+"_count", match) - before.sum(histogram+"_count", match)
	if count == 0 {
		return 0
	}
	return round(sum / count * 1000)
}

// sampleGoroutines saves a goroutine profile of the manager into dir every
// interval until the returned stop function is called.
func sampleGoroutines(ctx context.Context, m *managerProc, dir string, every time.Duration) (stop func(), err error) {
	if err := freshDir(dir); err != nil {
		return nil, err
	}
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			// Each fetch runs to its end, so no profile file is cut short.
			_ = m.saveProfile(ctx, "goroutine", filepath.Join(dir, fmt.Sprintf("goroutine-%04d.pb.gz", i)))
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			case <-time.After(every):
			}
		}
	}()
	return func() { close(quit); <-done }, nil
}
