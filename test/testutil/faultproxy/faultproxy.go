// Package faultproxy is a reverse proxy on 127.0.0.1 that tests put in front
// of a real authorization server to make it misbehave on demand. It passes
// every request through unchanged (Host header included, plus the usual
// X-Forwarded-* headers) until a test sets a fault: the server is down, answers
// 5xx, is slow, rate-limits, sends malformed JSON, or leaves the client_secret
// out of a registration response. A fault can target one method and path,
// and the proxy counts the requests it hit.
//
// Run the upstream server with its issuer set to the proxy's URL (see
// authserver.Options.Issuer) so that discovery sends every later call through
// the proxy too.
package faultproxy

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Kind is what the proxy does to a request a fault matches.
type Kind string

// The kinds of faults.
const (
	// PassThrough forwards requests unchanged: no fault.
	PassThrough Kind = ""
	// Down closes the listener and every open connection, so clients get
	// "connection refused". It applies to every request: Method and Path are
	// ignored. Setting any other fault listens again on the same port.
	Down Kind = "Down"
	// Status answers Fault.Status (default 503) with an OAuth error body.
	Status Kind = "Status"
	// Slow waits Fault.Delay, then forwards the request; a client that gives
	// up first gets nothing.
	Slow Kind = "Slow"
	// RateLimit answers 429 Too Many Requests with Retry-After set to
	// Fault.RetryAfter in whole seconds (at least 1).
	RateLimit Kind = "RateLimit"
	// Malformed answers 200 OK, Content-Type application/json, with a body
	// that is not valid JSON. The request does not reach the server.
	Malformed Kind = "Malformed"
	// StripSecret forwards the request and removes the client_secret member
	// from the server's JSON answer, leaving the rest as it was.
	StripSecret Kind = "StripSecret"
)

// maxBody bounds the response bodies StripSecret reads.
const maxBody = 1 << 20

// Fault says what to do to which requests.
type Fault struct {
	Kind Kind
	// Method limits the fault to one HTTP method; empty means any.
	Method string
	// Path limits the fault to one path; empty means any. A path ending in
	// "/" matches every path below it, like http.ServeMux patterns.
	Path string
	// Status is the status Status answers; default 503.
	Status int
	// Delay is how long Slow waits.
	Delay time.Duration
	// RetryAfter is the Retry-After RateLimit sends.
	RetryAfter time.Duration
}

// String describes the fault, e.g. "Status 503 on GET /reg/".
func (f Fault) String() string {
	if f.Kind == PassThrough {
		return "pass-through"
	}
	what := string(f.Kind)
	switch f.Kind {
	case Status:
		what += " " + strconv.Itoa(f.status())
	case Slow:
		what += " " + f.Delay.String()
	case RateLimit:
		what += " Retry-After " + f.retryAfter()
	}
	if f.Kind == Down {
		return what
	}
	method, path := f.Method, f.Path
	if method == "" {
		method = "any method"
	}
	if path == "" {
		path = "any path"
	}
	return what + " on " + method + " " + path
}

func (f Fault) matches(r *http.Request) bool {
	if f.Kind == Down {
		return true
	}
	if f.Method != "" && f.Method != r.Method {
		return false
	}
	switch {
	case f.Path == "":
		return true
	case strings.HasSuffix(f.Path, "/"):
		return strings.HasPrefix(r.URL.Path, f.Path)
	default:
		return r.URL.Path == f.Path
	}
}

func (f Fault) status() int {
	if f.Status == 0 {
		return http.StatusServiceUnavailable
	}
	return f.Status
}

func (f Fault) retryAfter() string {
	return strconv.Itoa(max(int(f.RetryAfter.Round(time.Second)/time.Second), 1))
}

// Proxy is a running fault-injecting reverse proxy.
type Proxy struct {
	// URL is the proxy's base URL, http://127.0.0.1:PORT.
	URL string

	addr   string
	server *http.Server
	plain  *httputil.ReverseProxy
	strip  *httputil.ReverseProxy

	mu       sync.Mutex
	upstream *url.URL
	fault    Fault
	hits     int
	waiting  int
	listener net.Listener // nil while Down
	conns    map[net.Conn]bool
}

// Start listens on a free port of 127.0.0.1. Until SetUpstream is called
// every request is answered 502.
func Start() (*Proxy, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("starting the fault proxy: %w", err)
	}
	p := &Proxy{URL: "http://" + l.Addr().String(), addr: l.Addr().String(), conns: map[net.Conn]bool{}}
	p.plain = &httputil.ReverseProxy{Rewrite: p.rewrite, ErrorHandler: proxyError}
	p.strip = &httputil.ReverseProxy{Rewrite: p.rewriteForStrip, ModifyResponse: stripSecret, ErrorHandler: proxyError}
	p.server = &http.Server{Handler: p, ConnState: p.track, ReadHeaderTimeout: 10 * time.Second}
	p.serve(l)
	return p, nil
}

// StartT is Start for a test: the proxy closes when the test ends and a
// failure to start fails the test.
func StartT(t testing.TB) *Proxy {
	t.Helper()
	p, err := Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Close() })
	return p
}

// SetUpstream sets the server requests are forwarded to, e.g.
// http://127.0.0.1:41234.
func (p *Proxy) SetUpstream(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("fault proxy: upstream %q is not an absolute http(s) URL", rawURL)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.upstream = u
	return nil
}

// Set replaces the current fault with f and resets the hit count. Setting
// Down closes the listener and all connections; setting anything else after
// Down listens again on the same address.
func (p *Proxy) Set(f Fault) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.fault, p.hits = f, 0
	switch {
	case f.Kind == Down && p.listener != nil:
		err := p.listener.Close()
		p.listener = nil
		for c := range p.conns {
			_ = c.Close()
		}
		if err != nil {
			return fmt.Errorf("fault proxy: closing the listener: %w", err)
		}
	case f.Kind != Down && p.listener == nil:
		l, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("fault proxy: listening on %s again: %w", p.addr, err)
		}
		p.serveLocked(l)
	}
	return nil
}

// Clear ends the current fault: requests pass through again.
func (p *Proxy) Clear() error { return p.Set(Fault{}) }

// Hits returns how many requests the current fault has matched since it was
// set. Requests refused while Down never reach the proxy and are not counted.
func (p *Proxy) Hits() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.hits
}

// Waiting returns how many requests Slow holds right now: sent by a client
// that still waits for the answer.
func (p *Proxy) Waiting() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waiting
}

func (p *Proxy) addWaiting(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.waiting += n
}

// Close stops the proxy and closes every connection.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.listener = nil
	p.mu.Unlock()
	return p.server.Close()
}

// ServeHTTP applies the current fault to r, or forwards it.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	f, upstream := p.fault, p.upstream
	hit := f.Kind != PassThrough && f.matches(r)
	if hit {
		p.hits++
	} else {
		f = Fault{}
	}
	p.mu.Unlock()

	if upstream == nil {
		writeError(w, http.StatusBadGateway, "the fault proxy has no upstream yet")
		return
	}
	switch f.Kind {
	case Down:
		// Accepted just before the listener closed: drop the connection.
		panic(http.ErrAbortHandler)
	case Status:
		writeError(w, f.status(), "injected by the fault proxy")
	case RateLimit:
		w.Header().Set("Retry-After", f.retryAfter())
		writeError(w, http.StatusTooManyRequests, "slow down (injected by the fault proxy)")
	case Malformed:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"client_id": "truncated`)
	case Slow:
		// The body is read first: only then does the server notice a
		// client that gives up (r's context ends); it is forwarded as it
		// came.
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil {
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		t := time.NewTimer(f.Delay)
		defer t.Stop()
		p.addWaiting(1)
		defer p.addWaiting(-1)
		select {
		case <-t.C:
			p.plain.ServeHTTP(w, r)
		case <-r.Context().Done():
		}
	case StripSecret:
		p.strip.ServeHTTP(w, r)
	default:
		p.plain.ServeHTTP(w, r)
	}
}

// rewrite forwards to the upstream, keeping the Host the client asked for so
// that the server builds its URLs from the proxy's address.
func (p *Proxy) rewrite(pr *httputil.ProxyRequest) {
	p.mu.Lock()
	upstream := p.upstream
	p.mu.Unlock()
	pr.SetURL(upstream)
	pr.Out.Host = pr.In.Host
	pr.SetXForwarded()
}

// rewriteForStrip also asks for an uncompressed answer, which stripSecret
// can edit.
func (p *Proxy) rewriteForStrip(pr *httputil.ProxyRequest) {
	p.rewrite(pr)
	pr.Out.Header.Del("Accept-Encoding")
}

// stripSecret removes client_secret from a JSON object answer.
func stripSecret(resp *http.Response) error {
	if !strings.Contains(resp.Header.Get("Content-Type"), "json") {
		return nil
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	_ = resp.Body.Close()
	if err != nil {
		return fmt.Errorf("reading the upstream answer: %w", err)
	}
	if len(body) > maxBody {
		return errors.New("the upstream answer is too large to edit")
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(body, &obj) == nil {
		if _, ok := obj["client_secret"]; ok {
			delete(obj, "client_secret")
			if body, err = json.Marshal(obj); err != nil {
				return fmt.Errorf("encoding the edited answer: %w", err)
			}
		}
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	resp.Header.Set("Content-Length", strconv.Itoa(len(body)))
	return nil
}

// serve starts serving on l.
func (p *Proxy) serve(l net.Listener) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.serveLocked(l)
}

func (p *Proxy) serveLocked(l net.Listener) {
	p.listener = l
	go func() { _ = p.server.Serve(l) }()
}

// track keeps the open connections, so Down can close them.
func (p *Proxy) track(c net.Conn, state http.ConnState) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch state {
	case http.StateNew:
		p.conns[c] = true
	case http.StateClosed, http.StateHijacked:
		delete(p.conns, c)
	}
}

// proxyError answers 502 when the upstream cannot be reached.
func proxyError(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the client gave up; nobody reads the answer
	}
	writeError(w, http.StatusBadGateway, "the fault proxy cannot reach the upstream: "+err.Error())
}

// writeError answers with an RFC 6749 style error body.
func writeError(w http.ResponseWriter, status int, description string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": "server_error", "error_description": description})
}
