package e2e

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/manager"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

// waitTimeout bounds every wait for the operator to reach a state.
const waitTimeout = 90 * time.Second

// harness is what the process tests share: one API server, one auth server
// and one manager binary, started on first use and stopped by TestMain.
type harness struct {
	dir  string // logs, kubeconfig and the binary
	root string // the repository, for config/rbac
	// kubeconfig is the manager's: the operator's ServiceAccount, with
	// config/rbac's permissions and no others.
	kubeconfig         string
	manager            string // the built ./cmd
	env                *kube.Env
	k8s                client.Client
	auth               *authserver.Server
	initialAccessToken string
	authLog            *os.File
}

var (
	sharedOnce sync.Once
	shared     *harness
	sharedErr  error
)

// TestMain stops what the tests started. The working directory is removed
// when every test passed; otherwise its logs are kept (the binary is not).
func TestMain(m *testing.M) {
	tier.Enable() // the built manager and real servers: all of it is integration tier
	code := m.Run()
	if shared != nil {
		shared.stop()
		if code == 0 {
			_ = os.RemoveAll(shared.dir)
		} else {
			_ = os.Remove(shared.manager)
			fmt.Fprintf(os.Stderr, "e2e: manager and auth server logs kept in %s\n", shared.dir)
		}
	}
	os.Exit(code)
}

// setup returns the shared harness, starting it on first use; it skips the
// test under -short.
func setup(t *testing.T) *harness {
	t.Helper()
	if testing.Short() {
		t.Skip("starts an API server, an auth server and manager processes")
	}
	sharedOnce.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		t.Fatalf("starting the e2e harness: %v", sharedErr)
	}
	return shared
}

// start builds the manager while the API server and auth server come up.
func start() (*harness, error) {
	root, err := kube.RepoRoot()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "oauth-client-operator-e2e-")
	if err != nil {
		return nil, fmt.Errorf("creating the working directory: %w", err)
	}
	h := &harness{dir: dir, manager: filepath.Join(dir, "manager"), initialAccessToken: rand.Text()}
	var buildErr error
	built := make(chan struct{})
	go func() {
		defer close(built)
		buildErr = manager.Build(context.Background(), root, h.manager)
	}()
	fail := func(err error) (*harness, error) {
		<-built
		h.stop()
		return nil, fmt.Errorf("%w (logs in %s)", err, dir)
	}

	if h.env, err = kube.Start(); err != nil {
		return fail(err)
	}
	h.k8s = h.env.Client
	h.root = root
	if err := installRBAC(context.Background(), h.k8s, root); err != nil {
		return fail(err)
	}
	h.kubeconfig = filepath.Join(dir, "kubeconfig")
	if err := h.env.ServiceAccountKubeconfig(h.kubeconfig, managerSANamespace, managerSA); err != nil {
		return fail(fmt.Errorf("writing the kubeconfig: %w", err))
	}
	if h.authLog, err = os.Create(filepath.Join(dir, "authserver.log")); err != nil { //nolint:gosec // G304: a log file in the suite's temporary directory
		return fail(fmt.Errorf("creating the auth server log: %w", err))
	}
	h.auth, err = authserver.Start(context.Background(), authserver.Options{
		InitialAccessToken: h.initialAccessToken,
		Stdout:             h.authLog,
		Stderr:             h.authLog,
	})
	if err != nil {
		return fail(err)
	}
	<-built
	if buildErr != nil {
		return fail(buildErr)
	}
	return h, nil
}

// stop ends the auth server and the API server.
func (h *harness) stop() {
	if h.auth != nil {
		_ = h.auth.Stop()
	}
	if h.authLog != nil {
		_ = h.authLog.Close()
	}
	if h.env != nil {
		_ = h.env.Stop()
	}
}

// newNamespace creates a namespace named prefix-<random>; with an
// AuthServer, it also creates AuthServer "dev" in it, registering with the
// initial access token held in a Secret of the namespace.
func (h *harness) newNamespace(t *testing.T, prefix string, withAuthServer bool) string {
	t.Helper()
	ctx := context.Background()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: prefix + "-"}}
	if err := h.k8s.Create(ctx, ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	if !withAuthServer {
		return ns.Name
	}
	h.create(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "dev-registration", Namespace: ns.Name},
		StringData: map[string]string{"token": h.initialAccessToken},
	})
	h.create(t, &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns.Name},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL:      h.auth.Issuer,
			ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			Credentials: &v1alpha1.ManagementCredentials{
				InitialAccessToken: &v1alpha1.SecretKeySelector{Name: "dev-registration", Key: "token"},
			},
		},
	})
	return ns.Name
}

// create creates obj, failing the test on error.
func (h *harness) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := h.k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
}

// newClient creates OAuthClient "c" in ns, registered by AuthServer dev.
func (h *harness) newClient(t *testing.T, ns string, spec v1alpha1.OAuthClientSpec) {
	t.Helper()
	h.create(t, clientObject(ns, "c", spec))
}

// clientObject is OAuthClient name in ns with spec, registered by
// AuthServer dev.
func clientObject(ns, name string, spec v1alpha1.OAuthClientSpec) *v1alpha1.OAuthClient {
	spec.ServerRef = v1alpha1.ServerReference{Name: "dev"}
	return &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
}

// getClient reads an OAuthClient; found is false when it does not exist.
func (h *harness) getClient(ns, name string) (oac *v1alpha1.OAuthClient, found bool, err error) {
	oac = &v1alpha1.OAuthClient{}
	err = h.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, oac)
	if apierrors.IsNotFound(err) {
		return nil, false, nil
	}
	return oac, err == nil, err
}

// readyCondition returns the Ready condition when it describes the
// current generation.
func readyCondition(conds []metav1.Condition, generation int64) *metav1.Condition {
	c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
	if c == nil || c.ObservedGeneration != generation {
		return nil
	}
	return c
}

// clientReason says whether the OAuthClient's Ready condition, for its
// current generation, has the given status and reason; why describes it.
func (h *harness) clientReason(ns, name string, status metav1.ConditionStatus, reason string) (ok bool, why string) {
	oac, found, err := h.getClient(ns, name)
	switch {
	case err != nil:
		return false, err.Error()
	case !found:
		return false, "not found"
	}
	c := readyCondition(oac.Status.Conditions, oac.Generation)
	if c == nil {
		return false, "no Ready condition for the current generation"
	}
	return c.Status == status && c.Reason == reason, fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
}

// clientReady says whether the OAuthClient is Ready at its generation.
func (h *harness) clientReady(ns, name string) (bool, string) {
	return h.clientReason(ns, name, metav1.ConditionTrue, v1alpha1.ReasonReady)
}

// waitServerReady waits until AuthServer dev of ns is Ready.
func (h *harness) waitServerReady(t *testing.T, ns string) {
	t.Helper()
	waitFor(t, "AuthServer dev Ready", func() (bool, string) {
		var as v1alpha1.AuthServer
		if err := h.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "dev"}, &as); err != nil {
			return false, err.Error()
		}
		c := readyCondition(as.Status.Conditions, as.Generation)
		if c == nil {
			return false, "no Ready condition"
		}
		return c.Status == metav1.ConditionTrue, c.Reason + ": " + c.Message
	})
}

// secretData reads the delivered Secret name of ns.
func (h *harness) secretData(t *testing.T, ns, name string) map[string][]byte {
	t.Helper()
	var s corev1.Secret
	if err := h.k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatalf("reading Secret %s/%s: %v", ns, name, err)
	}
	return s.Data
}

// checkToken obtains a client_credentials token with the credentials of a
// delivered Secret, as a workload would. The token itself is dropped.
func (h *harness) checkToken(t *testing.T, data map[string][]byte, scope string) {
	t.Helper()
	id := string(data["client_id"])
	if _, err := h.auth.ClientCredentialsToken(context.Background(), id, string(data["client_secret"]), scope); err != nil {
		t.Errorf("the delivered credentials of client %q obtain no token: %v", id, err)
	}
}

// remoteClients returns the server's clients grouped by client_name, each
// with its client_id and client_id_issued_at (no secret is kept).
func (h *harness) remoteClients(t *testing.T) map[string][]remoteClient {
	t.Helper()
	list, err := h.auth.AdminListClients(context.Background())
	if err != nil {
		t.Fatalf("listing the server's clients: %v", err)
	}
	out := map[string][]remoteClient{}
	for _, c := range list {
		name, _ := c["client_name"].(string)
		id, _ := c["client_id"].(string)
		issued, _ := c["client_id_issued_at"].(float64)
		out[name] = append(out[name], remoteClient{ID: id, IssuedAt: time.Unix(int64(issued), 0)})
	}
	return out
}

// remoteClient is what the tests need to know of a registered client.
type remoteClient struct {
	ID       string
	IssuedAt time.Time
}

// waitFor polls cond every 100ms until it holds, failing the test after
// waitTimeout with cond's last explanation.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	last := ""
	for {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s; last: %s", waitTimeout, what, last)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkNoSecretLogged fails the test when a secret value appears in a log.
// Only the value's length is reported.
func checkNoSecretLogged(t *testing.T, secrets []string, logs ...*managerProc) {
	t.Helper()
	for _, m := range logs {
		text := m.logText(t)
		if len(text) == 0 {
			t.Errorf("manager %s logged nothing: the secret scan would prove nothing", m.name)
			continue
		}
		for _, s := range secrets {
			if len(s) >= 8 && strings.Contains(text, s) {
				t.Errorf("a secret value (%d bytes) appears in the log of manager %s", len(s), m.name)
			}
		}
	}
}
