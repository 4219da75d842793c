// Package kube starts a real Kubernetes API server (envtest: kube-apiserver
// and etcd built by hack/envtest-assets.sh) with this project's CRDs
// installed.
package kube

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/reporoot"
)

// Env is a running API server.
type Env struct {
	Config *rest.Config
	Client client.Client
	Scheme *runtime.Scheme
	env    *envtest.Environment
}

// RepoRoot returns the directory holding go.mod, searching up from the
// working directory (see reporoot.Find).
func RepoRoot() (string, error) { return reporoot.Find() }

// Scheme returns a scheme with the built-in kinds and this project's API.
func Scheme() *runtime.Scheme { return scheme.New() }

// assets finds the envtest binaries: KUBEBUILDER_ASSETS, or the cache that
// hack/envtest-assets.sh fills (building it when missing).
func assets() (string, error) {
	if dir := os.Getenv("KUBEBUILDER_ASSETS"); dir != "" {
		return dir, nil
	}
	root, err := RepoRoot()
	if err != nil {
		return "", err
	}
	cmd := exec.Command(filepath.Join(root, "hack", "envtest-assets.sh")) //nolint:gosec // G204: runs the repository's own script
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building envtest assets with hack/envtest-assets.sh: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Start runs an API server with the CRDs from config/crd/bases.
func Start() (*Env, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := assets()
	if err != nil {
		return nil, err
	}
	sch := Scheme()
	env := &envtest.Environment{
		BinaryAssetsDirectory: dir,
		CRDDirectoryPaths:     []string{filepath.Join(root, "config", "crd", "bases")},
		ErrorIfCRDPathMissing: true,
		Scheme:                sch,
	}
	cfg, err := env.Start()
	if err != nil {
		return nil, fmt.Errorf("starting envtest from %s: %w", dir, err)
	}
	c, err := client.New(cfg, client.Options{Scheme: sch})
	if err != nil {
		_ = env.Stop()
		return nil, err
	}
	return &Env{Config: cfg, Client: c, Scheme: sch, env: env}, nil
}

// StartT is Start for a test; the server stops when the test ends.
func StartT(t testing.TB) *Env {
	t.Helper()
	e, err := Start()
	if err != nil {
		t.Fatalf("starting the API server: %v", err)
	}
	t.Cleanup(func() { _ = e.Stop() })
	return e
}

// Run is for a TestMain: it starts an API server, runs body with it and
// stops it, and returns body's exit code, or 1 (the reason on stderr) when
// the server does not start.
func Run(body func(*Env) int) int {
	e, err := Start()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = e.Stop() }()
	return body(e)
}

// Stop stops the API server.
func (e *Env) Stop() error { return e.env.Stop() }

// Kubeconfig writes a kubeconfig for an admin user of this server to path.
func (e *Env) Kubeconfig(path string) error {
	return e.KubeconfigAs(path, "admin", "system:masters")
}

// ServiceAccountKubeconfig writes a kubeconfig to path for the identity of
// ServiceAccount namespace/name, as a pod running under it has: RBAC
// bindings to that ServiceAccount apply, and nothing else.
func (e *Env) ServiceAccountKubeconfig(path, namespace, name string) error {
	return e.KubeconfigAs(path, "system:serviceaccount:"+namespace+":"+name,
		"system:serviceaccounts", "system:serviceaccounts:"+namespace, "system:authenticated")
}

// KubeconfigAs writes a kubeconfig for user in groups to path.
func (e *Env) KubeconfigAs(path, name string, groups ...string) error {
	user, err := e.env.AddUser(envtest.User{Name: name, Groups: groups}, nil)
	if err != nil {
		return err
	}
	data, err := user.KubeConfig()
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}
