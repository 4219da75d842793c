package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	ctrllog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/manager"
)

// harness holds what every phase uses: the API server, the auth server, a
// client without client-side rate limits, the watch tracker, and where
// files go.
type harness struct {
	opts       options
	started    time.Time
	outDir     string
	managerBin string
	kubeconfig string
	env        *kube.Env
	k          client.Client
	auth       *authserver.Server
	authLog    io.Writer
	tracker    *tracker
	files      map[string]string
	closers    []func()
}

// setup builds the manager and starts the API server, the auth server and
// the tracker.
func setup(ctx context.Context, opts options) (_ *harness, err error) {
	ctrllog.SetLogger(logr.Discard()) // the harness's own watches have nothing to say
	h := &harness{opts: opts, started: time.Now(), files: map[string]string{}}
	defer func() {
		if err != nil {
			h.close()
		}
	}()
	if h.outDir, err = filepath.Abs(filepath.Dir(opts.out)); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(h.outDir, 0o755); err != nil { //nolint:gosec // G301: the benchmark's output directory, readable like any build output
		return nil, fmt.Errorf("creating %s: %w", h.outDir, err)
	}
	root, err := kube.RepoRoot()
	if err != nil {
		return nil, err
	}
	if opts.managerSrc != "" {
		root = opts.managerSrc
	}
	h.managerBin = filepath.Join(h.outDir, "manager")
	progress("building the manager into %s", h.managerBin)
	if err := manager.Build(ctx, root, h.managerBin); err != nil {
		return nil, err
	}

	progress("starting the API server (envtest) and the auth server (oidc-provider)")
	if h.env, err = kube.Start(); err != nil {
		return nil, err
	}
	h.closers = append(h.closers, func() { _ = h.env.Stop() })
	h.kubeconfig = filepath.Join(h.outDir, "kubeconfig")
	if err := h.env.Kubeconfig(h.kubeconfig); err != nil {
		return nil, fmt.Errorf("writing the kubeconfig: %w", err)
	}
	cfg := rest.CopyConfig(h.env.Config)
	cfg.QPS, cfg.Burst = -1, 0 // no client-side rate limit, like the manager (controller-runtime's default)
	if h.k, err = client.New(cfg, client.Options{Scheme: h.env.Scheme}); err != nil {
		return nil, err
	}

	authLogPath := filepath.Join(h.outDir, "authserver.log")
	authLog, err := os.Create(authLogPath) //nolint:gosec // G304: a file in the benchmark's output directory
	if err != nil {
		return nil, err
	}
	h.authLog = authLog
	h.closers = append(h.closers, func() { _ = authLog.Close() })
	h.files["auth server log"] = authLogPath
	if h.auth, err = authserver.Start(ctx, authserver.Options{InitialAccessToken: iatValue, Stderr: authLog}); err != nil {
		return nil, err
	}
	h.closers = append(h.closers, func() { _ = h.auth.Stop() })

	if err := createNamespaces(ctx, h.k, operatorNamespace, benchNamespace, baselineNamespace, unrelatedNamespace, ccNamespace); err != nil {
		return nil, err
	}
	tctx, cancel := context.WithCancel(ctx)
	h.closers = append(h.closers, cancel)
	// The baseline's namespace is watched too, so the API server serves the
	// same watches to the harness in the baseline as in the operator's run.
	if h.tracker, err = startTracker(tctx, cfg, h.env.Scheme, benchNamespace, ccNamespace, baselineNamespace); err != nil {
		return nil, err
	}
	h.files["JSON results"] = opts.out
	return h, nil
}

// startManager runs the manager binary with the given resync period and
// pprof on; its log goes to manager-<name>.log.
func (h *harness) startManager(ctx context.Context, name string, resync time.Duration) (*managerProc, error) {
	return h.startManagerIn(ctx, name, resync, "")
}

// startManagerIn is startManager watching only namespaces (--namespaces;
// "": all).
func (h *harness) startManagerIn(ctx context.Context, name string, resync time.Duration, namespaces string) (*managerProc, error) {
	logPath := filepath.Join(h.outDir, "manager-"+name+".log")
	h.files["manager log ("+name+")"] = logPath
	// GOMEMLIMIT and GOGC are the flags' when set; otherwise inherited.
	env := map[string]string{}
	if h.opts.goMemLimit != "" {
		env["GOMEMLIMIT"] = h.opts.goMemLimit
	}
	if h.opts.goGC != "" {
		env["GOGC"] = h.opts.goGC
	}
	p, err := manager.Start(ctx, manager.Options{
		Binary:            h.managerBin,
		Kubeconfig:        h.kubeconfig,
		OperatorNamespace: operatorNamespace,
		Namespaces:        namespaces,
		Args: []string{
			"--resync-period", resync.String(),
			"--token-early-refresh", ccEarlyRefresh.String(),
			"--concurrency", strconv.Itoa(h.opts.concurrency),
			"--auth-server-qps", strconv.FormatFloat(h.opts.authServerQPS, 'g', -1, 64),
		},
		Env:     env,
		LogPath: logPath,
		Pprof:   true,
	})
	if err != nil {
		return nil, fmt.Errorf("%w; see %s", err, logPath)
	}
	return &managerProc{Process: p, http: &http.Client{Timeout: 5 * time.Minute}, scrapeEvery: scrapeInterval(h.opts.n)}, nil
}

// close stops everything setup started, last first.
func (h *harness) close() {
	for _, c := range slices.Backward(h.closers) {
		c()
	}
}

// file returns the path of name in the output directory and lists it in
// the report under what.
func (h *harness) file(what, name string) string {
	path := filepath.Join(h.outDir, name)
	h.files[what] = path
	return path
}
