package main

import (
	"context"
	"fmt"
	"time"
)

// waveResult is what the manager did over one stretch of a steady run.
type waveResult struct {
	Seconds    float64 `json:"seconds"`
	Reconciles float64 `json:"reconciles"`
	API        traffic `json:"api_server"`
	Auth       traffic `json:"auth_server"`
	// AuthReadsPerReconcile is auth-server reads divided by reconciles:
	// each reconcile of a resync is one client's check, and a window cut
	// by polling may hold a few reconciles more than there are clients.
	AuthReadsPerReconcile float64 `json:"auth_reads_per_reconcile"`
	// WentNotReady counts clients whose Ready condition turned False;
	// NotReadyReasons says with which reasons.
	WentNotReady    int                `json:"went_not_ready"`
	NotReadyReasons map[string]float64 `json:"not_ready_reasons,omitempty"`
	// CPU is the CPU time of every process over the stretch.
	CPU cpuUse `json:"cpu"`
}

// steadyResult is a second manager run over the same, unchanged clients.
type steadyResult struct {
	ResyncPeriod string `json:"resync_period"`
	Clients      int    `json:"clients"`
	// Restart is from the process start until every client was reconciled
	// once, none waits and all are Ready: the cold-cache full resync.
	Restart waveResult `json:"restart"`
	// Resync is from then until the manager finished as many more
	// reconciles as there are clients: one warm periodic resync each.
	Resync waveResult `json:"resync"`
	// RestartAgain and RestartWithUnrelated are the restarts of managers 2b
	// and 3, before and after the unrelated Secrets existed.
	RestartAgain         waveResult `json:"restart_again"`
	RestartWithUnrelated waveResult `json:"restart_with_unrelated"`
}

// waveMark is the counters at one moment of a run.
type waveMark struct {
	at         time.Time
	api        map[string]float64
	auth       map[string]float64
	reconciles float64
	unready    int
	reasons    map[string]float64
	cpu        map[string]float64
}

func (h *harness) mark(ctx context.Context, m *managerProc) (waveMark, error) {
	cpu, err := processCPU()
	if err != nil {
		return waveMark{}, err
	}
	mk := waveMark{at: time.Now(), api: map[string]float64{}, cpu: cpu}
	mk.unready, mk.reasons = h.tracker.unreadyCount()
	if m != nil {
		ss, err := m.metrics(ctx)
		if err != nil {
			return mk, err
		}
		mk.api, mk.reconciles = apiRequests(ss), reconciles(ss)
	}
	auth, err := authRequests(ctx, h.auth)
	if err != nil {
		return mk, err
	}
	mk.auth = auth
	return mk, nil
}

// wave is what happened between two marks.
func wave(from, to waveMark) waveResult {
	w := waveResult{
		Seconds:         seconds(to.at.Sub(from.at)),
		Reconciles:      to.reconciles - from.reconciles,
		API:             newTraffic(diff(to.api, from.api)),
		Auth:            newTraffic(diff(to.auth, from.auth)),
		WentNotReady:    to.unready - from.unready,
		NotReadyReasons: diff(to.reasons, from.reasons),
		CPU:             newCPUUse(from.cpu, to.cpu, to.at.Sub(from.at).Seconds(), cpuCores()),
	}
	w.AuthReadsPerReconcile = ratio(w.Auth.Reads, w.Reconciles)
	return w
}

// runSteady starts a manager with a short resync period over the clients
// already there and measures its restart and then one full resync. It
// returns the manager's memory once the restart settled, and the manager,
// still running.
func (h *harness) runSteady(ctx context.Context, clients int, resync time.Duration) (steadyResult, memoryReading, *managerProc, error) {
	res := steadyResult{ResyncPeriod: resync.String(), Clients: clients}
	var mem memoryReading
	start, err := h.mark(ctx, nil) // a new process starts its counters at zero
	if err != nil {
		return res, mem, nil, err
	}
	m, err := h.startManager(ctx, "steady", resync)
	if err != nil {
		return res, mem, nil, err
	}
	fail := func(err error) (steadyResult, memoryReading, *managerProc, error) {
		_ = m.Stop()
		return res, mem, nil, err
	}
	stopGoroutines, err := sampleGoroutines(ctx, m, h.file("goroutine profiles (restart)", "goroutines-restart"), 200*time.Millisecond)
	if err != nil {
		return fail(err)
	}
	err = h.waitQuiescent(ctx, m, clients, readyTimeout(clients)+2*time.Minute)
	stopGoroutines()
	if err != nil {
		return fail(err)
	}
	settled, err := h.mark(ctx, m)
	if err != nil {
		return fail(err)
	}
	res.Restart = wave(start, settled)
	if mem, err = readMemory(ctx, m, h.file("heap profile (restart)", "heap-restart.pprof")); err != nil {
		return fail(err)
	}

	window := 2*resync + readyTimeout(clients)
	deadline := time.Now().Add(window)
	for {
		now, err := h.mark(ctx, m)
		if err != nil {
			return fail(err)
		}
		if now.reconciles-settled.reconciles >= float64(clients) {
			res.Resync = wave(settled, now)
			return res, mem, m, nil
		}
		if time.Now().After(deadline) {
			return fail(fmt.Errorf("steady state: only %v of %d clients were resynced within %s",
				now.reconciles-settled.reconciles, clients, window))
		}
		select {
		case <-ctx.Done():
			return fail(ctx.Err())
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// waitQuiescent waits until the manager has finished at least one reconcile
// per client, nothing waits in its queue, and every client of the benchmark
// namespace is Ready.
func (h *harness) waitQuiescent(ctx context.Context, m *managerProc, clients int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	why := ""
	for time.Now().Before(deadline) {
		ss, err := m.metrics(ctx)
		if err != nil {
			return err
		}
		ready, total := h.tracker.readyNow(benchNamespace) // a watch: polling costs the API server nothing
		done, depth := reconciles(ss), queueDepth(ss)
		if done >= float64(clients) && depth == 0 && ready == total && total == clients {
			return nil
		}
		why = fmt.Sprintf("%v reconciles, queue depth %v, %d of %d Ready", done, depth, ready, total)
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return fmt.Errorf("the restarted manager did not settle within %s: %s", timeout, why)
}

// waitIdle waits until no OAuthClient waits in the manager's queue and no
// reconcile runs, seen twice in a row a poll apart.
func waitIdle(ctx context.Context, m *managerProc, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	calm := 0
	for time.Now().Before(deadline) {
		ss, err := m.metrics(ctx)
		if err != nil {
			return err
		}
		if queueDepth(ss) == 0 && activeWorkers(ss) == 0 {
			calm++
		} else {
			calm = 0
		}
		if calm == 2 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("the manager was still busy after %s", timeout)
}
