package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
	"unicode/utf8"
)

// results is everything one run measured; it is written as JSON.
type results struct {
	StartedAt        time.Time `json:"started_at"`
	N                int       `json:"n"`
	Concurrency      int       `json:"concurrency"`
	UnrelatedSecrets int       `json:"unrelated_secrets"`
	AuthServerQPS    float64   `json:"auth_server_qps"`
	GoMemLimit       string    `json:"gomemlimit,omitempty"`
	GOGC             string    `json:"gogc,omitempty"`
	TrickleClients   int       `json:"trickle_clients"`
	Cores            int       `json:"cores"`
	TotalSeconds     float64   `json:"total_seconds"`

	Baseline baselineResult `json:"baseline"`
	Apply    applyResult    `json:"apply"`
	// OperatorOverBaseline is Apply.AllReadySeconds / Baseline.Seconds.
	OperatorOverBaseline float64 `json:"operator_over_baseline"`
	// OperatorOverBaselineWithCreates is Apply.AllReadySeconds /
	// (Baseline.SetupSeconds + Baseline.Seconds): the operator's time
	// includes the N creates of the apply, the loop's does not, and a
	// create of an OAuthClient costs the API server about as much as a
	// patch of one (the kube-apiserver profiles).
	OperatorOverBaselineWithCreates float64 `json:"operator_over_baseline_with_creates"`
	// Minimal is the same apply against the least a controller can do
	// (runMinimalController). MinimalOverBaseline is its time over the
	// baseline loop's: the least OperatorOverBaseline can be for any
	// controller. OperatorOverMinimal is the operator's time over its.
	Minimal             minimalResult `json:"minimal_controller"`
	MinimalOverBaseline float64       `json:"minimal_over_baseline"`
	OperatorOverMinimal float64       `json:"operator_over_minimal"`
	// IdleApplyToSecret is the latency of single applies on an idle operator.
	IdleApplyToSecret latencies         `json:"idle_apply_to_secret"`
	Memory            memoryResult      `json:"memory"`
	Steady            steadyResult      `json:"steady_state"`
	MgmtTokens        mgmtTokenResult   `json:"management_tokens"`
	Isolation         isolationResult   `json:"isolation"`
	ListResync        listResyncResult  `json:"list_resync"`
	Targets           []target          `json:"targets"`
	Files             map[string]string `json:"files"`
}

// memoryResult is the manager's memory at the moments that matter.
type memoryResult struct {
	// Idle: first manager, AuthServer Ready, no clients yet.
	Idle memoryReading `json:"idle"`
	// AfterApply: first manager, right after all N clients were Ready; its
	// peak RSS is the peak of the apply phase.
	AfterApply memoryReading `json:"after_apply"`
	// RestartWithout, RestartWithoutAgain and RestartWith: a fresh manager
	// once it settled over the same clients; twice before the unrelated
	// Secrets existed (their difference is the noise), once after.
	RestartWithout      memoryReading `json:"restart_without_unrelated"`
	RestartWithoutAgain memoryReading `json:"restart_without_unrelated_again"`
	RestartWith         memoryReading `json:"restart_with_unrelated"`
	// LiveBefore and LiveAfter: a running manager before and after the
	// unrelated Secrets were created.
	LiveBefore             memoryReading `json:"live_before_unrelated"`
	LiveAfter              memoryReading `json:"live_after_unrelated"`
	UnrelatedCreateSeconds float64       `json:"unrelated_create_seconds"`
	// Growth in percent that came with the unrelated Secrets, against the
	// mean of the two restarts without them; Spread is how far those two
	// differ from each other, in percent of their mean.
	RestartPeakRSSGrowth  float64 `json:"restart_peak_rss_growth_percent"`
	RestartLiveHeapGrowth float64 `json:"restart_live_heap_growth_percent"`
	RestartPeakRSSSpread  float64 `json:"restart_peak_rss_spread_percent"`
	RestartLiveHeapSpread float64 `json:"restart_live_heap_spread_percent"`
	LiveRSSGrowth         float64 `json:"live_rss_growth_percent"`
	LiveHeapGrowth        float64 `json:"live_live_heap_growth_percent"`
}

// judgeUnrelated computes the growth that came with the unrelated Secrets
// and the spread between the two restarts without them.
func (m *memoryResult) judgeUnrelated() {
	a, b, c := m.RestartWithout, m.RestartWithoutAgain, m.RestartWith
	peak, live := (a.PeakRSSMiB+b.PeakRSSMiB)/2, (a.LiveHeapMiB+b.LiveHeapMiB)/2
	m.RestartPeakRSSGrowth = growth(peak, c.PeakRSSMiB)
	m.RestartLiveHeapGrowth = growth(live, c.LiveHeapMiB)
	m.RestartPeakRSSSpread = ratio(math.Abs(a.PeakRSSMiB-b.PeakRSSMiB)*100, peak)
	m.RestartLiveHeapSpread = ratio(math.Abs(a.LiveHeapMiB-b.LiveHeapMiB)*100, live)
}

// target is one goal and how this run fared.
type target struct {
	Name     string  `json:"name"`
	Goal     string  `json:"goal"`
	Measured float64 `json:"measured"`
	Limit    float64 `json:"limit"`
	Met      bool    `json:"met"`
	Verdict  string  `json:"verdict"`
}

// atMost is a target that measured must not exceed limit.
func atMost(name, goal string, measured, limit float64) target {
	t := target{Name: name, Goal: goal, Measured: measured, Limit: limit, Met: measured <= limit}
	switch {
	case t.Met:
		t.Verdict = "met"
	case limit == 0:
		t.Verdict = fmt.Sprintf("MISSED by %g", measured)
	default:
		t.Verdict = fmt.Sprintf("MISSED by %.0f%%", (measured/limit-1)*100)
	}
	return t
}

// Target names, shared by targets and printTable.
const (
	tRatio      = "operator / baseline"
	tP99        = "apply→Secret p99 (s)"
	tAPIWrites  = "API writes per resync"
	tAuthWrites = "auth-server writes per resync"
	tAuthReads  = "auth-server reads per client per resync"
	tPeakRSS    = "peak RSS (MiB)"
	tUnrelRSS   = "unrelated Secrets: restart peak RSS growth (%)"
	tUnrelHeap  = "unrelated Secrets: restart live heap growth (%)"
	tTokensCC   = "management tokens per lifetime (client credentials)"
	tTokensIAT  = "management tokens (initial access token)"
	tIsolation  = "a healthy server's new client while another hangs (s)"
	tAPIPerNew  = "API requests per new client"
	tListReads  = "management reads per client per resync, List-capable server"
	tListWrites = "writes per resync at the List-capable server (API + Hydra)"
)

// targets judges the run against the performance goals. They inform; the
// harness exits 0 either way.
func targets(r *results) []target {
	m := r.Memory
	return []target{
		atMost(tAPIPerNew, "≤ 4", round(ratio(r.Apply.API.Writes+r.Apply.API.Reads, float64(r.Apply.Clients))), 4),
		atMost(tRatio, "≤ 1.5 at N=1000", r.OperatorOverBaseline, 1.5),
		atMost(tP99, "≤ 2 s", round(r.Apply.ApplyToSecret.P99Ms/1000), 2),
		atMost(tAPIWrites, "0", r.Steady.Resync.API.Writes, 0),
		atMost(tAuthWrites, "0", r.Steady.Resync.Auth.Writes, 0),
		atMost(tAuthReads, "≤ 1", r.Steady.Resync.AuthReadsPerReconcile, 1),
		atMost(tPeakRSS, "≤ 120 MiB at N=10000", m.AfterApply.PeakRSSMiB, 120),
		atMost(tUnrelRSS, "≤ 5%", max(m.RestartPeakRSSGrowth, 0), 5),
		atMost(tUnrelHeap, "≤ 5%", max(m.RestartLiveHeapGrowth, 0), 5),
		atMost(tTokensCC, "≤ 1", r.MgmtTokens.ClientCredentials.PerLifetime, 1),
		atMost(tTokensIAT, "0", r.MgmtTokens.IATTokenRequests, 0),
		atMost(tIsolation, "≤ 2 s", r.Isolation.ApplyToReadySeconds, 2),
		atMost(tListReads, "≤ 0.02", r.ListResync.ReadsPerClientPerResync, 0.02),
		atMost(tListWrites, "0", r.ListResync.API.Writes+float64(r.ListResync.Writes), 0),
	}
}

// table lays out rows of four aligned columns; a one-cell row (a title or
// a note) is printed as it is and does not widen the columns.
type table struct {
	rows [][]string
}

// title starts a section; note adds an indented line of text; row adds up
// to four cells.
func (t *table) title(s string) { t.rows = append(t.rows, []string{"\n" + s}) }
func (t *table) note(s string)  { t.rows = append(t.rows, []string{"  " + s}) }
func (t *table) row(cols ...string) {
	t.rows = append(t.rows, append(cols, make([]string, 4-len(cols))...))
}

func (t *table) write(w io.Writer) error {
	var width [4]int
	for _, r := range t.rows {
		if len(r) == 4 {
			for i, c := range r {
				width[i] = max(width[i], utf8.RuneCountInString(c))
			}
		}
	}
	var b strings.Builder
	for _, r := range t.rows {
		if len(r) == 1 {
			b.WriteString(r[0] + "\n")
			continue
		}
		var line strings.Builder
		for i, c := range r {
			line.WriteString(c)
			line.WriteString(strings.Repeat(" ", width[i]-utf8.RuneCountInString(c)+2))
		}
		b.WriteString(strings.TrimRight(line.String(), " ") + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// printTable writes the human-readable report.
func printTable(w io.Writer, r *results) error {
	a, b, s, m := r.Apply, r.Baseline, r.Steady, r.Memory
	cc := r.MgmtTokens.ClientCredentials
	byName := map[string]target{}
	for _, t := range r.Targets {
		byName[t.Name] = t
	}
	var t table
	judged := func(label, value, name string) {
		tg := byName[name]
		t.row(label, value, tg.Goal, tg.Verdict)
	}
	memLimit := "no GOMEMLIMIT"
	if r.GoMemLimit != "" {
		memLimit = "GOMEMLIMIT=" + r.GoMemLimit
	}
	if r.GOGC != "" {
		memLimit += " GOGC=" + r.GOGC
	}
	_, _ = fmt.Fprintf(w, "oauth-client-operator benchmark: N=%d, manager --concurrency=%d --auth-server-qps=%g %s, %d unrelated Secrets, %d cores, metrics scraped at most every %s, %s in all\n",
		r.N, r.Concurrency, r.AuthServerQPS, memLimit, r.UnrelatedSecrets, r.Cores, scrapeInterval(r.N), time.Duration(r.TotalSeconds*float64(time.Second)).Round(time.Second))
	t.row("METRIC", "VALUE", "TARGET", "RESULT")

	t.title(fmt.Sprintf("APPLY: %d OAuthClients created at once by %d goroutines; manager 1, --resync-period=1h", a.Clients, a.CreateWorkers))
	t.row(fmt.Sprintf("baseline: no controller, %d workers, per client", b.Concurrency), "POST /reg, create Secret, patch status")
	t.row("  time for all", fmt.Sprintf("%.2f s (%.0f clients/s)", b.Seconds, b.ClientsPerSecond))
	t.row("  start→Secret p50/p90/p99/max", latencyText(b.StartToSecret))
	t.row("  CPU s by process", cpuText(b.CPU))
	t.row("operator: first create → all Ready", fmt.Sprintf("%.2f s (%.0f clients/s; creates took %.2f s; manager idle at %.2f s)",
		a.AllReadySeconds, a.ClientsPerSecond, a.CreateSeconds, a.DrainedSeconds))
	judged("operator / baseline", fmt.Sprintf("%.2f", r.OperatorOverBaseline), tRatio)
	t.row("  operator / (baseline's creates + loop)", fmt.Sprintf("%.2f (the creates, %.2f s, are in the operator's time, not in the loop's)",
		r.OperatorOverBaselineWithCreates, b.SetupSeconds))
	mc := r.Minimal
	t.row("minimal controller: first create → all Ready", fmt.Sprintf("%.2f s (creates took %.2f s; each create then the loop's work)", mc.Seconds, mc.CreateSeconds))
	t.row("  CPU s by process", cpuText(mc.CPU))
	t.row("  minimal controller / baseline", fmt.Sprintf("%.2f (the least operator / baseline can be, for any controller)", r.MinimalOverBaseline))
	t.row("  operator / minimal controller", fmt.Sprintf("%.2f", r.OperatorOverMinimal))
	tg := byName[tP99]
	t.row("apply→Secret p50/p90/p99/max", latencyText(a.ApplyToSecret), "p99 "+tg.Goal, tg.Verdict)
	t.row("apply→Ready p50/p90/p99/max", latencyText(a.ApplyToReady))
	t.row(fmt.Sprintf("idle apply→Secret p50/p90/p99/max (%d)", r.TrickleClients), latencyText(r.IdleApplyToSecret))
	t.note("Traffic, reconciles and CPU below are until the manager was idle again.")
	tg = byName[tAPIPerNew]
	t.row("manager → API server, per client", perClient(a.API, a.Clients), "requests "+tg.Goal, tg.Verdict)
	t.row("  by HTTP status, per client", perClientCodes(a.APIByCode, a.Clients))
	t.row("manager → auth server, per client", perClient(a.Auth, a.Clients))
	t.row("reconciles per client; mean reconcile", fmt.Sprintf("%.2f; %.1f ms", ratio(a.Reconciles, float64(a.Clients)), a.ReconcileMeanMs))
	t.row("CPU s by process", cpuText(a.CPU))
	t.row("profiles", fmt.Sprintf("CPU over the first %.0f s, goroutines every 200 ms, heap at the end", a.CPUProfileSeconds))

	t.title("MEMORY of the manager (VmHWM/VmRSS from /proc; Go heap from its metrics; live heap = heap after a forced GC)")
	t.row("idle: AuthServer Ready, no clients", memText(m.Idle))
	tg = byName[tPeakRSS]
	t.row(fmt.Sprintf("after applying %d (peak = apply peak)", a.Clients), memText(m.AfterApply), "peak "+tg.Goal, tg.Verdict)
	t.row("  heap peak sampled during apply", fmt.Sprintf("in use %.1f MiB, alloc %.1f MiB", a.PeakHeapInuseMiB, a.PeakHeapAllocMiB))
	t.row("fresh manager settled (manager 2)", memText(m.RestartWithout))
	t.row("fresh manager settled again (manager 2b)", memText(m.RestartWithoutAgain))
	t.row("  spread between the two, nothing changed", fmt.Sprintf("peak RSS %.1f%%, live heap %.1f%%", m.RestartPeakRSSSpread, m.RestartLiveHeapSpread))
	t.row(fmt.Sprintf("fresh manager settled, +%d unrelated (manager 3)", r.UnrelatedSecrets), memText(m.RestartWith))
	judged("  peak RSS growth vs mean of 2 and 2b", fmt.Sprintf("%+.1f%%", m.RestartPeakRSSGrowth), tUnrelRSS)
	judged("  live heap growth vs mean of 2 and 2b", fmt.Sprintf("%+.1f%%", m.RestartLiveHeapGrowth), tUnrelHeap)
	t.row(fmt.Sprintf("manager 2b running, %d unrelated created", r.UnrelatedSecrets),
		fmt.Sprintf("RSS %.1f → %.1f MiB (%+.1f%%), live heap %.1f → %.1f MiB (%+.1f%%); created in %.0f s",
			m.LiveBefore.RSSMiB, m.LiveAfter.RSSMiB, m.LiveRSSGrowth, m.LiveBefore.LiveHeapMiB, m.LiveAfter.LiveHeapMiB, m.LiveHeapGrowth, m.UnrelatedCreateSeconds))

	t.title(fmt.Sprintf("STEADY STATE: manager 2 over the same %d clients, --resync-period=%s, nothing changed", s.Clients, s.ResyncPeriod))
	t.note("Restart: from process start until every client was reconciled, the queue is empty and all are Ready (cold:")
	t.note("state read from the API server). Then one resync: from there until as many more reconciles as clients (warm).")
	t.note("The period is max(30s, half the apply time) so the restart settles first; an overlap is flagged.")
	restart := waveText(s.Restart)
	if p, err := time.ParseDuration(s.ResyncPeriod); err == nil && s.Restart.Seconds > 0.9*p.Seconds() {
		restart += " (OVERLAPS the first resync)"
	}
	t.row("restart: until all reconciled, queue empty, all Ready", restart)
	t.row("  API server", trafficText(s.Restart.API))
	t.row("  auth server", trafficText(s.Restart.Auth))
	t.row("  CPU s by process", cpuText(s.Restart.CPU))
	t.row("one full resync: as many reconciles as clients", waveText(s.Resync))
	tg = byName[tAPIWrites]
	t.row("  API server", trafficText(s.Resync.API), "writes "+tg.Goal, tg.Verdict)
	tg = byName[tAuthWrites]
	t.row("  auth server", trafficText(s.Resync.Auth), "writes "+tg.Goal, tg.Verdict)
	judged("  auth-server reads per client resync", fmt.Sprintf("%.2f (reads / reconciles)", s.Resync.AuthReadsPerReconcile), tAuthReads)
	t.row("  CPU s by process", cpuText(s.Resync.CPU))
	t.row("manager 2b restart", waveText(s.RestartAgain))
	t.row("  API server", trafficText(s.RestartAgain.API))
	t.row("  auth server", trafficText(s.RestartAgain.Auth))
	t.row("manager 3 restart, unrelated Secrets present", waveText(s.RestartWithUnrelated))
	t.row("  API server", trafficText(s.RestartWithUnrelated.API))
	t.row("  auth server", trafficText(s.RestartWithUnrelated.Auth))
	t.row("  CPU s by process", cpuText(s.RestartWithUnrelated.CPU))

	t.title("MANAGEMENT TOKENS: POST /token by the manager")
	judged("initial-access-token AuthServer, whole run", fmt.Sprintf("%g", r.MgmtTokens.IATTokenRequests), tTokensIAT)
	t.row(fmt.Sprintf("client-credentials AuthServer (manager 3): %d clients in %d waves", cc.Clients, cc.Waves),
		fmt.Sprintf("token TTL %gs, refreshed %gs early: a token serves %gs", cc.TokenTTLSeconds, cc.EarlyRefreshSeconds, cc.LifetimeSeconds))
	judged("  token requests", fmt.Sprintf("%g in %.0f s = %d lifetimes → %.2f per lifetime", cc.TokenRequests, cc.Seconds, cc.LifetimesSpanned, cc.PerLifetime), tTokensCC)

	iso := r.Isolation
	t.title(fmt.Sprintf("ISOLATION: manager 3; %d OAuthClients at a server that accepts connections and never answers a registration", iso.HungClients))
	t.row("registrations waiting at the hung server", fmt.Sprintf("%d (the manager has %d workers)", iso.Waiting, r.Concurrency))
	judged("  a new client of the healthy server: apply→Ready", fmt.Sprintf("%.2f s", iso.ApplyToReadySeconds), tIsolation)

	lr := r.ListResync
	t.title(fmt.Sprintf("RESYNC BY LIST: manager 4 (--namespaces=%s, --resync-period=%s); %d OAuthClients at Ory Hydra, nothing changed", hydraNamespace, lr.ResyncPeriod, lr.Clients))
	if lr.Skipped != "" {
		t.row("skipped", lr.Skipped)
	} else {
		t.row(fmt.Sprintf("Hydra admin API over %g resync periods", lr.Periods), fmt.Sprintf("GET /admin/clients (one per page) %d, GET /admin/clients/{id} %d, writes %d", lr.Lists, lr.ClientReads, lr.Writes))
		judged("  reads per client per resync", fmt.Sprintf("%.3f ((lists + client reads) / (clients × periods))", lr.ReadsPerClientPerResync), tListReads)
		judged("  writes: API server; Hydra", fmt.Sprintf("%g; %d (API %s)", lr.API.Writes, lr.Writes, trafficText(lr.API)), tListWrites)
	}

	t.title("FILES")
	for _, k := range sortedKeys(r.Files) {
		t.row(k, r.Files[k])
	}
	return t.write(w)
}

func latencyText(l latencies) string {
	return fmt.Sprintf("%s / %s / %s / %s", msText(l.P50Ms), msText(l.P90Ms), msText(l.P99Ms), msText(l.MaxMs))
}

func msText(v float64) string {
	if v >= 1000 {
		return fmt.Sprintf("%.2f s", v/1000)
	}
	return fmt.Sprintf("%.0f ms", v)
}

func memText(m memoryReading) string {
	return fmt.Sprintf("peak RSS %.1f, RSS %.1f (anonymous %.1f, files %.1f), heap in use %.1f, live heap %.1f MiB",
		m.PeakRSSMiB, m.RSSMiB, m.RSSAnonMiB, m.RSSFileMiB, m.HeapInuseMiB, m.LiveHeapMiB)
}

func waveText(w waveResult) string {
	text := fmt.Sprintf("%g reconciles in %.1f s; %d went not-Ready", w.Reconciles, w.Seconds, w.WentNotReady)
	var reasons []string
	for _, k := range sortedKeys(w.NotReadyReasons) {
		reasons = append(reasons, fmt.Sprintf("%s %g", k, w.NotReadyReasons[k]))
	}
	if len(reasons) > 0 {
		text += " (" + strings.Join(reasons, ", ") + ")"
	}
	return text
}

func cpuText(u cpuUse) string {
	var parts []string
	for _, k := range sortedKeys(u.Seconds) {
		if k != otherProcesses {
			parts = append(parts, fmt.Sprintf("%s %.1f", k, u.Seconds[k]))
		}
	}
	return fmt.Sprintf("%s = %.0f%% of the machine; other processes %.0f%%", strings.Join(parts, ", "), u.MachinePercent, u.OthersPercent)
}

// trafficText is "writes W (POST a, ...); reads R (GET b, ...)", leaving
// out an empty list.
func trafficText(t traffic) string {
	var writes, reads []string
	for _, k := range sortedKeys(t.Requests) {
		item := fmt.Sprintf("%s %g", k, t.Requests[k])
		if newTraffic(map[string]float64{k: 1}).Writes > 0 {
			writes = append(writes, item)
		} else {
			reads = append(reads, item)
		}
	}
	list := func(items []string) string {
		if len(items) == 0 {
			return ""
		}
		return " (" + strings.Join(items, ", ") + ")"
	}
	return fmt.Sprintf("writes %g%s; reads %g%s", t.Writes, list(writes), t.Reads, list(reads))
}

// perClient is trafficText with every count divided by n.
func perClient(t traffic, n int) string {
	return trafficText(newTraffic(perN(t.Requests, n)))
}

func perClientCodes(codes map[string]float64, n int) string {
	var parts []string
	scaled := perN(codes, n)
	for _, k := range sortedKeys(scaled) {
		parts = append(parts, fmt.Sprintf("%s: %g", k, scaled[k]))
	}
	return strings.Join(parts, ", ")
}

func perN(counts map[string]float64, n int) map[string]float64 {
	out := map[string]float64{}
	for k, v := range counts {
		out[k] = ratio(v, float64(n))
	}
	return out
}

// writeJSON writes r to path.
func writeJSON(path string, r *results) error {
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil { //nolint:gosec // G306: the report is for people and tools to read, like any build output
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return nil
}
