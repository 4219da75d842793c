package controllers_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/faultproxy"
)

// faultCase is one way the authorization server misbehaves.
type faultCase struct {
	name  string
	fault faultproxy.Fault
	// register applies the fault while a new OAuthClient registers; else
	// to one that is Ready already.
	register bool
	// reasons the Ready condition may show, and words of which its message
	// must hold at least one (case-insensitive).
	reasons []string
	words   []string
	// during runs extra checks while the fault holds.
	during func(t *testing.T, fx *proxiedServer, name string)
}

// The suite's manager: HTTPTimeout 5s, resync 3s. Faults on GET /reg/ hit
// the RFC 7592 read every resync makes; faults on /.well-known/ hit the
// AuthServer's discovery.
var faultCases = []faultCase{
	{
		name:    "server down",
		fault:   faultproxy.Fault{Kind: faultproxy.Down},
		reasons: []string{v1alpha1.ReasonServerUnavailable, v1alpha1.ReasonServerNotReady},
		words:   []string{"connection refused"},
	},
	{
		name:    "discovery answers 503",
		fault:   faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusServiceUnavailable, Path: "/.well-known/"},
		reasons: []string{v1alpha1.ReasonServerNotReady},
		words:   []string{"503"},
	},
	{
		name:    "client read answers 503",
		fault:   faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusServiceUnavailable, Method: http.MethodGet, Path: "/reg/"},
		reasons: []string{v1alpha1.ReasonServerUnavailable},
		words:   []string{"503"},
	},
	{
		name:    "client read slower than the HTTP timeout",
		fault:   faultproxy.Fault{Kind: faultproxy.Slow, Delay: 7 * time.Second, Method: http.MethodGet, Path: "/reg/"},
		reasons: []string{v1alpha1.ReasonServerUnavailable},
		words:   []string{"timeout"},
	},
	{
		name:    "client read rate limited",
		fault:   faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: 4 * time.Second, Method: http.MethodGet, Path: "/reg/"},
		reasons: []string{v1alpha1.ReasonRateLimited},
		words:   []string{"429"},
		during:  waitsForRetryAfter(4 * time.Second),
	},
	{
		name:    "client read answers malformed JSON",
		fault:   faultproxy.Fault{Kind: faultproxy.Malformed, Method: http.MethodGet, Path: "/reg/"},
		reasons: []string{v1alpha1.ReasonServerUnavailable},
		words:   []string{"unreadable"},
	},
	{
		name:     "registration answers 503",
		fault:    faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusServiceUnavailable, Method: http.MethodPost, Path: "/reg"},
		register: true,
		reasons:  []string{v1alpha1.ReasonServerUnavailable},
		words:    []string{"503"},
	},
	{
		name:     "registration rate limited",
		fault:    faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: 2 * time.Second, Method: http.MethodPost, Path: "/reg"},
		register: true,
		reasons:  []string{v1alpha1.ReasonRateLimited},
		words:    []string{"429"},
		during:   waitsForRetryAfter(2 * time.Second),
	},
	{
		name:     "registration response without the secret",
		fault:    faultproxy.Fault{Kind: faultproxy.StripSecret, Method: http.MethodPost, Path: "/reg"},
		register: true,
		reasons:  []string{v1alpha1.ReasonServerUnavailable},
		words:    []string{"no client_secret"},
		during:   leavesNoClientBehind,
	},
}

func TestFaultsAtTheAuthServer(t *testing.T) {
	fx := newProxiedServer(t)
	for i, tc := range faultCases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("fault-%c", 'a'+i)
			if tc.register {
				runFaultOnRegistration(t, fx, tc, name)
			} else {
				runFaultOnReadyClient(t, fx, tc, name)
			}
		})
	}
}

// runFaultOnReadyClient breaks the server under a Ready client: the
// condition says why, the Secret stays as it was, and the client is Ready
// with the same credentials once the fault ends.
func runFaultOnReadyClient(t *testing.T, fx *proxiedServer, tc faultCase, name string) {
	newClient(t, fx.ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	fx.deleteAtEnd(t, name)
	before := waitReady(t, fx.ns, name)
	recordState(t, before)
	secret := secretOf(t, fx.ns, name)

	fx.set(t, tc.fault)
	start := time.Now()
	cond := waitReason(t, fx.ns, name, tc.reasons...)
	t.Logf("%s: Ready=False %s after %s: %s", tc.fault, cond.Reason, time.Since(start).Round(100*time.Millisecond), cond.Message)
	checkMessage(t, cond, tc.words, string(secret.Data["client_secret"]))
	if tc.during != nil {
		tc.during(t, fx, name)
	}
	// A few more failed reconciles must not touch the Secret either.
	time.Sleep(resyncPeriod)
	t.Logf("%s: %d requests hit the fault", tc.fault, fx.proxy.Hits())
	after := secretOf(t, fx.ns, name)
	if !equalData(secret.Data, after.Data) || after.ResourceVersion != secret.ResourceVersion {
		t.Fatal("the Secret was written while the server misbehaved")
	}

	fx.clear(t)
	start = time.Now()
	now := waitReady(t, fx.ns, name)
	t.Logf("%s: Ready again %s after the fault ended", tc.fault, time.Since(start).Round(100*time.Millisecond))
	if now.Status.ClientID != before.Status.ClientID {
		t.Errorf("the client was replaced (%s → %s) although it survived at the server", before.Status.ClientID, now.Status.ClientID)
	}
	fx.mustGetToken(t, secretOf(t, fx.ns, name))
}

// runFaultOnRegistration breaks the server while a new client registers: it
// must not become Ready with unusable credentials, and once the fault ends
// it is Ready with working ones.
func runFaultOnRegistration(t *testing.T, fx *proxiedServer, tc faultCase, name string) {
	fx.set(t, tc.fault)
	newClient(t, fx.ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	fx.deleteAtEnd(t, name)
	cond := waitReason(t, fx.ns, name, tc.reasons...)
	t.Logf("%s: Ready=False %s: %s", tc.fault, cond.Reason, cond.Message)
	checkMessage(t, cond, tc.words)
	if tc.during != nil {
		tc.during(t, fx, name)
	}
	if got := getClient(t, fx.ns, name).Status.ClientID; got != "" {
		t.Errorf("status.clientID is %s although no usable client exists", got)
	}
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: fx.ns, Name: name}, &s); !apierrors.IsNotFound(err) {
		t.Fatalf("a Secret was written without a usable client (err %v, client_secret %d bytes)", err, len(s.Data["client_secret"]))
	}
	if fx.proxy.Hits() == 0 {
		t.Fatal("the fault was never hit")
	}
	t.Logf("%s: %d registrations hit the fault", tc.fault, fx.proxy.Hits())

	fx.clear(t)
	oac := waitReady(t, fx.ns, name)
	recordState(t, oac)
	secret := secretOf(t, fx.ns, name)
	if len(secret.Data["client_secret"]) == 0 {
		t.Fatal("Ready with an empty client_secret")
	}
	fx.mustGetToken(t, secret)
	ids := fx.remoteClients(t, desiredName(fx.ns, name))
	if len(ids) != 1 || ids[0] != oac.Status.ClientID {
		t.Fatalf("the server holds clients %v for %s, want just %s", ids, name, oac.Status.ClientID)
	}
}

// waitsForRetryAfter checks that, rate limited, the operator waits for the
// server's Retry-After instead of retrying at once.
func waitsForRetryAfter(retryAfter time.Duration) func(t *testing.T, fx *proxiedServer, name string) {
	return func(t *testing.T, fx *proxiedServer, _ string) {
		before := fx.proxy.Hits()
		window := 2 * retryAfter
		time.Sleep(window)
		n := fx.proxy.Hits() - before
		t.Logf("%d requests in %s with Retry-After %s", n, window, retryAfter)
		// One per Retry-After, plus one at the window's edge.
		if limit := int(window/retryAfter) + 1; n > limit {
			t.Errorf("%d requests in %s although the server asked to wait %s: want at most %d", n, window, retryAfter, limit)
		}
		if n == 0 {
			t.Errorf("no request in %s: the operator gave up instead of retrying after %s", window, retryAfter)
		}
	}
}

// leavesNoClientBehind checks that registrations the operator could not use
// were deleted at the server again.
func leavesNoClientBehind(t *testing.T, fx *proxiedServer, name string) {
	waitFor(t, "no remote client left for "+name, func() (bool, string) {
		ids := fx.remoteClients(t, desiredName(fx.ns, name))
		return len(ids) == 0, "the server holds " + strings.Join(ids, ", ")
	})
}

// checkMessage asserts that the condition's message holds one of words and
// none of the secrets.
func checkMessage(t *testing.T, cond *metav1.Condition, words []string, secrets ...string) {
	t.Helper()
	msg := strings.ToLower(cond.Message)
	if !slices.ContainsFunc(words, func(w string) bool { return strings.Contains(msg, strings.ToLower(w)) }) {
		t.Errorf("the message does not say %q: %s", words, cond.Message)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(cond.Message, s) {
			t.Error("the message holds a secret value")
		}
	}
}

// desiredName is the client_name the operator registers by default.
func desiredName(ns, name string) string { return ns + "/" + name }

// ---- a server behind a fault proxy, and helpers the tenancy and TLS tests share ----

// proxiedServer is an authorization server of its own behind a fault proxy,
// advertising the proxy's URL as its issuer, and a namespace whose
// AuthServer "dev" uses it.
type proxiedServer struct {
	proxy *faultproxy.Proxy
	auth  *authserver.Server
	ns    string
}

func newProxiedServer(t *testing.T) *proxiedServer {
	t.Helper()
	p := faultproxy.StartT(t)
	srv := authserver.StartT(t, authserver.Options{
		Issuer: p.URL, InitialAccessToken: initialAccessToken, Scopes: []string{"read", "write"},
	})
	if err := p.SetUpstream(srv.URL); err != nil {
		t.Fatal(err)
	}
	ns := newServerNamespace(t, v1alpha1.AuthServerSpec{IssuerURL: p.URL}, true)
	return &proxiedServer{proxy: p, auth: srv, ns: ns}
}

func (fx *proxiedServer) set(t *testing.T, f faultproxy.Fault) {
	t.Helper()
	if err := fx.proxy.Set(f); err != nil {
		t.Fatal(err)
	}
	// Whatever happens in the test, the next one starts without a fault.
	t.Cleanup(func() { _ = fx.proxy.Clear() })
}

// deleteAtEnd deletes the OAuthClient when the test ends, once the fault is
// cleared, so that the next fault meets only its own client, and checks
// that the remote client went with it.
func (fx *proxiedServer) deleteAtEnd(t *testing.T, name string) {
	t.Helper()
	t.Cleanup(func() {
		_ = fx.proxy.Clear()
		oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: fx.ns, Name: name}}
		if err := k8s.Delete(context.Background(), oac); client.IgnoreNotFound(err) != nil {
			t.Error(err)
			return
		}
		waitGone(t, &v1alpha1.OAuthClient{}, fx.ns, name)
		if ids := fx.remoteClients(t, desiredName(fx.ns, name)); len(ids) != 0 {
			t.Errorf("deleting %s left clients %v at the server", name, ids)
		}
	})
}

func (fx *proxiedServer) clear(t *testing.T) {
	t.Helper()
	if err := fx.proxy.Clear(); err != nil {
		t.Fatal(err)
	}
}

// remoteClients lists the ids of the clients the server holds under
// clientName.
func (fx *proxiedServer) remoteClients(t *testing.T, clientName string) []string {
	t.Helper()
	clients, err := fx.auth.AdminListClients(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range clients {
		if c["client_name"] == clientName {
			ids = append(ids, c["client_id"].(string))
		}
	}
	return ids
}

// mustGetToken gets a token with the Secret's credentials the way a workload
// does: from its token_url, through the proxy.
func (fx *proxiedServer) mustGetToken(t *testing.T, s *corev1.Secret) {
	t.Helper()
	if err := workloadToken(&http.Client{Timeout: 10 * time.Second}, s); err != nil {
		t.Fatalf("the delivered credentials do not work: %v", err)
	}
}

// workloadToken obtains a client-credentials token with nothing but the
// delivered Secret's keys, over hc, and records it for the log scan.
func workloadToken(hc *http.Client, s *corev1.Secret) error {
	cfg := clientcredentials.Config{
		ClientID:     string(s.Data["client_id"]),
		ClientSecret: string(s.Data["client_secret"]),
		TokenURL:     string(s.Data["token_url"]),
		Scopes:       strings.Fields(string(s.Data["scope"])),
	}
	tok, err := cfg.Token(context.WithValue(context.Background(), oauth2.HTTPClient, hc))
	if err != nil {
		return err
	}
	seen.add(tok.AccessToken)
	return nil
}

// newServerNamespace creates a namespace with the registration Secret and
// an AuthServer "dev" with spec (dynamic registration and the initial
// access token filled in), waiting for it to be Ready when wait is set.
func newServerNamespace(t *testing.T, spec v1alpha1.AuthServerSpec, wait bool) string {
	t.Helper()
	ns := createNamespace(t)
	as := createDevServer(t, ns, spec)
	// Stop using the test's server when the test ends.
	t.Cleanup(func() { _ = k8s.Delete(context.Background(), as) })
	if wait {
		waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	}
	return ns
}

// serverObject is an AuthServer or a ClusterAuthServer.
type serverObject interface {
	client.Object
	ServerStatus() *v1alpha1.AuthServerStatus
}

func TestOrphanReleasesADeletionTheServerCannotFinish(t *testing.T) {
	fx := newProxiedServer(t)
	newClient(t, fx.ns, "stuck", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	oac := waitReady(t, fx.ns, "stuck")
	fx.set(t, faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusServiceUnavailable, Method: http.MethodDelete, Path: "/reg/"})
	if err := k8s.Delete(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	cond := waitReason(t, fx.ns, "stuck", v1alpha1.ReasonServerUnavailable)
	if !strings.Contains(cond.Message, "503") {
		t.Errorf("the message does not say why the deletion cannot finish: %s", cond.Message)
	}

	// The owner gives up on the remote client: Orphan lets the deletion end.
	oac = getClient(t, fx.ns, "stuck")
	oac.Spec.DeletionPolicy = "Orphan"
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, fx.ns, "stuck")
	s := secretOf(t, fx.ns, "stuck")
	if _, owned := s.Labels[v1alpha1.LabelManagedBy]; owned || len(s.OwnerReferences) != 0 {
		t.Errorf("the kept Secret is still tied to the operator: labels %v, owners %v", s.Labels, s.OwnerReferences)
	}
	if ids := fx.remoteClients(t, desiredName(fx.ns, "stuck")); len(ids) != 1 || ids[0] != oac.Status.ClientID {
		t.Errorf("the orphaned client should stay at the server: %v", ids)
	}
}
