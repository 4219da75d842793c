package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// Resync by list at a server that can list: a real Ory Hydra (HYDRA_BIN,
// else built by hack/hydra.sh), its admin API behind a counting proxy.
const (
	hydraNamespace = "bench-hydra"
	hydraServer    = "hydra"
	// hydraClients caps the clients at Hydra (N when smaller): Hydra's page
	// is 100 clients, so a few pages show what one List per period costs.
	hydraClients = 300
	// hydraResync is manager 4's --resync-period; the counting window is
	// hydraPeriods of them.
	hydraResync  = 20 * time.Second
	hydraPeriods = 3
)

// listResyncResult is what resyncs with nothing changed cost at Hydra.
type listResyncResult struct {
	// Skipped says why the phase did not run ("" when it did).
	Skipped      string  `json:"skipped,omitempty"`
	Clients      int     `json:"clients"`
	ResyncPeriod string  `json:"resync_period"`
	Periods      float64 `json:"periods"`
	// Lists are GET /admin/clients (one per page), ClientReads GET
	// /admin/clients/{id}, Writes every other method, at Hydra's admin API.
	Lists       int `json:"lists"`
	ClientReads int `json:"client_reads"`
	Writes      int `json:"writes"`
	// ReadsPerClientPerResync is (Lists + ClientReads) / (Clients × Periods).
	ReadsPerClientPerResync float64 `json:"reads_per_client_per_resync"`
	// API is the manager's API-server traffic over the window.
	API traffic `json:"api_server"`
}

// runListResync starts Hydra and manager 4 (watching only its namespace,
// resync hydraResync), applies the clients, waits until they are Ready and
// the manager is idle, then counts Hydra's admin requests and the manager's
// API writes over hydraPeriods resync periods with nothing changed.
func (h *harness) runListResync(ctx context.Context) (listResyncResult, error) {
	res := listResyncResult{Clients: min(h.opts.n, hydraClients), ResyncPeriod: hydraResync.String(), Periods: hydraPeriods}
	logPath := h.file("hydra log", "hydra.log")
	hlog, err := os.Create(logPath) //nolint:gosec // G304: a file in the benchmark's output directory
	if err != nil {
		return res, err
	}
	defer func() { _ = hlog.Close() }()
	dir := filepath.Join(h.outDir, "hydra")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, err
	}
	hs, err := hydra.Start(ctx, hydra.Options{Stderr: hlog, Dir: dir})
	if err != nil {
		res.Skipped = "Hydra did not start: " + err.Error()
		return res, nil
	}
	defer func() { _ = hs.Stop() }()
	admin, err := hydra.NewCountingProxy(hs.AdminURL, hydra.ProxyOptions{})
	if err != nil {
		return res, err
	}
	defer func() { _ = admin.Close() }()

	m, err := h.startManagerIn(ctx, "hydra", hydraResync, hydraNamespace)
	if err != nil {
		return res, err
	}
	defer func() { _ = m.Stop() }()
	if err := createNamespaces(ctx, h.k, hydraNamespace); err != nil {
		return res, err
	}
	as := &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: hydraServer, Namespace: hydraNamespace},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL:      hs.Issuer,
			ProviderBlocks: v1alpha1.ProviderBlocks{Hydra: &v1alpha1.HydraProvider{AdminURL: admin.URL}},
		},
	}
	if err := h.k.Create(ctx, as); err != nil {
		return res, fmt.Errorf("creating AuthServer %s/%s: %w", hydraNamespace, hydraServer, err)
	}
	if err := waitAuthServerReady(ctx, h.k, as); err != nil {
		return res, err
	}
	names := clientNames("hydra", res.Clients)
	if err := parallel(ctx, len(names), createWorkers, func(ctx context.Context, i int) error {
		oac := newOAuthClient(hydraNamespace, names[i])
		oac.Spec.ServerRef.Name = hydraServer
		return h.k.Create(ctx, oac)
	}); err != nil {
		return res, fmt.Errorf("creating the OAuthClients at Hydra: %w", err)
	}
	if err := waitAllReady(ctx, h.k, hydraNamespace, res.Clients, readyTimeout(res.Clients)); err != nil {
		return res, err
	}
	if err := waitIdle(ctx, m, time.Minute); err != nil {
		return res, err
	}

	before, err := h.mark(ctx, m)
	if err != nil {
		return res, err
	}
	admin.Reset()
	select {
	case <-ctx.Done():
		return res, ctx.Err()
	case <-time.After(hydraPeriods * hydraResync):
	}
	after, err := h.mark(ctx, m)
	if err != nil {
		return res, err
	}
	for _, r := range admin.Requests() {
		switch {
		case r.Method == http.MethodGet && r.Path == "/admin/clients":
			res.Lists++
		case r.Method == http.MethodGet && strings.HasPrefix(r.Path, "/admin/clients/"):
			res.ClientReads++
		case r.Method != http.MethodGet && r.Method != http.MethodHead:
			res.Writes++
		}
	}
	res.ReadsPerClientPerResync = ratio(float64(res.Lists+res.ClientReads), float64(res.Clients)*hydraPeriods)
	res.API = newTraffic(diff(after.api, before.api))
	return res, nil
}

// waitAllReady waits until ns holds n OAuthClients, all Ready for their
// current generation (a List a second: a few hundred objects).
func waitAllReady(ctx context.Context, k client.Client, ns string, n int, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var list v1alpha1.OAuthClientList
		if err := k.List(ctx, &list, client.InNamespace(ns)); err != nil {
			return err
		}
		ready := 0
		for _, oac := range list.Items {
			c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
			if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == oac.Generation {
				ready++
			}
		}
		if ready == n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d of %d OAuthClients in %s Ready after %s", ready, n, ns, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Second):
		}
	}
}
