// Command bench measures the operator at scale: it starts a real API server
// (envtest) and auth server (npm oidc-provider), runs the manager binary as
// a child process and reports throughput against a no-controller baseline,
// apply-to-Secret latency, memory with and without unrelated Secrets, the
// traffic of a resync with nothing changed, and management-token requests.
// It prints a table and writes JSON; it asserts nothing.
//
//	go run ./test/bench -n 1000 -concurrency 8 -unrelated-secrets 20000 -out .bench/results.json
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

// Settings that are not flags.
const (
	createWorkers  = 32 // goroutines that create objects, as kubectl apply of many files or a GitOps sync would
	trickleClients = 20
	longResync     = time.Hour
	// minResync is the shortest steady-state resync period; it grows with
	// N (half the apply time) so that the restart, which must settle before
	// the first resync begins, stays well inside one period.
	minResync = 30 * time.Second
	iatValue  = "bench-initial-access-token-0123456789"
)

// options are the command line.
type options struct {
	n, concurrency, unrelated int
	authServerQPS             float64
	out                       string
	// goMemLimit and goGC are GOMEMLIMIT and GOGC for the manager only
	// ("": inherit).
	goMemLimit, goGC string
	// managerSrc is the source tree the manager is built from ("": this
	// repository), for an A/B against another commit.
	managerSrc string
}

func main() {
	opts, err := parseFlags()
	if err == nil {
		err = run(opts)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags() (options, error) {
	defN := 1000
	if v := os.Getenv("N"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return options{}, fmt.Errorf("environment variable N=%q: want a positive number", v)
		}
		defN = n
	}
	var o options
	flag.IntVar(&o.n, "n", defN, "number of OAuthClients to apply (default from env N, else 1000)")
	flag.IntVar(&o.concurrency, "concurrency", 8, "manager workers (--concurrency), also the baseline's")
	flag.IntVar(&o.unrelated, "unrelated-secrets", 20000, "unlabelled Secrets to create to show the cache ignores them")
	flag.Float64Var(&o.authServerQPS, "auth-server-qps", 0,
		"the manager's --auth-server-qps: its client-side limit of requests per auth server (0: none, like the baseline)")
	flag.StringVar(&o.goMemLimit, "gomemlimit", "",
		"GOMEMLIMIT for the manager process only, e.g. 200MiB as config/manager sets it (empty: inherit the harness's environment)")
	flag.StringVar(&o.goGC, "gogc", "",
		"GOGC for the manager process only, e.g. 50 (empty: inherit the harness's environment)")
	flag.StringVar(&o.managerSrc, "manager-src", "",
		"build the manager from this source tree instead, e.g. `git archive COMMIT | tar -x -C DIR`, for an A/B with this harness (empty: this repository)")
	flag.StringVar(&o.out, "out", filepath.Join(".bench", "results.json"), "JSON results file; profiles and logs go next to it")
	flag.Parse()
	if o.n <= 0 || o.concurrency <= 0 || o.unrelated < 0 || o.authServerQPS < 0 {
		return o, fmt.Errorf("-n and -concurrency must be positive, -unrelated-secrets and -auth-server-qps not negative")
	}
	return o, nil
}

// managerMemLimit is the GOMEMLIMIT the manager runs with: the flag's, else
// the one it inherits ("" when none).
func managerMemLimit(opts options) string {
	if opts.goMemLimit != "" {
		return opts.goMemLimit
	}
	return os.Getenv("GOMEMLIMIT")
}

// managerGOGC is the GOGC the manager runs with: the flag's, else the one
// it inherits ("" when none: 100).
func managerGOGC(opts options) string {
	if opts.goGC != "" {
		return opts.goGC
	}
	return os.Getenv("GOGC")
}

func run(opts options) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	h, err := setup(ctx, opts)
	if err != nil {
		return err
	}
	defer h.close()

	r := &results{StartedAt: time.Now().UTC(), N: opts.n, Concurrency: opts.concurrency,
		UnrelatedSecrets: opts.unrelated, AuthServerQPS: opts.authServerQPS, GoMemLimit: managerMemLimit(opts), GOGC: managerGOGC(opts), TrickleClients: trickleClients,
		Cores: cpuCores(), Files: h.files}
	if err := h.measure(ctx, r); err != nil {
		return err
	}
	r.TotalSeconds = seconds(time.Since(h.started))
	r.Targets = targets(r)
	if err := writeJSON(opts.out, r); err != nil {
		return err
	}
	return printTable(os.Stdout, r)
}

// measure runs the phases in order:
//
//  1. baseline, with no manager running;
//  2. manager 1 (resync 1h): AuthServer, apply N clients (profiled), then
//     single applies on the idle operator;
//  3. manager 2 (resync short): restart, then one full resync;
//  4. manager 2b (resync 1h): restart again, to see how much memory varies
//     between two restarts with nothing changed; then the unrelated
//     Secrets are created while it runs;
//  5. manager 3 (resync 1h): restart with the unrelated Secrets present,
//     then the client-credentials variant, then a new client of the
//     healthy server while another server hangs;
//  6. manager 4 (resync 20s, its own namespace): clients at Ory Hydra, then
//     what resyncs by list cost with nothing changed.
func (h *harness) measure(ctx context.Context, r *results) error {
	n := h.opts.n
	progress("baseline: %d registrations, Secret creates and status writes with %d workers", n, h.opts.concurrency)
	reg, err := newRegistrar(ctx, h.auth.Issuer, iatValue, h.opts.concurrency)
	if err != nil {
		return err
	}
	profile := h.apiServerProfiles(ctx, "kube-apiserver CPU profiles (baseline)", "apiserver-baseline")
	if r.Baseline, err = runBaseline(ctx, h.k, reg, n, h.opts.concurrency, createWorkers, profile); err != nil {
		return err
	}
	progress("minimal controller: %d creates, each followed by the baseline loop's work", n)
	if r.Minimal, err = runMinimalController(ctx, h.k, reg, n, h.opts.concurrency, createWorkers); err != nil {
		return err
	}
	if err := h.phaseApply(ctx, r); err != nil {
		return err
	}

	clients := n + trickleClients
	resync := max(minResync, time.Duration(r.Apply.AllReadySeconds/2*float64(time.Second))).Round(time.Second)
	progress("manager 2: restart over %d clients, then one full resync (--resync-period=%s)", clients, resync)
	var m2 *managerProc
	if r.Steady, r.Memory.RestartWithout, m2, err = h.runSteady(ctx, clients, resync); err != nil {
		return err
	}
	if err := m2.Stop(); err != nil {
		return err
	}

	progress("manager 2b: restart again, then create %d unrelated Secrets", h.opts.unrelated)
	m2b, w2b, err := h.restart(ctx, "restart-again", clients, &r.Memory.RestartWithoutAgain, "")
	if err != nil {
		return err
	}
	r.Steady.RestartAgain = w2b
	if err := h.measureLive(ctx, m2b, &r.Memory); err != nil {
		_ = m2b.Stop()
		return err
	}
	if err := m2b.Stop(); err != nil {
		return err
	}

	progress("manager 3: restart with the unrelated Secrets present")
	m3, w, err := h.restart(ctx, "unrelated", clients, &r.Memory.RestartWith, "heap-restart-with-unrelated.pprof")
	if err != nil {
		return err
	}
	defer func() { _ = m3.Stop() }()
	r.Steady.RestartWithUnrelated = w
	r.Memory.judgeUnrelated()

	progress("manager 3: client-credentials AuthServer, %d clients in %d waves", ccWaves*ccPerWave, ccWaves)
	if r.MgmtTokens.ClientCredentials, err = h.runClientCredentials(ctx); err != nil {
		return err
	}
	counts, err := authRequests(ctx, h.auth)
	if err != nil {
		return err
	}
	r.MgmtTokens.IATTokenRequests = counts["POST /token"]

	progress("manager 3: a new OAuthClient while %d wait at a server that never answers", 2*h.opts.concurrency)
	if r.Isolation, err = h.runIsolation(ctx); err != nil {
		return err
	}
	if err := m3.Stop(); err != nil {
		return err
	}

	progress("manager 4: up to %d OAuthClients at Ory Hydra, then %d resync periods of %s with nothing changed", hydraClients, hydraPeriods, hydraResync)
	if r.ListResync, err = h.runListResync(ctx); err != nil {
		// The table of everything else is still worth printing.
		r.ListResync.Skipped = "failed: " + err.Error()
	}
	return ctx.Err()
}

// phaseApply runs manager 1: the AuthServer, the apply of N clients and the
// single applies on the idle operator.
func (h *harness) phaseApply(ctx context.Context, r *results) (err error) {
	progress("manager 1: AuthServer, then %d OAuthClients at once", h.opts.n)
	m1, err := h.startManager(ctx, "apply", longResync)
	if err != nil {
		return err
	}
	defer func() {
		if serr := m1.Stop(); err == nil {
			err = serr
		}
	}()
	if err := createAuthServer(ctx, h.k, benchNamespace, serverName, h.auth.Issuer,
		map[string]string{"token": iatValue}, iatCredentials(serverName+"-credentials")); err != nil {
		return err
	}
	if r.Memory.Idle, err = readMemory(ctx, m1, ""); err != nil {
		return err
	}
	profileFor := min(max(4*time.Duration(r.Baseline.Seconds*float64(time.Second)), 5*time.Second), 2*time.Minute).Round(time.Second)
	if r.Apply, err = h.runApply(ctx, m1, h.opts.n, profileFor); err != nil {
		return err
	}
	r.OperatorOverBaseline = ratio(r.Apply.AllReadySeconds, r.Baseline.Seconds)
	r.OperatorOverBaselineWithCreates = ratio(r.Apply.AllReadySeconds, r.Baseline.SetupSeconds+r.Baseline.Seconds)
	r.MinimalOverBaseline = ratio(r.Minimal.Seconds, r.Baseline.Seconds)
	r.OperatorOverMinimal = ratio(r.Apply.AllReadySeconds, r.Minimal.Seconds)
	if r.Memory.AfterApply, err = readMemory(ctx, m1, ""); err != nil {
		return err
	}
	progress("manager 1: %d single applies on the idle operator", trickleClients)
	r.IdleApplyToSecret, err = h.runTrickle(ctx, m1, trickleClients)
	return err
}

// restart starts a manager (resync 1h) over the existing clients, waits
// until it settled and reads its memory into mem (saving a forced-GC heap
// profile as heapProfile when set). The manager keeps running.
func (h *harness) restart(ctx context.Context, name string, clients int, mem *memoryReading, heapProfile string) (*managerProc, waveResult, error) {
	start, err := h.mark(ctx, nil)
	if err != nil {
		return nil, waveResult{}, err
	}
	m, err := h.startManager(ctx, name, longResync)
	if err != nil {
		return nil, waveResult{}, err
	}
	fail := func(err error) (*managerProc, waveResult, error) {
		_ = m.Stop()
		return nil, waveResult{}, err
	}
	if err := h.waitQuiescent(ctx, m, clients, readyTimeout(clients)+2*time.Minute); err != nil {
		return fail(err)
	}
	settled, err := h.mark(ctx, m)
	if err != nil {
		return fail(err)
	}
	if heapProfile != "" {
		heapProfile = h.file("heap profile ("+name+")", heapProfile)
	}
	if *mem, err = readMemory(ctx, m, heapProfile); err != nil {
		return fail(err)
	}
	return m, wave(start, settled), nil
}

// measureLive reads the running manager's memory before and after the
// unrelated Secrets are created.
func (h *harness) measureLive(ctx context.Context, m *managerProc, mem *memoryResult) error {
	var err error
	if mem.LiveBefore, err = readMemory(ctx, m, ""); err != nil {
		return err
	}
	start := time.Now()
	if err := createUnrelatedSecrets(ctx, h.k, unrelatedNamespace, h.opts.unrelated, createWorkers); err != nil {
		return err
	}
	mem.UnrelatedCreateSeconds = seconds(time.Since(start))
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(5 * time.Second): // let any watch traffic arrive
	}
	if mem.LiveAfter, err = readMemory(ctx, m, ""); err != nil {
		return err
	}
	mem.LiveRSSGrowth = growth(mem.LiveBefore.RSSMiB, mem.LiveAfter.RSSMiB)
	mem.LiveHeapGrowth = growth(mem.LiveBefore.LiveHeapMiB, mem.LiveAfter.LiveHeapMiB)
	return nil
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: %s %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
}
