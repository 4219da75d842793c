// Package controllers wires the operator's controllers into a manager:
// Setup, its Options, and the cache configuration they need. The
// controllers themselves live beneath: oauthclient/, authserver/, and what
// both share in servers/.
package controllers

import (
	"context"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/oauthclient"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Options configure the controllers.
type Options struct {
	// Registry holds the provider adapters compiled into the manager.
	Registry *provider.Registry
	// OperatorNamespace holds ClusterAuthServer credentials and the
	// operator-internal client state.
	OperatorNamespace string
	// ResyncPeriod is how often each object is checked with nothing changed.
	ResyncPeriod time.Duration
	// CredentialCheckPeriod is how often each Ready server's credential
	// Secrets are read again, so a changed credential takes effect (zero:
	// one minute; never longer than ResyncPeriod).
	CredentialCheckPeriod time.Duration
	// HTTPTimeout bounds each request to an authorization server.
	HTTPTimeout time.Duration
	// TokenEarlyRefresh renews management tokens this long before expiry.
	TokenEarlyRefresh time.Duration
	// MaxConcurrentReconciles is the number of OAuthClient workers.
	MaxConcurrentReconciles int
	// AuthServerQPS and AuthServerBurst limit the requests to each
	// authorization server whose spec sets no rateLimit; zero QPS: none.
	AuthServerQPS   float64
	AuthServerBurst int
	// SourceCheckPeriod is how often the Secrets that OAuthClients name in
	// spec.credentialsFrom are checked for changes (zero: 30 seconds).
	SourceCheckPeriod time.Duration
	// MaxCallsPerServer bounds the calls in flight to each authorization
	// server, so a server that never answers holds at most that many
	// workers (zero: half the workers, at least one).
	MaxCallsPerServer int
	// LeakScanInterval is how often each server that can list its clients
	// is scanned for leaked clients (controllers/leaks); zero: never.
	LeakScanInterval time.Duration
}

// Setup adds the AuthServer, ClusterAuthServer and OAuthClient controllers
// to mgr.
func Setup(_ context.Context, mgr manager.Manager, opts Options) error {
	if opts.ResyncPeriod == 0 {
		opts.ResyncPeriod = 10 * time.Minute
	}
	if opts.HTTPTimeout == 0 {
		opts.HTTPTimeout = 30 * time.Second
	}
	if opts.TokenEarlyRefresh == 0 {
		opts.TokenEarlyRefresh = time.Minute
	}
	registry := servers.NewRegistry()
	registry.LimitCalls(callLimit(opts))
	tokens := mgmtauth.NewCache(nil, opts.TokenEarlyRefresh)
	for _, kind := range []v1alpha1.ServerKind{v1alpha1.KindAuthServer, v1alpha1.KindClusterAuthServer} {
		r := &authserver.Reconciler{
			Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(), Kind: kind,
			Servers: registry, Registry: opts.Registry, Tokens: tokens,
			OperatorNamespace: opts.OperatorNamespace, ResyncPeriod: opts.ResyncPeriod, HTTPTimeout: opts.HTTPTimeout,
			CredentialCheckPeriod: opts.CredentialCheckPeriod,
			QPS:                   opts.AuthServerQPS, Burst: opts.AuthServerBurst,
		}
		if err := r.SetupWithManager(mgr); err != nil {
			return err
		}
	}
	r := &oauthclient.Reconciler{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder("oauth-client-operator"),
		Servers:  registry, OperatorNamespace: opts.OperatorNamespace,
		ResyncPeriod: opts.ResyncPeriod, MaxConcurrentReconciles: opts.MaxConcurrentReconciles,
		SourceCheckPeriod: opts.SourceCheckPeriod,
	}
	if err := r.SetupWithManager(mgr); err != nil {
		return err
	}
	return addLeakScan(mgr, registry, opts)
}

// callLimit is the bound on calls in flight to one server: as given, else
// half the OAuthClient workers, at least one.
func callLimit(opts Options) int {
	if opts.MaxCallsPerServer > 0 {
		return opts.MaxCallsPerServer
	}
	return max(opts.MaxConcurrentReconciles/2, 1)
}
