// Command demo runs the operator end to end on this machine with no cluster:
// a local API server (envtest), the dev authorization server (npm
// oidc-provider), the built manager binary, the manifests in config/samples,
// and finally a workload that reads the delivered Secret as a pod would and
// obtains an access token with it. `make demo` runs it; docs/demo.md walks
// through its output.
//
// Environment:
//
//	DEMO_AUTH_PORT  port of the dev auth server on 127.0.0.1 (default 9400, 0 = any free port)
//	DEMO_KEEP=1     keep everything running at the end until Ctrl-C
//	DEMO_DIR        working directory for kubeconfig, logs and the mounted Secret (default .demo)
//	DEMO_MANAGER    the manager binary to run (default bin/manager)
//
// No secret value is ever printed: keys are shown with their sizes, tokens
// by their length.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/go-logr/logr"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
)

const (
	// operatorNamespace is where the manager keeps its internal client state.
	operatorNamespace = "oauth-client-operator-system"
	// defaultAuthPort is the port in the sample AuthServer's issuerURL.
	defaultAuthPort = 9400
	// initialAccessToken is the registration token of the sample Secret
	// dev-registration. It is never printed all the same.
	initialAccessToken = "demo-initial-access-token" //nolint:gosec // G101: the demo's published sample token (config/samples), not a credential
	// readyTimeout bounds the wait for the sample OAuthClients.
	readyTimeout = 2 * time.Minute
	// managerResync is the manager's --resync-period.
	managerResync = "30s"
)

// config is what the environment decides.
type config struct {
	root     string // the repository root
	dir      string // DEMO_DIR
	manager  string // DEMO_MANAGER
	authPort int    // DEMO_AUTH_PORT
	keep     bool   // DEMO_KEEP
}

// demo holds what the steps start and learn; stop functions run in reverse.
type demo struct {
	cfg config
	out io.Writer

	env         *kube.Env
	kubeconfig  string
	auth        *authserver.Server
	managerDone <-chan struct{}
	clients     []objectKey // the OAuthClients applied from the samples
	secretName  string      // the Secret of the first of them
	secretNS    string
	mounted     string // the directory the Secret is mounted at

	stops []stopper
}

// objectKey names a namespaced object.
type objectKey struct{ Namespace, Name string }

func (k objectKey) String() string { return k.Namespace + "/" + k.Name }

// stopper ends one thing the demo started.
type stopper struct {
	what string
	stop func() error
}

func main() {
	ctrllog.SetLogger(logr.Discard()) // envtest and the client log nothing useful here
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	if err := run(ctx, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		cancel()
		os.Exit(1)
	}
}

// run performs every step, stops everything it started, and reports.
func run(ctx context.Context, out io.Writer) error {
	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	d := &demo{cfg: cfg, out: out}
	start := time.Now()
	err = d.steps(ctx)
	took := time.Since(start).Round(time.Second)
	if err == nil && cfg.keep {
		d.keepRunning(ctx)
	}
	d.stopAll()
	if err != nil && ctx.Err() != nil {
		return errors.New("interrupted; everything the demo started is stopped")
	}
	if err != nil {
		return err
	}
	_, _ = fmt.Fprintf(d.out, "demo complete in %s: the mounted Secret obtained an active token\n", took)
	return nil
}

// steps runs the demo's steps in order until one fails or ctx ends.
func (d *demo) steps(ctx context.Context) error {
	for _, step := range []func(context.Context) error{
		d.preflight,
		d.startAPIServer,
		d.startAuthServer,
		d.startManager,
		d.applySamples,
		d.waitReady,
		d.show,
		d.mount,
		d.useCredentials,
	} {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err := step(ctx); err != nil {
			return err
		}
	}
	return nil
}

// loadConfig reads the DEMO_* environment.
func loadConfig() (config, error) {
	root, err := kube.RepoRoot()
	if err != nil {
		return config{}, fmt.Errorf("finding the repository root: %w", err)
	}
	cfg := config{
		root:     root,
		dir:      envOr("DEMO_DIR", filepath.Join(root, ".demo")),
		manager:  envOr("DEMO_MANAGER", filepath.Join(root, "bin", "manager")),
		authPort: defaultAuthPort,
		keep:     os.Getenv("DEMO_KEEP") == "1",
	}
	if p := os.Getenv("DEMO_AUTH_PORT"); p != "" {
		if cfg.authPort, err = strconv.Atoi(p); err != nil || cfg.authPort < 0 || cfg.authPort > 65535 {
			return config{}, fmt.Errorf("DEMO_AUTH_PORT=%q is not a port number", p)
		}
	}
	if cfg.dir, err = filepath.Abs(cfg.dir); err != nil {
		return config{}, fmt.Errorf("resolving DEMO_DIR: %w", err)
	}
	if cfg.manager, err = filepath.Abs(cfg.manager); err != nil {
		return config{}, fmt.Errorf("resolving DEMO_MANAGER: %w", err)
	}
	return cfg, nil
}

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// step prints a step heading.
func (d *demo) step(format string, args ...any) {
	_, _ = fmt.Fprintf(d.out, "\n==> "+format+"\n", args...)
}

// info prints an indented detail line.
func (d *demo) info(format string, args ...any) {
	_, _ = fmt.Fprintf(d.out, "    "+format+"\n", args...)
}

// rel shows path relative to the working directory when it lies below it.
func rel(path string) string {
	wd, err := os.Getwd()
	if err != nil {
		return path
	}
	r, err := filepath.Rel(wd, path)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return path
	}
	return r
}

// onStop records how to stop something just started.
func (d *demo) onStop(what string, stop func() error) {
	d.stops = append(d.stops, stopper{what: what, stop: stop})
}

// stopAll stops everything started, newest first, reporting failures.
func (d *demo) stopAll() {
	if len(d.stops) == 0 {
		return
	}
	d.step("stopping everything the demo started")
	for _, s := range slices.Backward(d.stops) {
		if err := s.stop(); err != nil {
			d.info("stopping the %s: %v", s.what, err)
			continue
		}
		d.info("stopped the %s", s.what)
	}
	d.stops = nil
}

// keepRunning prints how to look around and waits for Ctrl-C.
func (d *demo) keepRunning(ctx context.Context) {
	d.step("everything keeps running (DEMO_KEEP=1); in another shell:")
	first := d.clients[0]
	d.info("export KUBECONFIG=%s", d.kubeconfig)
	d.info("kubectl get authservers,oauthclients -A")
	d.info("kubectl describe oauthclient -n %s %s", first.Namespace, first.Name)
	d.info("kubectl describe secret -n %s %s", d.secretNS, d.secretName)
	d.info("tail -f %s", rel(filepath.Join(d.cfg.dir, "manager.log")))
	d.info("press Ctrl-C here to stop")
	<-ctx.Done()
}
