package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/adapters"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

// The suite runs the controllers in-process against a real API server
// (envtest) and a real authorization server (npm oidc-provider).
var (
	env        *kube.Env
	k8s        client.Client
	auth       *authserver.Server
	managerLog syncBuffer
	// seen collects every secret value the tests observe, to prove none of
	// them was ever logged.
	seen secretsSeen
	// stopManager stops the running manager.
	stopManager func()
)

// restartManager stops the manager and starts a new one with empty memory,
// as after a crash or a new leader: everything it knows must come from the
// API server and the auth server.
func restartManager(t *testing.T, downtime time.Duration) {
	t.Helper()
	stopManager()
	time.Sleep(downtime)
	var err error
	if stopManager, err = startManager(context.Background()); err != nil {
		t.Fatalf("restarting the manager: %v", err)
	}
}

const (
	operatorNamespace  = "oauth-client-operator-system"
	initialAccessToken = "iat-for-the-test-suite-0123456789"
	resyncPeriod       = 3 * time.Second
)

func TestMain(m *testing.M) {
	os.Exit(runSuite(m))
}

func runSuite(m *testing.M) int {
	tier.Enable() // the suite starts envtest and the auth server: all of it is integration tier
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	return kube.Run(func(e *kube.Env) int {
		env, k8s = e, e.Client
		return runWithAPIServer(ctx, m)
	})
}

// runWithAPIServer starts the auth server and the manager, runs the tests
// and scans for leaked secrets.
func runWithAPIServer(ctx context.Context, m *testing.M) int {
	dataFile, err := os.CreateTemp("", "authserver-*.json")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	_ = dataFile.Close()
	_ = os.Remove(dataFile.Name())
	defer func() { _ = os.Remove(dataFile.Name()) }()
	auth, err = authserver.Start(ctx, authserver.Options{
		InitialAccessToken: initialAccessToken,
		Scopes:             []string{"read", "write", "admin", "metrics"},
		DataFile:           dataFile.Name(),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() { _ = auth.Stop() }()
	seen.add(initialAccessToken)

	if err := k8s.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: operatorNamespace}}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if stopManager, err = startManager(ctx); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	stopManager()
	if path := os.Getenv("MANAGER_LOG"); path != "" {
		_ = os.WriteFile(path, []byte(managerLog.String()), 0o600) //nolint:gosec // G703: the developer names the log file in MANAGER_LOG
	}
	if code == 0 {
		code = checkNoSecretLeaked(ctx)
	}
	return code
}

var skipNameValidation = true

// timings are the manager's resync and credential check periods; a test
// that needs others uses withTimings.
// (leakScan zero: no leaked-client scan.)
var timings = struct{ resync, credentialCheck, httpTimeout, leakScan time.Duration }{resync: resyncPeriod, httpTimeout: 5 * time.Second}

// withTimings restarts the manager with other resync and credential check
// periods for the rest of the test, and restarts it as before at its end.
func withTimings(t *testing.T, resync, credentialCheck time.Duration) {
	t.Helper()
	before := timings
	timings.resync, timings.credentialCheck = resync, credentialCheck
	restartManager(t, 0)
	t.Cleanup(func() {
		timings = before
		restartManager(t, 0)
	})
}

// startManager runs the controllers as cmd/main.go wires them, logging at
// the most verbose level into managerLog.
func startManager(ctx context.Context) (func(), error) {
	logger := zap.New(zap.WriteTo(&managerLog), zap.Level(zapcore.Level(-10)))
	ctrl.SetLogger(logger)
	mgr, err := manager.New(env.Config, manager.Options{
		Scheme:  env.Scheme,
		Logger:  logger,
		Metrics: metricsserver.Options{BindAddress: "0"},
		// restartManager runs the same controllers again in this process.
		Controller: config.Controller{SkipNameValidation: &skipNameValidation},
		Cache:      controllers.CacheOptions(),
	})
	if err != nil {
		return nil, err
	}
	mctx, cancel := context.WithCancel(logr.NewContext(ctx, logger))
	if err := controllers.Setup(mctx, mgr, controllers.Options{
		Registry: adapters.Registry(), OperatorNamespace: operatorNamespace,
		ResyncPeriod: timings.resync, CredentialCheckPeriod: timings.credentialCheck,
		HTTPTimeout: timings.httpTimeout, MaxConcurrentReconciles: 4, SourceCheckPeriod: time.Second,
		LeakScanInterval: timings.leakScan,
	}); err != nil {
		cancel()
		return nil, err
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := mgr.Start(mctx); err != nil {
			fmt.Fprintln(os.Stderr, "manager:", err)
		}
	}()
	return func() { cancel(); <-done }, nil
}

// checkNoSecretLeaked fails the suite when any secret value the tests saw
// appears in the manager's log, or in any Event, OAuthClient, AuthServer or
// ClusterAuthServer (status included) the suite's scenarios left behind.
func checkNoSecretLeaked(ctx context.Context) int {
	logText := managerLog.String()
	if len(logText) == 0 {
		fmt.Fprintln(os.Stderr, "the manager logged nothing; the secret scan would prove nothing")
		return 1
	}
	objects, err := clusterText(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, "reading objects for the secret scan:", err)
		return 1
	}
	for _, s := range seen.all() {
		for where, text := range map[string]string{"the manager log": logText, "the cluster's events and resources": objects} {
			if strings.Contains(text, s) {
				fmt.Fprintf(os.Stderr, "FAIL: a secret value (%d chars, starting %q) appears in %s\n", len(s), s[:4], where)
				return 1
			}
		}
	}
	fmt.Fprintf(os.Stderr, "secret scan: %d secret values, none in %d bytes of manager log nor in %d bytes of events, OAuthClients and servers\n",
		len(seen.all()), len(logText), len(objects))
	return 0
}

// clusterText is every Event (both APIs), OAuthClient, AuthServer and
// ClusterAuthServer in the cluster, as JSON.
func clusterText(ctx context.Context) (string, error) {
	var b strings.Builder
	for _, list := range []client.ObjectList{
		&eventsv1.EventList{}, &corev1.EventList{},
		&v1alpha1.OAuthClientList{}, &v1alpha1.AuthServerList{}, &v1alpha1.ClusterAuthServerList{},
	} {
		if err := k8s.List(ctx, list); err != nil {
			return "", err
		}
		data, err := json.Marshal(list)
		if err != nil {
			return "", err
		}
		b.Write(data)
	}
	return b.String(), nil
}

type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

type secretsSeen struct {
	mu sync.Mutex
	m  map[string]bool
}

func (s *secretsSeen) add(values ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.m == nil {
		s.m = map[string]bool{}
	}
	for _, v := range values {
		if len(v) >= 8 {
			s.m[v] = true
		}
	}
}

func (s *secretsSeen) all() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]string, 0, len(s.m))
	for v := range s.m {
		out = append(out, v)
	}
	return out
}

// ---- helpers the tests share ----

// newNamespace creates a namespace with an AuthServer "dev" pointing at the
// test authorization server, and waits for it to be Ready.
func newNamespace(t *testing.T) string {
	t.Helper()
	ns := createNamespace(t)
	createDevServer(t, ns, v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer})
	waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	return ns
}

// createNamespace creates an empty namespace.
func createNamespace(t *testing.T) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "t-"}}
	if err := k8s.Create(context.Background(), ns); err != nil {
		t.Fatal(err)
	}
	// envtest has no namespace controller, so a namespace's objects outlive
	// its test. Its AuthServers go with it: one left behind would keep
	// calling the test's server after it closed, and so whichever later
	// test's server is given the same loopback port.
	t.Cleanup(func() {
		if err := k8s.DeleteAllOf(context.Background(), &v1alpha1.AuthServer{}, client.InNamespace(ns.Name)); err != nil {
			t.Errorf("deleting the AuthServers of namespace %s: %v", ns.Name, err)
		}
	})
	return ns.Name
}

// createDevServer creates the registration Secret and an AuthServer "dev"
// in ns with spec, dynamic registration and the initial access token filled
// in.
func createDevServer(t *testing.T, ns string, spec v1alpha1.AuthServerSpec) *v1alpha1.AuthServer {
	t.Helper()
	return createDevServerWithToken(t, ns, initialAccessToken, spec)
}

// createDevServerWithToken is createDevServer with token in the
// registration Secret instead of the server's initial access token.
func createDevServerWithToken(t *testing.T, ns, token string, spec v1alpha1.AuthServerSpec) *v1alpha1.AuthServer {
	t.Helper()
	createSecret(t, ns, "dev-registration", map[string]string{"token": token})
	spec.DynamicRegistration = &v1alpha1.DynamicRegistrationProvider{}
	spec.Credentials = &v1alpha1.ManagementCredentials{
		InitialAccessToken: &v1alpha1.SecretKeySelector{Name: "dev-registration", Key: "token"},
	}
	as := &v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns}, Spec: spec}
	mustCreate(t, as)
	return as
}

// waitServer waits until an AuthServer or ClusterAuthServer shows reason
// at its current generation, and returns the Ready condition.
func waitServer(t *testing.T, obj serverObject, ns, name, reason string) *metav1.Condition {
	t.Helper()
	var cond *metav1.Condition
	waitFor(t, fmt.Sprintf("%T %s reason %s", obj, name, reason), func() (bool, string) {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, obj); err != nil {
			return false, err.Error()
		}
		cond = meta.FindStatusCondition(obj.ServerStatus().Conditions, v1alpha1.ConditionReady)
		if cond == nil {
			return false, "no Ready condition"
		}
		return cond.Reason == reason && cond.ObservedGeneration == obj.GetGeneration(), cond.Reason + ": " + cond.Message
	})
	return cond
}

func mustCreate(t *testing.T, obj client.Object) {
	t.Helper()
	if err := k8s.Create(context.Background(), obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
	if cas, ok := obj.(*v1alpha1.ClusterAuthServer); ok {
		// Gone with its test, for the reason createNamespace gives.
		t.Cleanup(func() {
			if err := k8s.Delete(context.Background(), cas); client.IgnoreNotFound(err) != nil {
				t.Errorf("deleting ClusterAuthServer %s: %v", cas.Name, err)
			}
		})
	}
}

func isReady(conds []metav1.Condition, generation int64) (bool, string) {
	c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
	if c == nil {
		return false, "no Ready condition"
	}
	return c.Status == metav1.ConditionTrue && c.ObservedGeneration == generation, c.Reason + ": " + c.Message
}

// waitFor polls cond until it holds, failing the test after a minute with
// cond's last explanation.
func waitFor(t *testing.T, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	last := ""
	for time.Now().Before(deadline) {
		ok, why := cond()
		if ok {
			return
		}
		last = why
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s; last: %s", what, last)
}

// newClient creates an OAuthClient in ns with the given spec and serverRef
// dev.
func newClient(t *testing.T, ns, name string, spec v1alpha1.OAuthClientSpec) {
	t.Helper()
	if spec.ServerRef.Name == "" {
		spec.ServerRef = v1alpha1.ServerReference{Name: "dev"}
	}
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Spec: spec}
	mustCreate(t, oac)
}

// getClient reads an OAuthClient.
func getClient(t *testing.T, ns, name string) *v1alpha1.OAuthClient {
	t.Helper()
	var oac v1alpha1.OAuthClient
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &oac); err != nil {
		t.Fatal(err)
	}
	return &oac
}

// waitReady waits until the OAuthClient is Ready at its current generation.
func waitReady(t *testing.T, ns, name string) *v1alpha1.OAuthClient {
	t.Helper()
	var oac v1alpha1.OAuthClient
	waitFor(t, "OAuthClient "+name+" Ready", func() (bool, string) {
		if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &oac); err != nil {
			return false, err.Error()
		}
		return isReady(oac.Status.Conditions, oac.Generation)
	})
	return &oac
}

// waitReason waits until the Ready condition has one of the given reasons.
func waitReason(t *testing.T, ns, name string, reasons ...string) *metav1.Condition {
	t.Helper()
	var cond *metav1.Condition
	waitFor(t, "OAuthClient "+name+" reason "+strings.Join(reasons, " or "), func() (bool, string) {
		oac := getClient(t, ns, name)
		cond = meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
		if cond == nil {
			return false, "no condition"
		}
		return slices.Contains(reasons, cond.Reason), cond.Reason + ": " + cond.Message
	})
	return cond
}

// secretOf reads a Secret and records its secret values for the log scan.
func secretOf(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatalf("reading Secret %s: %v", name, err)
	}
	seen.add(string(s.Data["client_secret"]))
	return &s
}

// token obtains a client-credentials token with the Secret's data, as a
// workload would, and records it for the log scan.
func token(t *testing.T, s *corev1.Secret, scope string) (string, error) {
	t.Helper()
	tok, err := auth.ClientCredentialsToken(context.Background(), string(s.Data["client_id"]), string(s.Data["client_secret"]), scope)
	seen.add(tok)
	return tok, err
}

// introspect returns the introspection of tok, authenticated as the client.
func introspect(t *testing.T, s *corev1.Secret, tok string) map[string]any {
	t.Helper()
	out, err := auth.Introspect(context.Background(), string(s.Data["client_id"]), string(s.Data["client_secret"]), tok)
	if err != nil {
		t.Fatalf("introspecting: %v", err)
	}
	return out
}

// eventsFor lists the reasons of events recorded for an object.
func eventsFor(t *testing.T, ns, name string) []string {
	t.Helper()
	var list eventsv1.EventList
	if err := k8s.List(context.Background(), &list, client.InNamespace(ns)); err != nil {
		t.Fatal(err)
	}
	var reasons []string
	for _, e := range list.Items {
		if e.Regarding.Name == name {
			reasons = append(reasons, e.Type+"/"+e.Reason+": "+e.Note)
		}
	}
	return reasons
}

// recordState adds every value of the operator's internal state for oac
// (client secret, registration access token) to the log scan.
func recordState(t *testing.T, oac *v1alpha1.OAuthClient) map[string]string {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}, &s); err != nil {
		t.Fatalf("reading the state of %s: %v", oac.Name, err)
	}
	out := map[string]string{}
	for k, v := range s.Data {
		out[k] = string(v)
		if k != "client_id" && k != "version" && k != "issued_at" && k != "provider.registration_client_uri" {
			seen.add(string(v))
		}
	}
	return out
}
