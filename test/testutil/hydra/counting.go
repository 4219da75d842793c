package hydra

import (
	"crypto/subtle"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is one request a CountingProxy passed on (or refused).
type Request struct {
	Method, Path string
	// Status is the status the client got.
	Status int
}

// ProxyOptions configure a CountingProxy.
type ProxyOptions struct {
	// Bearer, when set, is the only bearer token the proxy lets through;
	// other requests are answered 401 with an OAuth error body and never
	// reach Hydra. It stands in for Ory Network's API keys (and for an
	// authenticating gateway in front of a self-hosted admin port).
	Bearer string
}

// CountingProxy is a reverse proxy on 127.0.0.1 that records every request
// before answering it, so a test that has its answer can count exactly: no
// log to wait for. Put it in front of the admin API to assert "zero writes
// to Hydra".
type CountingProxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT; use it in place
	// of the upstream's.
	URL string

	opts   ProxyOptions
	server *http.Server
	rp     *httputil.ReverseProxy

	mu       sync.Mutex
	requests []Request
}

// NewCountingProxy starts a counting proxy in front of upstream (an
// absolute http URL such as Server.AdminURL).
func NewCountingProxy(upstream string, opts ProxyOptions) (*CountingProxy, error) {
	u, err := url.Parse(upstream)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("counting proxy: upstream %q is not an absolute http(s) URL", upstream)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the counting proxy: %w", err)
	}
	p := &CountingProxy{URL: "http://" + l.Addr().String(), opts: opts}
	p.rp = &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(u)
			pr.Out.Header.Del("Authorization") // Hydra's admin API takes none
		},
	}
	p.server = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = p.server.Serve(l) }()
	return p, nil
}

// CountAdmin starts a counting proxy in front of the admin API, closed when
// the test ends.
func (s *Server) CountAdmin(t testing.TB, opts ProxyOptions) *CountingProxy {
	t.Helper()
	p, err := NewCountingProxy(s.AdminURL, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// ServeHTTP records the request, then refuses or forwards it.
func (p *CountingProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		p.mu.Lock()
		p.requests = append(p.requests, Request{Method: r.Method, Path: r.URL.Path, Status: rec.status})
		p.mu.Unlock()
	}()
	if p.opts.Bearer != "" && !p.authorized(r) {
		rec.Header().Set("Content-Type", "application/json")
		rec.WriteHeader(http.StatusUnauthorized)
		_, _ = rec.Write([]byte(`{"error":"unauthorized","error_description":"The request could not be authorized: a valid API key is required."}`))
		return
	}
	p.rp.ServeHTTP(rec, r)
}

func (p *CountingProxy) authorized(r *http.Request) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && subtle.ConstantTimeCompare([]byte(got), []byte(p.opts.Bearer)) == 1
}

// Requests returns the requests recorded since the start or the last Reset,
// in the order they were answered.
func (p *CountingProxy) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Request(nil), p.requests...)
}

// Counts returns the number of recorded requests per HTTP method.
func (p *CountingProxy) Counts() map[string]int {
	n := map[string]int{}
	for _, r := range p.Requests() {
		n[r.Method]++
	}
	return n
}

// Writes returns the recorded requests that may change something at Hydra:
// every method but GET, HEAD and OPTIONS.
func (p *CountingProxy) Writes() []Request {
	return slices.DeleteFunc(p.Requests(), func(r Request) bool {
		return r.Method == http.MethodGet || r.Method == http.MethodHead || r.Method == http.MethodOptions
	})
}

// Reset forgets the recorded requests.
func (p *CountingProxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = nil
}

// Close stops the proxy.
func (p *CountingProxy) Close() error { return p.server.Close() }

// statusRecorder remembers the status written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if !r.wrote {
		r.status, r.wrote = status, true
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}
