package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/testutil/proc"
)

// managerConfig is how a manager process is started.
type managerConfig struct {
	binary, kubeconfig, operatorNamespace string
	resync, tokenEarlyRefresh             time.Duration
	concurrency                           int
	authServerQPS                         float64
	logPath                               string
	// goMemLimit and goGC, when set, are GOMEMLIMIT and GOGC in the
	// manager's environment.
	goMemLimit, goGC string
}

// managerProc is a running manager binary.
type managerProc struct {
	cmd        *exec.Cmd
	done       chan struct{}
	waitErr    error
	log        *os.File
	metricsURL string
	probeURL   string
	pprofURL   string
	http       *http.Client
}

// buildManager compiles ./cmd into out, from the repository root.
func buildManager(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "./cmd")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("building the manager (go build ./cmd): %w", err)
	}
	return nil
}

// startManager runs the manager on free loopback ports and waits until its
// readiness probe answers.
func startManager(ctx context.Context, cfg managerConfig) (*managerProc, error) {
	ports, err := proc.FreePorts(3)
	if err != nil {
		return nil, err
	}
	addr := func(p int) string { return "127.0.0.1:" + strconv.Itoa(p) }
	logFile, err := os.Create(cfg.logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the manager log: %w", err)
	}
	m := &managerProc{
		done:       make(chan struct{}),
		log:        logFile,
		metricsURL: "http://" + addr(ports[0]) + "/metrics",
		probeURL:   "http://" + addr(ports[1]) + "/readyz",
		pprofURL:   "http://" + addr(ports[2]) + "/debug/pprof",
		http:       &http.Client{Timeout: 5 * time.Minute},
	}
	m.cmd = exec.Command(cfg.binary,
		"--kubeconfig", cfg.kubeconfig,
		"--metrics-bind-address", addr(ports[0]),
		"--health-probe-bind-address", addr(ports[1]),
		"--pprof-bind-address", addr(ports[2]),
		"--operator-namespace", cfg.operatorNamespace,
		"--resync-period", cfg.resync.String(),
		"--token-early-refresh", cfg.tokenEarlyRefresh.String(),
		"--concurrency", strconv.Itoa(cfg.concurrency),
		"--auth-server-qps", strconv.FormatFloat(cfg.authServerQPS, 'g', -1, 64),
	)
	m.cmd.Env = os.Environ()
	if cfg.goMemLimit != "" {
		m.cmd.Env = append(m.cmd.Env, "GOMEMLIMIT="+cfg.goMemLimit)
	}
	if cfg.goGC != "" {
		m.cmd.Env = append(m.cmd.Env, "GOGC="+cfg.goGC)
	}
	m.cmd.Stdout, m.cmd.Stderr = logFile, logFile
	m.cmd.SysProcAttr = proc.SysProcAttr()
	if err := m.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting the manager: %w", err)
	}
	go func() {
		m.waitErr = m.cmd.Wait()
		close(m.done)
	}()
	if err := m.waitReady(ctx); err != nil {
		_ = m.stop()
		return nil, err
	}
	return m, nil
}

func (m *managerProc) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	err := proc.WaitOK(ctx, m.probeURL, m.done)
	switch {
	case errors.Is(err, proc.ErrExited):
		return fmt.Errorf("the manager exited before it was ready (%v); see %s", m.waitErr, m.log.Name())
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the manager was not ready after a minute; see %s", m.log.Name())
	}
	return err
}

// stop ends the manager with SIGTERM (SIGKILL after 20s) and waits for it.
func (m *managerProc) stop() error {
	defer func() { _ = m.log.Close() }()
	select {
	case <-m.done:
		return nil
	default:
	}
	_ = m.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-m.done:
	case <-time.After(20 * time.Second):
		_ = m.cmd.Process.Kill()
		<-m.done
		return errors.New("stopping the manager: killed after 20s")
	}
	return nil
}

// metrics scrapes the manager's Prometheus endpoint.
func (m *managerProc) metrics(ctx context.Context) (samples, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.metricsURL, nil)
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
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := m.fetchProfile(ctx, what, f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// fetchProfile copies /debug/pprof/<what> to w.
func (m *managerProc) fetchProfile(ctx context.Context, what string, w io.Writer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, m.pprofURL+"/"+what, nil)
	if err != nil {
		return err
	}
	resp, err := m.http.Do(req)
	if err != nil {
		return fmt.Errorf("fetching profile %s: %w", what, err)
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("fetching profile %s: HTTP %d", what, resp.StatusCode)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading profile %s: %w", what, err)
	}
	return nil
}

// procMemory is the memory of a process as the kernel reports it.
type procMemory struct {
	// PeakRSS is VmHWM, the high-water mark of the resident set.
	PeakRSS float64
	// RSS is VmRSS, the resident set now.
	RSS float64
}

// memory reads /proc/<pid>/status of the manager.
func (m *managerProc) memory() (procMemory, error) {
	f, err := os.Open(filepath.Join("/proc", strconv.Itoa(m.cmd.Process.Pid), "status"))
	if err != nil {
		return procMemory{}, fmt.Errorf("reading the manager's memory: %w", err)
	}
	defer func() { _ = f.Close() }()
	return parseProcStatus(f)
}

// parseProcStatus reads VmHWM and VmRSS (in kB) from /proc/<pid>/status.
func parseProcStatus(r io.Reader) (procMemory, error) {
	var pm procMemory
	found := 0
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmHWM" && key != "VmRSS") {
			continue
		}
		fields := strings.Fields(val)
		if len(fields) != 2 || fields[1] != "kB" {
			return pm, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return pm, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmHWM" {
			pm.PeakRSS = kb * 1024
		} else {
			pm.RSS = kb * 1024
		}
		found++
	}
	if err := sc.Err(); err != nil {
		return pm, err
	}
	if found != 2 {
		return pm, errors.New("no VmHWM/VmRSS in the process status")
	}
	return pm, nil
}
