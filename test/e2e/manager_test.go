package e2e

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/testutil/proc"
)

const (
	// managerResync and managerHTTPTimeout keep the processes quick to
	// notice and recover.
	managerResync      = "5s"
	managerHTTPTimeout = "5s"
	managerReadyWait   = 60 * time.Second
	managerStopWait    = 20 * time.Second
	// startAttempts covers a free port taken by someone else between the
	// test picking it and the manager binding it.
	startAttempts = 3
)

// buildManager compiles ./cmd into out from the repository root.
func buildManager(root, out string) error {
	cmd := exec.Command("go", "build", "-o", out, "./cmd")
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the manager (go build ./cmd): %w\n%s", err, b)
	}
	return nil
}

// managerOptions say how a manager process is started.
type managerOptions struct {
	// name tells the process apart in messages and names its log file.
	name string
	// operatorNamespace and namespaces are --operator-namespace and
	// --namespaces: each test watches only its own namespaces.
	operatorNamespace, namespaces string
	// crashAt, when set, is the crash point at which the process kills
	// itself (crashpoint.EnvVar).
	crashAt string
	// args are further flags, e.g. for leader election.
	args []string
}

// managerProc is one manager process, its output in a log file.
type managerProc struct {
	name    string
	logPath string
	cmd     *exec.Cmd
	done    chan struct{} // closed once the process has exited
	waitErr error         // set before done is closed
}

// startManager runs the built manager on free loopback ports and returns
// once its readiness probe answers. It is stopped when the test ends.
func (h *harness) startManager(t *testing.T, o managerOptions) *managerProc {
	t.Helper()
	if err := allowLeaderElection(context.Background(), h.k8s, h.root, o.operatorNamespace); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(h.dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+o.name+".log")
	var last error
	for range startAttempts {
		m, err := h.tryStartManager(o, logPath)
		if err == nil {
			t.Cleanup(func() { m.stop(t) })
			return m
		}
		last = err
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("starting manager %s: %v (log: %s)", o.name, last, logPath)
	return nil
}

// errPortTaken says a manager could not bind one of its ports.
var errPortTaken = errors.New("a port was taken")

// tryStartManager makes one attempt of startManager.
func (h *harness) tryStartManager(o managerOptions, logPath string) (*managerProc, error) {
	ports, err := proc.FreePorts(2)
	if err != nil {
		return nil, err
	}
	metricsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	probeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, fmt.Errorf("creating the log: %w", err)
	}
	args := append([]string{
		"--kubeconfig", h.kubeconfig,
		"--operator-namespace", o.operatorNamespace,
		"--namespaces", o.namespaces,
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", probeAddr,
		"--resync-period", managerResync,
		"--http-timeout", managerHTTPTimeout,
		"--zap-log-level", "debug",
	}, o.args...)
	cmd := exec.Command(h.manager, args...)
	cmd.Env = managerEnv(o.crashAt)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = proc.SysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", h.manager, err)
	}
	m := &managerProc{name: o.name, logPath: logPath, cmd: cmd, done: make(chan struct{})}
	go func() {
		m.waitErr = cmd.Wait()
		_ = logFile.Close()
		close(m.done)
	}()
	if err := m.waitReady("http://" + probeAddr + "/readyz"); err != nil {
		m.kill()
		if m.logContains("address already in use") {
			return nil, errPortTaken
		}
		return nil, err
	}
	return m, nil
}

// managerEnv is the test's environment with the crash point set to crashAt
// (or unset).
func managerEnv(crashAt string) []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, crashpoint.EnvVar+"=") {
			env = append(env, kv)
		}
	}
	if crashAt != "" {
		env = append(env, crashpoint.EnvVar+"="+crashAt)
	}
	return env
}

// waitReady polls the readiness probe until it answers 200.
func (m *managerProc) waitReady(url string) error {
	ctx, cancel := context.WithTimeout(context.Background(), managerReadyWait)
	defer cancel()
	err := proc.WaitOK(ctx, url, m.done)
	switch {
	case errors.Is(err, proc.ErrExited):
		return fmt.Errorf("it exited (%v) before it was ready", m.waitErr)
	case err != nil:
		return fmt.Errorf("waiting for %s: %w", url, err)
	}
	return nil
}

// exited says whether the process has ended.
func (m *managerProc) exited() bool {
	select {
	case <-m.done:
		return true
	default:
		return false
	}
}

// stop ends the process as Kubernetes would (SIGTERM, SIGKILL after a
// while) and fails the test unless it exits cleanly. A process that has
// already ended is left alone.
func (m *managerProc) stop(t *testing.T) {
	t.Helper()
	if m.exited() {
		return
	}
	proc.SignalGroup(m.cmd.Process, syscall.SIGTERM)
	select {
	case <-m.done:
		if m.waitErr != nil {
			t.Errorf("manager %s exited with %v on SIGTERM (log: %s)", m.name, m.waitErr, m.logPath)
		}
	case <-time.After(managerStopWait):
		m.kill()
		t.Errorf("manager %s did not exit within %s of SIGTERM (log: %s)", m.name, managerStopWait, m.logPath)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (m *managerProc) kill() {
	proc.SignalGroup(m.cmd.Process, syscall.SIGKILL)
	<-m.done
}

// waitKilled waits for the process to end and fails the test unless
// SIGKILL ended it.
func (m *managerProc) waitKilled(t *testing.T, what string) {
	t.Helper()
	select {
	case <-m.done:
	case <-time.After(waitTimeout):
		t.Fatalf("manager %s still runs %s after %s (log: %s)", m.name, what, waitTimeout, m.logPath)
	}
	if got := m.cmd.ProcessState.String(); got != "signal: killed" {
		t.Fatalf("manager %s ended with %q, want \"signal: killed\" (log: %s)", m.name, got, m.logPath)
	}
}

// logText returns everything the process has logged so far.
func (m *managerProc) logText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(m.logPath)
	if err != nil {
		t.Fatalf("reading the log of manager %s: %v", m.name, err)
	}
	return string(b)
}

// logContains says whether the log holds s.
func (m *managerProc) logContains(s string) bool {
	b, _ := os.ReadFile(m.logPath)
	return strings.Contains(string(b), s)
}
