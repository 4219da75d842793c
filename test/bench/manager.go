package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/manager"
)

// managerProc is a running manager binary and a client for its metrics and
// pprof endpoints.
type managerProc struct {
	*manager.Process
	http *http.Client
	// scraping lets one scrape run at a time, as one Prometheus does: at
	// 10,000 clients a scrape takes seconds on a busy machine, and the
	// harness's pollers would otherwise overlap theirs, each holding its
	// own copy of every series in the manager's heap.
	scraping sync.Mutex
	// scrapeEvery is the least time from one scrape's start to the next
	// (scrapeInterval), so that the harness's pollers cost the manager no
	// more than a Prometheus would; lastScrape is when the last one began.
	scrapeEvery time.Duration
	lastScrape  time.Time
}

// scrapeInterval is the least time between two scrapes for n clients: 1 s,
// and 0.5 ms per client beyond 2,000 (5 s at 10,000). A scrape formats
// about eight series per client, over a second of the manager's CPU at
// 10,000 clients; scraped back to back, as the pollers would, that became
// a third of the manager's CPU in the apply, and its heap held a scrape's
// series most of the time. A Prometheus scrapes every 15 to 60 s.
func scrapeInterval(n int) time.Duration {
	return max(time.Second, time.Duration(n)*time.Millisecond/2)
}

// metrics scrapes the manager's Prometheus endpoint.
func (m *managerProc) metrics(ctx context.Context) (samples, error) {
	m.scraping.Lock()
	defer m.scraping.Unlock()
	if wait := time.Until(m.lastScrape.Add(m.scrapeEvery)); wait > 0 {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
	}
	m.lastScrape = time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.MetricsURL(), nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("scraping manager metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("scraping manager metrics: HTTP %d", resp.StatusCode)
	}
	return parseMetrics(resp.Body)
}

// saveProfile fetches /debug/pprof/<what> into path.
func (m *managerProc) saveProfile(ctx context.Context, what, path string) error {
	if err := saveURL(ctx, m.http, m.PprofURL()+"/"+what, path); err != nil {
		return fmt.Errorf("fetching profile %s: %w", what, err)
	}
	return nil
}

// fetchProfile copies /debug/pprof/<what> to w.
func (m *managerProc) fetchProfile(ctx context.Context, what string, w io.Writer) error {
	if err := fetchURL(ctx, m.http, m.PprofURL()+"/"+what, w); err != nil {
		return fmt.Errorf("fetching profile %s: %w", what, err)
	}
	return nil
}

// procMemory is the memory of a process as the kernel reports it.
type procMemory struct {
	// PeakRSS is VmHWM, the high-water mark of the resident set.
	PeakRSS float64
	// RSS is VmRSS, the resident set now; RSSAnon and RSSFile are its
	// anonymous part (the heap, stacks, the runtime's own) and its part
	// backed by files (the binary's code and data the process touched).
	RSS, RSSAnon, RSSFile float64
}

// memory reads /proc/<pid>/status of the manager.
func (m *managerProc) memory() (procMemory, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(m.PID()), "status"))
	if err != nil {
		return procMemory{}, fmt.Errorf("reading the manager's memory: %w", err)
	}
	defer func() { _ = f.Close() }()
	return parseProcStatus(f)
}

// parseProcStatus reads VmHWM and VmRSS, and RssAnon and RssFile where the
// kernel gives them (in kB), from /proc/<pid>/status.
func parseProcStatus(r io.Reader) (procMemory, error) {
	var pm procMemory
	fields := map[string]*float64{"VmHWM": &pm.PeakRSS, "VmRSS": &pm.RSS, "RssAnon": &pm.RSSAnon, "RssFile": &pm.RSSFile}
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		dst, known := fields[key]
		if !ok || !known {
			continue
		}
		words := strings.Fields(val)
		if len(words) != 2 || words[1] != "kB" {
			return pm, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseFloat(words[0], 64)
		if err != nil {
			return pm, fmt.Errorf("%s: %w", key, err)
		}
		*dst = kb * 1024
		if key == "VmHWM" || key == "VmRSS" {
			found++
		}
	}
	if err := sc.Err(); err != nil {
		return pm, err
	}
	if found != 2 {
		return pm, errors.New("no VmHWM/VmRSS in the process status")
	}
	return pm, nil
}
