package controllers

import (
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/oauth-client-operator/oauth-client-operator/controllers/leaks"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
)

// addLeakScan adds the leaked-client scan to mgr, unless
// opts.LeakScanInterval is zero.
func addLeakScan(mgr manager.Manager, registry *servers.Registry, opts Options) error {
	if opts.LeakScanInterval <= 0 {
		return nil
	}
	return mgr.Add(&leaks.Scanner{
		Client: mgr.GetClient(), APIReader: mgr.GetAPIReader(),
		Recorder: mgr.GetEventRecorder("oauth-client-operator"),
		Servers:  registry, OperatorNamespace: opts.OperatorNamespace,
		Interval: opts.LeakScanInterval, Log: mgr.GetLogger().WithName("leak-scan"),
	})
}
