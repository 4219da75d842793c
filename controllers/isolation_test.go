package controllers_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/faultproxy"
)

// withHTTPTimeout restarts the manager with another --http-timeout for the
// rest of the test, and as before at its end.
func withHTTPTimeout(t *testing.T, d time.Duration) {
	t.Helper()
	before := timings
	timings.httpTimeout = d
	restartManager(t, 0)
	t.Cleanup(func() {
		timings = before
		restartManager(t, 0)
	})
}

// One tenant's server accepts connections and never answers a
// registration. More of its OAuthClients than the manager has workers are
// waiting; a new OAuthClient of another, healthy server must still become
// Ready, while every call to the hung server is still waiting for its
// answer (so it was not freed by a timeout first). Then the hung server's
// clients all say ServerUnavailable and why.
func TestHungServerDoesNotSlowAnotherServersClients(t *testing.T) {
	// Longer than a healthy registration can take, so the healthy client's
	// Ready cannot come from a worker freed by the timeout.
	withHTTPTimeout(t, 20*time.Second)
	healthy := newNamespace(t)
	hung := newProxiedServer(t)
	hung.set(t, faultproxy.Fault{Kind: faultproxy.Slow, Delay: time.Hour, Method: http.MethodPost, Path: "/reg"})

	const hungClients = 6 // the suite's manager has 4 workers
	for i := range hungClients {
		name := fmt.Sprintf("hung-%d", i)
		hung.deleteAtEnd(t, name)
		newClient(t, hung.ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	}
	waitFor(t, "registrations waiting at the hung server", func() (bool, string) {
		n := hung.proxy.Waiting()
		return n >= 2, fmt.Sprintf("%d waiting", n)
	})
	first := hung.proxy.Hits()

	newClient(t, healthy, "healthy", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, healthy, "healthy")
	if waiting, hits := hung.proxy.Waiting(), hung.proxy.Hits(); waiting < first || hits != first {
		t.Fatalf("the healthy server's client was Ready only after calls to the hung server ended or more were sent: %d wait now and %d were sent, against %d waiting when it was created",
			waiting, hits, first)
	}
	secretOf(t, healthy, "healthy")

	for i := range hungClients {
		name := fmt.Sprintf("hung-%d", i)
		cond := waitReason(t, hung.ns, name, v1alpha1.ReasonServerUnavailable)
		checkMessage(t, cond, []string{"timeout"})
	}
}
