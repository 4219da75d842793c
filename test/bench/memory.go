package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// memoryReading is the manager's memory at one moment.
type memoryReading struct {
	// PeakRSSMiB is VmHWM: the most the process has held since it started.
	PeakRSSMiB float64 `json:"peak_rss_mib"`
	// RSSMiB is VmRSS now; RSSAnonMiB and RSSFileMiB split it into the
	// anonymous part and the binary's pages (0 where the kernel does not say).
	RSSMiB     float64 `json:"rss_mib"`
	RSSAnonMiB float64 `json:"rss_anon_mib"`
	RSSFileMiB float64 `json:"rss_file_mib"`
	// HeapAllocMiB and HeapInuseMiB are go_memstats_heap_alloc_bytes and
	// go_memstats_heap_inuse_bytes from the manager's metrics.
	HeapAllocMiB float64 `json:"heap_alloc_mib"`
	HeapInuseMiB float64 `json:"heap_inuse_mib"`
	// LiveHeapMiB is go_memstats_heap_alloc_bytes right after a forced GC
	// (/debug/pprof/heap?gc=1): the memory the manager really holds on to,
	// without the garbage that happens to be around.
	LiveHeapMiB float64 `json:"live_heap_mib"`
}

// readMemory reads /proc and the metrics endpoint of the manager. The live
// heap is the least of three readings, each right after a forced GC, so a
// reconcile in flight does not count. When heapProfile is set, the first
// forced-GC heap profile is saved there.
func readMemory(ctx context.Context, m *managerProc, heapProfile string) (memoryReading, error) {
	pm, err := m.memory()
	if err != nil {
		return memoryReading{}, err
	}
	ss, err := m.metrics(ctx)
	if err != nil {
		return memoryReading{}, err
	}
	r := memoryReading{
		PeakRSSMiB:   mib(pm.PeakRSS),
		RSSMiB:       mib(pm.RSS),
		RSSAnonMiB:   mib(pm.RSSAnon),
		RSSFileMiB:   mib(pm.RSSFile),
		HeapAllocMiB: mib(ss.sum("go_memstats_heap_alloc_bytes", nil)),
		HeapInuseMiB: mib(ss.sum("go_memstats_heap_inuse_bytes", nil)),
	}
	live := 0.0
	for i := range 3 {
		if i == 0 && heapProfile != "" {
			err = m.saveProfile(ctx, "heap?gc=1", heapProfile)
		} else {
			err = m.fetchProfile(ctx, "heap?gc=1", io.Discard)
		}
		if err != nil {
			return r, err
		}
		if ss, err = m.metrics(ctx); err != nil {
			return r, err
		}
		if v := ss.sum("go_memstats_heap_alloc_bytes", nil); i == 0 || v < live {
			live = v
		}
		if i < 2 {
			select {
			case <-ctx.Done():
				return r, ctx.Err()
			case <-time.After(500 * time.Millisecond):
			}
		}
	}
	r.LiveHeapMiB = mib(live)
	return r, nil
}

// heapSampler scrapes the manager's heap once a second and keeps the peak,
// since a single reading after a phase misses what the GC already freed.
type heapSampler struct {
	mu        sync.Mutex
	peakInuse float64
	peakAlloc float64
	stop      context.CancelFunc
	done      chan struct{}
}

func startHeapSampler(ctx context.Context, m *managerProc) *heapSampler {
	ctx, cancel := context.WithCancel(ctx)
	h := &heapSampler{stop: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		for {
			if ss, err := m.metrics(ctx); err == nil {
				h.mu.Lock()
				h.peakInuse = max(h.peakInuse, ss.sum("go_memstats_heap_inuse_bytes", nil))
				h.peakAlloc = max(h.peakAlloc, ss.sum("go_memstats_heap_alloc_bytes", nil))
				h.mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
		}
	}()
	return h
}

// finish stops sampling and returns the peak heap in use and allocated, MiB.
func (h *heapSampler) finish() (inuse, alloc float64) {
	h.stop()
	<-h.done
	h.mu.Lock()
	defer h.mu.Unlock()
	return mib(h.peakInuse), mib(h.peakAlloc)
}

// createUnrelatedSecrets creates n Secrets of 1 KiB each, without the
// operator's label, in ns: the kind of Secrets (TLS keys, service account
// tokens, Helm releases) every real cluster is full of.
func createUnrelatedSecrets(ctx context.Context, k client.Client, ns string, n, workers int) error {
	return parallel(ctx, n, workers, func(ctx context.Context, i int) error {
		payload := make([]byte, 1024)
		_, _ = rand.Read(payload) // never fails (crypto/rand)
		sec := &corev1.Secret{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("unrelated-%06d", i), Namespace: ns,
				Labels: map[string]string{"app": "unrelated"}},
			Data: map[string][]byte{"payload": payload},
		}
		if err := k.Create(ctx, sec); err != nil {
			return fmt.Errorf("creating unrelated Secret %d: %w", i, err)
		}
		return nil
	})
}

// growth is how much after exceeds before, in percent.
func growth(before, after float64) float64 {
	if before == 0 {
		return 0
	}
	return round((after - before) / before * 100)
}
