package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/testutil/proc"
)

const (
	managerReadyTimeout = time.Minute
	managerStopTimeout  = 15 * time.Second
)

// startManager runs the built manager binary against the demo's API server,
// its log in manager.log, and waits until it reports ready.
func (d *demo) startManager(ctx context.Context) error {
	d.step("starting the operator (%s), its log in %s", rel(d.cfg.manager), rel(filepath.Join(d.cfg.dir, "manager.log")))
	ports, err := proc.FreePorts(2)
	if err != nil {
		return err
	}
	metricsAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0]))
	probeAddr := net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[1]))
	logPath := filepath.Join(d.cfg.dir, "manager.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("creating %s: %w", logPath, err)
	}
	cmd := exec.Command(d.cfg.manager,
		"--kubeconfig", d.kubeconfig,
		"--operator-namespace", operatorNamespace,
		"--metrics-bind-address", metricsAddr,
		"--health-probe-bind-address", probeAddr,
		"--resync-period", managerResync,
		"--zap-log-level", "debug",
	)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = proc.SysProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return fmt.Errorf("starting %s: %w", d.cfg.manager, err)
	}
	done := make(chan struct{})
	var waitErr error
	go func() {
		waitErr = cmd.Wait()
		_ = logFile.Close()
		close(done)
	}()
	d.managerDone = done
	d.onStop("operator", func() error { return stopProcess(cmd.Process, done) })

	if err := waitHealthy(ctx, "http://"+probeAddr+"/readyz", done); err != nil {
		if isClosed(done) {
			return fmt.Errorf("the manager exited (%v) before it was ready; see %s", waitErr, rel(logPath))
		}
		return fmt.Errorf("waiting for the manager's /readyz: %w; see %s", err, rel(logPath))
	}
	d.info("ready (pid %d, probes on %s, metrics on %s, resync every %s)", cmd.Process.Pid, probeAddr, metricsAddr, managerResync)
	return nil
}

// waitHealthy polls url until it answers 200, the process ends (done), or
// a minute passes.
func waitHealthy(ctx context.Context, url string, done <-chan struct{}) error {
	ctx, cancel := context.WithTimeout(ctx, managerReadyTimeout)
	defer cancel()
	return proc.WaitOK(ctx, url, done)
}

// stopProcess sends SIGTERM to the process group, SIGKILL after a while,
// and waits for the process to end.
func stopProcess(p *os.Process, done <-chan struct{}) error {
	if isClosed(done) {
		return nil
	}
	proc.SignalGroup(p, syscall.SIGTERM)
	select {
	case <-done:
		return nil
	case <-time.After(managerStopTimeout):
		proc.SignalGroup(p, syscall.SIGKILL)
		<-done
		return fmt.Errorf("killed after %s without exiting", managerStopTimeout)
	}
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}
