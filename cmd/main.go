// Command manager runs the oauth-client-operator controllers.
package main

import (
	"flag"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/manager/signals"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
	"github.com/oauth-client-operator/oauth-client-operator/controllers"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/fromcache"
	"github.com/oauth-client-operator/oauth-client-operator/internal/adapters"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "manager:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		metricsAddr, probeAddr, pprofAddr, namespaces, operatorNamespace string
		leaderElect                                                      bool
		leaseDuration, renewDeadline, retryPeriod                        time.Duration
		opts                                                             controllers.Options
	)
	flag.StringVar(&metricsAddr, "metrics-bind-address", ":8080", "address of the Prometheus metrics endpoint (0 disables it)")
	flag.StringVar(&probeAddr, "health-probe-bind-address", ":8081", "address of the /healthz and /readyz probes")
	flag.StringVar(&pprofAddr, "pprof-bind-address", "", "address of the net/http/pprof endpoints, on their own listener (empty disables them; never expose it publicly)")
	flag.BoolVar(&leaderElect, "leader-elect", false, "elect a leader so that only one replica reconciles")
	flag.DurationVar(&leaseDuration, "leader-election-lease-duration", 15*time.Second,
		"how long a standby waits after the last renewal before it takes the lease over")
	flag.DurationVar(&renewDeadline, "leader-election-renew-deadline", 10*time.Second,
		"how long the leader keeps retrying to renew before it gives up leading (shorter than the lease duration)")
	flag.DurationVar(&retryPeriod, "leader-election-retry-period", 2*time.Second, "how often candidates try to acquire or renew the lease")
	flag.StringVar(&namespaces, "namespaces", "", "comma-separated namespaces to watch; all when empty")
	flag.StringVar(&operatorNamespace, "operator-namespace", defaultNamespace(),
		"namespace for ClusterAuthServer credentials and the operator's internal client state")
	flag.DurationVar(&opts.ResyncPeriod, "resync-period", 10*time.Minute, "how often each object is checked with nothing changed")
	flag.DurationVar(&opts.CredentialCheckPeriod, "credential-check-period", time.Minute,
		"how often the credential Secrets of each AuthServer and ClusterAuthServer are read again, so a changed credential takes effect")
	flag.DurationVar(&opts.SourceCheckPeriod, "source-check-period", 30*time.Second, "how often the Secrets named in OAuthClients' spec.credentialsFrom are checked for changes")
	flag.DurationVar(&opts.HTTPTimeout, "http-timeout", 30*time.Second, "timeout of each request to an authorization server")
	flag.DurationVar(&opts.TokenEarlyRefresh, "token-early-refresh", time.Minute, "renew management tokens this long before they expire")
	flag.IntVar(&opts.MaxConcurrentReconciles, "concurrency", 4, "number of OAuthClient workers")
	flag.Float64Var(&opts.AuthServerQPS, "auth-server-qps", 50, "requests per second to each authorization server whose spec sets no rateLimit (0: no limit)")
	flag.IntVar(&opts.MaxCallsPerServer, "auth-server-max-in-flight", 0, "calls in flight to one authorization server at most, so one that never answers cannot hold every worker (0: half of --concurrency)")
	flag.DurationVar(&opts.LeakScanInterval, "leak-scan-interval", time.Hour,
		"how often each authorization server that can list its clients is scanned for leaked clients (0 disables the scan)")
	flag.IntVar(&opts.AuthServerBurst, "auth-server-burst", 100, "burst of requests to each authorization server whose spec sets no rateLimit")
	zapOpts := zap.Options{}
	zapOpts.BindFlags(flag.CommandLine)
	flag.Parse()
	ctrl.SetLogger(zap.New(zap.UseFlagOptions(&zapOpts)))

	opts.Registry = adapters.Registry()
	opts.OperatorNamespace = operatorNamespace

	cfg, err := ctrl.GetConfig()
	if err != nil {
		return err
	}
	mgrOpts := managerOptions(metricsAddr, probeAddr, leaderElect, operatorNamespace, namespaces)
	// The per-client series are written straight from the cache after the
	// registry's (metrics.Collector.Handler); the cache exists once the
	// manager does, and the handler is built when the manager starts.
	var collector *metrics.Collector
	mgrOpts.Metrics.FilterProvider = func(*rest.Config, *http.Client) (metricsserver.Filter, error) {
		return func(_ logr.Logger, registry http.Handler) (http.Handler, error) {
			return collector.Handler(registry), nil
		}, nil
	}
	// pprof is served by the manager on a listener of its own, off by default.
	mgrOpts.PprofBindAddress = pprofAddr
	mgrOpts.LeaseDuration, mgrOpts.RenewDeadline, mgrOpts.RetryPeriod = &leaseDuration, &renewDeadline, &retryPeriod
	mgr, err := manager.New(cfg, mgrOpts)
	if err != nil {
		return fmt.Errorf("creating manager: %w", err)
	}
	ctx := signals.SetupSignalHandler()
	if err := controllers.Setup(ctx, mgr, opts); err != nil {
		return fmt.Errorf("setting up controllers: %w", err)
	}
	metrics.Register(ctrlmetrics.Registry)
	collector = metrics.NewCollector(fromcache.Reader(mgr.GetCache()))
	if err := mgr.AddHealthzCheck("healthz", healthz.Ping); err != nil {
		return err
	}
	if err := mgr.AddReadyzCheck("readyz", healthz.Ping); err != nil {
		return err
	}
	return mgr.Start(ctx)
}

// managerOptions configures the manager, with the cache the controllers
// ask for (see controllers.CacheOptions) limited to the given namespaces.
func managerOptions(metricsAddr, probeAddr string, leaderElect bool, operatorNamespace, namespaces string) manager.Options {
	cacheOpts := controllers.CacheOptions()
	if namespaces != "" {
		cacheOpts.DefaultNamespaces = map[string]cache.Config{}
		for ns := range strings.SplitSeq(namespaces, ",") {
			cacheOpts.DefaultNamespaces[strings.TrimSpace(ns)] = cache.Config{}
		}
	}
	return manager.Options{
		Scheme:                        scheme.New(),
		Cache:                         cacheOpts,
		Metrics:                       metricsserver.Options{BindAddress: metricsAddr},
		HealthProbeBindAddress:        probeAddr,
		LeaderElection:                leaderElect,
		LeaderElectionID:              "oauth-client-operator.oauth.clientoperator.io",
		LeaderElectionNamespace:       operatorNamespace,
		LeaderElectionReleaseOnCancel: true,
	}
}

// defaultNamespace is the namespace the manager runs in: POD_NAMESPACE, the
// service account's namespace, or oauth-client-operator-system.
func defaultNamespace() string {
	if ns := os.Getenv("POD_NAMESPACE"); ns != "" {
		return ns
	}
	if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil {
		return strings.TrimSpace(string(b))
	}
	return "oauth-client-operator-system"
}
