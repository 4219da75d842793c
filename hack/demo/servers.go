package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
)

// preflight checks what would otherwise fail halfway: the manager binary
// and the auth server's port.
func (d *demo) preflight(context.Context) error {
	if _, err := os.Stat(d.cfg.manager); err != nil {
		return fmt.Errorf("the manager binary is missing: run `make build` (`make demo` builds it): %w", err)
	}
	if d.cfg.authPort != 0 {
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(d.cfg.authPort)))
		if err != nil {
			return fmt.Errorf("port %d on 127.0.0.1 is taken (another demo still running?); "+
				"set DEMO_AUTH_PORT to a free port, or 0 for any: %w", d.cfg.authPort, err)
		}
		_ = l.Close()
	}
	return d.prepareDir()
}

// startAPIServer runs kube-apiserver and etcd with the CRDs, writes the
// kubeconfig and creates the operator's namespace.
func (d *demo) startAPIServer(ctx context.Context) error {
	d.step("starting the API server (kube-apiserver and etcd, with the CRDs from config/crd)")
	env, err := kube.Start()
	if err != nil {
		return fmt.Errorf("starting the API server: %w", err)
	}
	d.env = env
	d.onStop("API server", env.Stop)

	d.kubeconfig = filepath.Join(d.cfg.dir, "kubeconfig")
	if err := env.Kubeconfig(d.kubeconfig); err != nil {
		return fmt.Errorf("writing the kubeconfig: %w", err)
	}
	d.info("API server at %s, kubeconfig %s", env.Config.Host, rel(d.kubeconfig))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}}
	if err := env.Client.Create(ctx, ns); err != nil {
		return fmt.Errorf("creating namespace %s: %w", operatorNamespace, err)
	}
	d.info("namespace/%s created", operatorNamespace)
	return nil
}

// prepareDir creates the demo directory and removes the files an earlier
// run wrote there (only those: DEMO_DIR may be any directory).
func (d *demo) prepareDir() error {
	if err := os.MkdirAll(d.cfg.dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", d.cfg.dir, err)
	}
	for _, name := range []string{"kubeconfig", "manager.log", "authserver.log", "mounted"} {
		if err := os.RemoveAll(filepath.Join(d.cfg.dir, name)); err != nil {
			return fmt.Errorf("clearing the previous run: %w", err)
		}
	}
	return nil
}

// startAuthServer runs the dev authorization server with the samples'
// initial access token; its own log goes to authserver.log.
func (d *demo) startAuthServer(ctx context.Context) error {
	if d.cfg.authPort == 0 {
		d.step("starting the dev auth server (npm oidc-provider) on a free port")
	} else {
		d.step("starting the dev auth server (npm oidc-provider) on 127.0.0.1:%d", d.cfg.authPort)
	}
	logPath := filepath.Join(d.cfg.dir, "authserver.log")
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600) //nolint:gosec // G304: a log file in the demo's own working directory (DEMO_DIR)
	if err != nil {
		return fmt.Errorf("creating %s: %w", logPath, err)
	}
	auth, err := authserver.Start(ctx, authserver.Options{
		InitialAccessToken: initialAccessToken,
		Port:               d.cfg.authPort,
		Stderr:             logFile,
	})
	if err != nil {
		_ = logFile.Close()
		return fmt.Errorf("%w (its log: %s)", err, rel(logPath))
	}
	d.auth = auth
	d.onStop("auth server", func() error {
		err := auth.Stop()
		_ = logFile.Close()
		return err
	})
	d.info("issuer %s; registration requires an initial access token", auth.Issuer)
	return nil
}
