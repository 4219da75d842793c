package providertest

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// leak is a secret a faulty answer carries; no error may show it.
const leak = "providertest-leaked-secret-7f3a"

// answer is what the suite's faulty server says to every request.
type answer struct {
	status      int
	contentType string
	header      map[string]string
	body        string
}

// Silent starts a loopback server that answers no request: each waits
// until its client gives up or the test ends. Its URL is for a test of
// timeouts.
func Silent(t *testing.T) *httptest.Server {
	t.Helper()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	return srv
}

// faulty starts a loopback server that gives every request a, and returns
// a provider (Harness.NewAt) that sends its requests there.
func faulty(t *testing.T, h Harness, a answer) provider.Provider {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		if a.contentType != "" {
			w.Header().Set("Content-Type", a.contentType)
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return h.NewAt(t, srv.URL)
}

// testMalformed: a success answer the adapter cannot read, and an answer
// with a status it does not expect, are typed provider errors that hold
// nothing of what the server sent. Only Create is asked: it is the one call
// that needs no state from an earlier answer of the server.
func testMalformed(t *testing.T, h Harness) {
	if h.NewAt == nil {
		t.Skip("the harness has no NewAt to point the adapter at a faulty server")
	}
	const ctJSON = "application/json"
	cases := []struct {
		name string
		a    answer
		// kind is the kind wanted; empty: any typed error.
		kind provider.Kind
	}{
		{name: "not JSON", a: answer{http.StatusCreated, "text/html", nil, "<html><body>" + leak + "</body></html>"}},
		{name: "empty body", a: answer{http.StatusCreated, ctJSON, nil, ""}},
		{name: "JSON null", a: answer{http.StatusCreated, ctJSON, nil, "null"}},
		{name: "an array", a: answer{http.StatusCreated, ctJSON, nil, `[{"client_id":"c1","client_secret":"` + leak + `"}]`}},
		{name: "client_id of the wrong type", a: answer{http.StatusCreated, ctJSON, nil, `{"client_id":42,"client_secret":"` + leak + `"}`}},
		{name: "no client_id", a: answer{http.StatusCreated, ctJSON, nil, `{"client_secret":"` + leak + `"}`}},
		{name: "cut short", a: answer{http.StatusCreated, ctJSON, nil, `{"client_id":"c1","client_secret":"` + leak}},
		{name: "server error page", a: answer{http.StatusInternalServerError, "text/html", nil, "<h1>" + leak + "</h1>"}, kind: provider.KindTransient},
		{name: "bad gateway", a: answer{http.StatusBadGateway, ctJSON, nil, `{"error":"temporarily_unavailable","client_secret":"` + leak + `"}`}, kind: provider.KindTransient},
		{name: "unexpected status", a: answer{http.StatusTeapot, ctJSON, nil, `{}`}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := faulty(t, h, c.a)
			res, err := p.Create(callContext(t), validSpec(t, h))
			if err == nil {
				t.Fatalf("Create against a server answering %d %q succeeded with client %q", c.a.status, c.a.body, res.Client.ClientID)
			}
			pe, ok := errors.AsType[*provider.Error](err)
			if !ok {
				t.Fatalf("Create against a server answering %d %q: error %v is not a *provider.Error", c.a.status, c.a.body, err)
			}
			if c.kind != "" && pe.Kind != c.kind {
				t.Errorf("Create against a server answering %d: kind %s, want %s (error %v)", c.a.status, pe.Kind, c.kind, err)
			}
			if strings.Contains(err.Error(), leak) {
				t.Errorf("the error holds what the server sent: %v", err)
			}
		})
	}
}

// testRateLimited: a 429 with Retry-After (in seconds) is RateLimited with
// that delay, and worth a retry.
func testRateLimited(t *testing.T, h Harness) {
	if h.NewAt == nil {
		t.Skip("the harness has no NewAt to point the adapter at a faulty server")
	}
	p := faulty(t, h, answer{http.StatusTooManyRequests, "application/json",
		map[string]string{"Retry-After": "7"}, `{"error":"too_many_requests"}`})
	_, err := p.Create(callContext(t), validSpec(t, h))
	if !errors.Is(err, provider.ErrRateLimited) {
		t.Fatalf("Create answered 429: error = %v, want one matching provider.ErrRateLimited", err)
	}
	if got := provider.RetryAfter(err); got != 7*time.Second {
		t.Errorf("Create answered 429 with Retry-After: 7: RetryAfter = %s, want 7s", got)
	}
	if provider.IsTerminal(err) {
		t.Errorf("Create answered 429: error %v is terminal", err)
	}
}
