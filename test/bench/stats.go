package main

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"time"
)

// latencies summarises a set of durations.
type latencies struct {
	Count int     `json:"count"`
	P50Ms float64 `json:"p50_ms"`
	P90Ms float64 `json:"p90_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// summarize computes nearest-rank percentiles of ds.
func summarize(ds []time.Duration) latencies {
	if len(ds) == 0 {
		return latencies{}
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return latencies{
		Count: len(s),
		P50Ms: ms(percentile(s, 50)),
		P90Ms: ms(percentile(s, 90)),
		P99Ms: ms(percentile(s, 99)),
		MaxMs: ms(s[len(s)-1]),
	}
}

// percentile returns the nearest-rank p-th percentile of sorted, which must
// not be empty.
func percentile(sorted []time.Duration, p float64) time.Duration {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return round(float64(d) / float64(time.Millisecond)) }

func seconds(d time.Duration) float64 { return round(d.Seconds()) }

func mib(bytes float64) float64 { return round(bytes / (1 << 20)) }

// round keeps two decimals, enough for a report.
func round(v float64) float64 { return math.Round(v*100) / 100 }

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round(a / b)
}

// parallel runs fn(ctx, i) for every i in [0, n) on the given number of
// workers. It stops handing out work at the first error and returns it.
func parallel(ctx context.Context, n, workers int, fn func(ctx context.Context, i int) error) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for range max(workers, 1) {
		wg.Go(func() {
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { firstErr = err; cancel() })
				}
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return firstErr
}

func cpuCores() int { return runtime.NumCPU() }
