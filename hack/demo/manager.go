package main

import (
	"context"
	"fmt"
	"path/filepath"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/manager"
)

// startManager runs the built manager binary against the demo's API server,
// its log in manager.log, and waits until it reports ready.
func (d *demo) startManager(ctx context.Context) error {
	logPath := filepath.Join(d.cfg.dir, "manager.log")
	d.step("starting the operator (%s), its log in %s", rel(d.cfg.manager), rel(logPath))
	m, err := manager.Start(ctx, manager.Options{
		Binary:            d.cfg.manager,
		Kubeconfig:        d.kubeconfig,
		OperatorNamespace: operatorNamespace,
		Args:              []string{"--resync-period", managerResync, "--zap-log-level", "debug"},
		LogPath:           logPath,
	})
	if err != nil {
		return fmt.Errorf("%w; see %s", err, rel(logPath))
	}
	d.managerDone = m.Done()
	d.onStop("operator", m.Stop)
	d.info("ready (pid %d, probes on %s, metrics on %s, resync every %s)", m.PID(), m.ProbeAddr(), m.MetricsAddr(), managerResync)
	return nil
}
