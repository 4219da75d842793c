package controllers_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/faultproxy"
)

// A server answers a registration 429 with Retry-After: its other new
// clients wait for that time without sending a request (no retry storm),
// while a new client of another server is registered at once. When the
// time is up, every client of the limited server is registered.
func TestRateLimitedServerHoldsOnlyItsOwnCalls(t *testing.T) {
	other := newNamespace(t)
	limited := newProxiedServer(t)
	limited.set(t, faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: 20 * time.Second, Method: http.MethodPost, Path: "/reg"})

	limited.deleteAtEnd(t, "first")
	newClient(t, limited.ns, "first", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	checkMessage(t, waitReason(t, limited.ns, "first", v1alpha1.ReasonRateLimited), []string{"429"})
	if n := limited.proxy.Hits(); n != 1 {
		t.Fatalf("%d registrations answered 429, want 1", n)
	}

	const more = 3
	for i := range more {
		name := fmt.Sprintf("next-%d", i)
		limited.deleteAtEnd(t, name)
		newClient(t, limited.ns, name, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	}
	newClient(t, other, "elsewhere", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, other, "elsewhere")
	for i := range more {
		cond := waitReason(t, limited.ns, fmt.Sprintf("next-%d", i), v1alpha1.ReasonRateLimited)
		checkMessage(t, cond, []string{"Retry-After"})
	}
	if n := limited.proxy.Hits(); n != 1 {
		t.Errorf("the limited server got %d registrations within its Retry-After, want 1", n)
	}

	limited.clear(t)
	for _, name := range []string{"first", "next-0", "next-1", "next-2"} {
		waitReady(t, limited.ns, name)
	}
	if ids := limited.remoteClients(t, desiredName(limited.ns, "first")); len(ids) != 1 {
		t.Errorf("the server holds %d clients for first, want 1", len(ids))
	}
}
