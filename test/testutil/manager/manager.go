// Package manager runs the built manager binary (./cmd) as a child process,
// the one way the demo, the benchmark and the e2e tests start it: on free
// loopback ports, its output in a log file, ready once /readyz answers, and
// stopped as Kubernetes stops a pod (SIGTERM, then SIGKILL).
package manager

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/proc"
)

const (
	// ReadyTimeout bounds the wait for /readyz after the process starts.
	ReadyTimeout = time.Minute
	// StopTimeout is how long Stop waits after SIGTERM before SIGKILL.
	StopTimeout = 20 * time.Second
	// startAttempts covers a free port taken by someone else between
	// proc.FreePorts picking it and the manager binding it.
	startAttempts = 3
)

// stopTimeout is StopTimeout; the package's tests shorten it.
var stopTimeout = StopTimeout

// errPortTaken says the manager could not bind one of its ports.
var errPortTaken = errors.New("a port was taken")

// Build compiles ./cmd of the repository at root into out as the image
// ships it (the Dockerfile, hack/image): static, without cgo, -trimpath,
// stripped. The benchmark's memory figures are then those of the binary
// users run; a cgo build maps the C library too.
func Build(ctx context.Context, root, out string) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-trimpath", "-ldflags=-s -w", "-o", out, "./cmd") //nolint:gosec // G204: builds the repository's own ./cmd
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the manager (CGO_ENABLED=0 go build -trimpath -ldflags='-s -w' ./cmd): %w\n%s", err, b)
	}
	return nil
}

// Options say how a manager process is started. The metrics, probe and
// (with Pprof) pprof addresses are free ports on 127.0.0.1, chosen by Start.
type Options struct {
	// Binary is the built manager.
	Binary string
	// Kubeconfig is --kubeconfig: the API server and the identity the
	// manager uses.
	Kubeconfig string
	// OperatorNamespace is --operator-namespace.
	OperatorNamespace string
	// Namespaces is --namespaces, the namespaces watched (empty: all).
	Namespaces string
	// Args are further flags, such as --resync-period or --leader-elect.
	Args []string
	// Env is set in the manager's environment over the parent's; an empty
	// value removes the variable (GOMEMLIMIT, GOGC, the crash point).
	Env map[string]string
	// LogPath is the file, created or truncated, that receives the
	// manager's stdout and stderr.
	LogPath string
	// Pprof also serves net/http/pprof (--pprof-bind-address).
	Pprof bool
}

// Process is a running (or ended) manager.
type Process struct {
	logPath                           string
	metricsAddr, probeAddr, pprofAddr string
	cmd                               *exec.Cmd
	done                              chan struct{} // closed once the process has exited
	waitErr                           error         // set before done is closed
}

// Start runs the manager and returns once its readiness probe answers. A
// process that is not ready within ReadyTimeout, or when ctx ends, is
// killed. The caller stops the returned process with Stop or Kill.
func Start(ctx context.Context, o Options) (*Process, error) {
	var err error
	for range startAttempts {
		var p *Process
		if p, err = start(ctx, o); !errors.Is(err, errPortTaken) {
			return p, err
		}
	}
	return nil, err
}

// start makes one attempt of Start.
func start(ctx context.Context, o Options) (*Process, error) {
	n := 2
	if o.Pprof {
		n = 3
	}
	ports, err := proc.FreePorts(n)
	if err != nil {
		return nil, err
	}
	addr := func(port int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) }
	p := &Process{logPath: o.LogPath, metricsAddr: addr(ports[0]), probeAddr: addr(ports[1]), done: make(chan struct{})}
	args := []string{
		"--kubeconfig", o.Kubeconfig,
		"--operator-namespace", o.OperatorNamespace,
		"--metrics-bind-address", p.metricsAddr,
		"--health-probe-bind-address", p.probeAddr,
	}
	if o.Pprof {
		p.pprofAddr = addr(ports[2])
		args = append(args, "--pprof-bind-address", p.pprofAddr)
	}
	if o.Namespaces != "" {
		args = append(args, "--namespaces", o.Namespaces)
	}
	logFile, err := os.OpenFile(o.LogPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("creating the manager log: %w", err)
	}
	p.cmd = exec.Command(o.Binary, append(args, o.Args...)...) //nolint:gosec // G204: runs the manager the caller built, with the caller's flags
	p.cmd.Env = environ(os.Environ(), o.Env)
	p.cmd.Stdout, p.cmd.Stderr = logFile, logFile
	p.cmd.SysProcAttr = proc.SysProcAttr()
	if err := p.cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", o.Binary, err)
	}
	go func() {
		p.waitErr = p.cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	if err := p.waitReady(ctx); err != nil {
		p.Kill()
		if log, _ := p.Log(); strings.Contains(log, "address already in use") {
			return nil, fmt.Errorf("%w: %w", errPortTaken, err)
		}
		return nil, err
	}
	return p, nil
}

// environ is parent with the variables of set replaced, or removed where
// the value is empty.
func environ(parent []string, set map[string]string) []string {
	env := make([]string, 0, len(parent)+len(set))
	for _, kv := range parent {
		key, _, _ := strings.Cut(kv, "=")
		if _, ok := set[key]; !ok {
			env = append(env, kv)
		}
	}
	for _, key := range slices.Sorted(maps.Keys(set)) {
		if v := set[key]; v != "" {
			env = append(env, key+"="+v)
		}
	}
	return env
}

// waitReady polls /readyz until it answers 200.
func (p *Process) waitReady(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, ReadyTimeout)
	defer cancel()
	err := proc.WaitOK(ctx, "http://"+p.probeAddr+"/readyz", p.done)
	switch {
	case errors.Is(err, proc.ErrExited):
		return fmt.Errorf("the manager exited (%v) before it was ready", p.waitErr)
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Errorf("the manager was not ready within %s", ReadyTimeout)
	case err != nil:
		return fmt.Errorf("waiting for the manager's /readyz: %w", err)
	}
	return nil
}

// PID is the process id.
func (p *Process) PID() int { return p.cmd.Process.Pid }

// MetricsAddr is host:port of the Prometheus endpoint.
func (p *Process) MetricsAddr() string { return p.metricsAddr }

// MetricsURL is the Prometheus endpoint.
func (p *Process) MetricsURL() string { return "http://" + p.metricsAddr + "/metrics" }

// ProbeAddr is host:port of /healthz and /readyz.
func (p *Process) ProbeAddr() string { return p.probeAddr }

// PprofURL is the net/http/pprof root, without a trailing slash; empty
// unless Options.Pprof.
func (p *Process) PprofURL() string {
	if p.pprofAddr == "" {
		return ""
	}
	return "http://" + p.pprofAddr + "/debug/pprof"
}

// LogPath is Options.LogPath.
func (p *Process) LogPath() string { return p.logPath }

// Log returns everything the process has logged so far.
func (p *Process) Log() (string, error) {
	b, err := os.ReadFile(p.logPath)
	return string(b), err
}

// Done is closed once the process has exited.
func (p *Process) Done() <-chan struct{} { return p.done }

// Exited says whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// State is how the process ended; nil while it runs.
func (p *Process) State() *os.ProcessState {
	if !p.Exited() {
		return nil
	}
	return p.cmd.ProcessState
}

// Stop ends the process as Kubernetes would: SIGTERM to its process
// group, SIGKILL after StopTimeout. It returns an error unless the process
// exited cleanly on SIGTERM. A process that has already ended is left
// alone (nil), so Stop may be called more than once.
func (p *Process) Stop() error {
	if p.Exited() {
		return nil
	}
	proc.SignalGroup(p.cmd.Process, syscall.SIGTERM)
	select {
	case <-p.done:
		if p.waitErr != nil {
			return fmt.Errorf("the manager exited with %v on SIGTERM", p.waitErr)
		}
		return nil
	case <-time.After(stopTimeout):
		p.Kill()
		return fmt.Errorf("the manager did not exit within %s of SIGTERM and was killed", stopTimeout)
	}
}

// Kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *Process) Kill() {
	if p.Exited() {
		return
	}
	proc.SignalGroup(p.cmd.Process, syscall.SIGKILL)
	<-p.done
}
