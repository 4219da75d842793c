package main

import (
	"context"
	"runtime"
	"time"

	"golang.org/x/sync/errgroup"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// minimalResult is the apply done against the least a controller can do:
// the harness's creates, and the baseline loop's work on each OAuthClient
// as soon as its create returns.
type minimalResult struct {
	Clients     int     `json:"clients"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	// CreateSeconds is when the last create returned.
	CreateSeconds     float64 `json:"create_seconds"`
	CPU               cpuUse  `json:"cpu"`
	TimedOperationsOf string  `json:"timed_operations"`
}

// runMinimalController times, from the first create to the last status
// write, what the apply phase times for the operator, done by the least a
// controller can do: creators goroutines create the N OAuthClients as the
// apply does, and concurrency workers do the baseline loop's work
// (essentialWork) on each one as its create returns. No watch, no cache,
// no finalizer, no record: no controller can take less of the API server
// for the same apply, so its time over the baseline loop's is the least
// that ratio can be for any controller. Everything is deleted afterwards.
func runMinimalController(ctx context.Context, k client.Client, reg *registrar, n, concurrency, creators int) (minimalResult, error) {
	res := minimalResult{
		Clients: n, Concurrency: concurrency,
		TimedOperationsOf: "create OAuthClient; then POST /reg + create Secret + patch OAuthClient status, per client",
	}
	names := clientNames("minimal", n)
	clients := make([]*v1alpha1.OAuthClient, n)
	created := make(chan int, n)
	cpu0, err := processCPU()
	if err != nil {
		return res, err
	}
	var createdAt time.Duration
	// The group's context ends with Wait; the clean-up below uses ctx.
	g, gctx := errgroup.WithContext(ctx)
	start := time.Now()
	g.Go(func() error {
		defer close(created)
		defer func() { createdAt = time.Since(start) }()
		return parallel(gctx, n, creators, func(ctx context.Context, i int) (err error) {
			if clients[i], err = createUnserved(ctx, k, names[i]); err == nil {
				created <- i
			}
			return err
		})
	})
	for range max(concurrency, 1) {
		g.Go(func() error {
			for i := range created {
				if err := essentialWork(gctx, k, reg, clients[i], func() {}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	err = g.Wait()
	elapsed := time.Since(start)
	if err != nil {
		return res, err
	}
	cpu1, err := processCPU()
	if err != nil {
		return res, err
	}
	res.CPU = newCPUUse(cpu0, cpu1, elapsed.Seconds(), runtime.NumCPU())
	res.Seconds, res.CreateSeconds = seconds(elapsed), seconds(createdAt)
	if err := deleteAllIn(ctx, k, baselineNamespace); err != nil {
		return res, err
	}
	return res, nil
}
