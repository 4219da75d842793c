package e2e

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/manager"
)

const (
	// managerResync and managerHTTPTimeout keep the processes quick to
	// notice and recover.
	managerResync      = "5s"
	managerHTTPTimeout = "5s"
)

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
	p       *manager.Process
}

// startManager runs the built manager, as the operator's ServiceAccount,
// and returns once its readiness probe answers. It is stopped when the
// test ends.
func (h *harness) startManager(t *testing.T, o managerOptions) *managerProc {
	t.Helper()
	if err := allowLeaderElection(context.Background(), h.k8s, h.root, o.operatorNamespace); err != nil {
		t.Fatal(err)
	}
	logPath := filepath.Join(h.dir, strings.NewReplacer("/", "_", " ", "_").Replace(t.Name())+"-"+o.name+".log")
	p, err := manager.Start(context.Background(), manager.Options{
		Binary:            h.manager,
		Kubeconfig:        h.kubeconfig,
		OperatorNamespace: o.operatorNamespace,
		Namespaces:        o.namespaces,
		Args: append([]string{
			"--resync-period", managerResync,
			"--http-timeout", managerHTTPTimeout,
			"--zap-log-level", "debug",
		}, o.args...),
		// The crash point is the test's to set, never inherited.
		Env:     map[string]string{crashpoint.EnvVar: o.crashAt},
		LogPath: logPath,
	})
	if err != nil {
		t.Fatalf("starting manager %s: %v (log: %s)", o.name, err, logPath)
	}
	m := &managerProc{name: o.name, logPath: logPath, p: p}
	t.Cleanup(func() { m.stop(t) })
	return m
}

// stop ends the process as Kubernetes would (SIGTERM, SIGKILL after a
// while) and fails the test unless it exits cleanly. A process that has
// already ended is left alone.
func (m *managerProc) stop(t *testing.T) {
	t.Helper()
	if err := m.p.Stop(); err != nil {
		t.Errorf("manager %s: %v (log: %s)", m.name, err, m.logPath)
	}
}

// kill ends the process with SIGKILL and waits for it.
func (m *managerProc) kill() { m.p.Kill() }

// waitKilled waits for the process to end and fails the test unless
// SIGKILL ended it.
func (m *managerProc) waitKilled(t *testing.T, what string) {
	t.Helper()
	select {
	case <-m.p.Done():
	case <-time.After(waitTimeout):
		t.Fatalf("manager %s still runs %s after %s (log: %s)", m.name, what, waitTimeout, m.logPath)
	}
	if got := m.p.State().String(); got != "signal: killed" {
		t.Fatalf("manager %s ended with %q, want \"signal: killed\" (log: %s)", m.name, got, m.logPath)
	}
}

// logText returns everything the process has logged so far.
func (m *managerProc) logText(t *testing.T) string {
	t.Helper()
	text, err := m.p.Log()
	if err != nil {
		t.Fatalf("reading the log of manager %s: %v", m.name, err)
	}
	return text
}
