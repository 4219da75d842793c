package faultproxy_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/faultproxy"
)

// answer is what one request through the proxy got.
type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
	err    error
}

func send(hc *http.Client, method, url, body string) answer {
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		return answer{err: err}
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return answer{err: err}
	}
	defer func() { _ = resp.Body.Close() }()
	raw, err := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(raw), err: err}
	_ = json.Unmarshal(raw, &a.body)
	return a
}

func TestProxyInFrontOfTheAuthServer(t *testing.T) {
	p := faultproxy.StartT(t)
	srv := authserver.StartT(t, authserver.Options{Issuer: p.URL})
	if err := p.SetUpstream(srv.URL); err != nil {
		t.Fatal(err)
	}
	hc := &http.Client{Timeout: time.Second}
	discovery := p.URL + "/.well-known/openid-configuration"
	register := `{"client_name":"probe","grant_types":["client_credentials"],"response_types":[],"scope":"read"}`

	t.Run("pass-through advertises the proxy", func(t *testing.T) {
		a := send(hc, http.MethodGet, discovery, "")
		if a.err != nil || a.status != http.StatusOK {
			t.Fatalf("discovery: %d %v", a.status, a.err)
		}
		if a.body["issuer"] != p.URL || a.body["registration_endpoint"] != p.URL+"/reg" || a.body["token_endpoint"] != p.URL+"/token" {
			t.Fatalf("discovery does not point at the proxy: issuer %v registration %v token %v",
				a.body["issuer"], a.body["registration_endpoint"], a.body["token_endpoint"])
		}
		reg := send(hc, http.MethodPost, p.URL+"/reg", register)
		if reg.status != http.StatusCreated || reg.body["client_secret"] == nil {
			t.Fatalf("registration: %d, client_secret present: %v", reg.status, reg.body["client_secret"] != nil)
		}
		if uri, _ := reg.body["registration_client_uri"].(string); !strings.HasPrefix(uri, p.URL+"/reg/") {
			t.Fatalf("registration_client_uri %q is not behind the proxy", uri)
		}
	})

	cases := []struct {
		name        string
		fault       faultproxy.Fault
		method, url string
		body        string
		check       func(t *testing.T, a answer)
	}{
		{
			name:   "5xx",
			fault:  faultproxy.Fault{Kind: faultproxy.Status, Status: http.StatusBadGateway},
			method: http.MethodGet, url: discovery,
			check: func(t *testing.T, a answer) {
				if a.status != http.StatusBadGateway {
					t.Fatalf("status %d, want 502", a.status)
				}
			},
		},
		{
			name:   "rate limited",
			fault:  faultproxy.Fault{Kind: faultproxy.RateLimit, RetryAfter: 7 * time.Second},
			method: http.MethodGet, url: discovery,
			check: func(t *testing.T, a answer) {
				if a.status != http.StatusTooManyRequests || a.header.Get("Retry-After") != "7" {
					t.Fatalf("got %d Retry-After %q, want 429 and 7", a.status, a.header.Get("Retry-After"))
				}
			},
		},
		{
			name:   "malformed",
			fault:  faultproxy.Fault{Kind: faultproxy.Malformed},
			method: http.MethodGet, url: discovery,
			check: func(t *testing.T, a answer) {
				if a.status != http.StatusOK || json.Valid([]byte(a.raw)) {
					t.Fatalf("got %d %q, want 200 and invalid JSON", a.status, a.raw)
				}
			},
		},
		{
			name:   "slow beyond the client's timeout",
			fault:  faultproxy.Fault{Kind: faultproxy.Slow, Delay: 3 * time.Second},
			method: http.MethodGet, url: discovery,
			check: func(t *testing.T, a answer) {
				if a.err == nil || !strings.Contains(a.err.Error(), "Timeout") {
					t.Fatalf("got %d %v, want a client timeout", a.status, a.err)
				}
			},
		},
		{
			name:   "slow registration: held while the client waits, forwarded whole",
			fault:  faultproxy.Fault{Kind: faultproxy.Slow, Delay: 50 * time.Millisecond, Method: http.MethodPost, Path: "/reg"},
			method: http.MethodPost, url: p.URL + "/reg", body: register,
			check: func(t *testing.T, a answer) {
				if a.status != http.StatusCreated || a.body["client_id"] == nil {
					t.Fatalf("got %d %v, want the registration", a.status, keys(a.body))
				}
				if n := p.Waiting(); n != 0 {
					t.Errorf("%d requests still held after their answer", n)
				}
			},
		},
		{
			name:   "slow registration beyond the client's timeout: no longer held once it gave up",
			fault:  faultproxy.Fault{Kind: faultproxy.Slow, Delay: time.Hour, Method: http.MethodPost, Path: "/reg"},
			method: http.MethodPost, url: p.URL + "/reg", body: register,
			check: func(t *testing.T, a answer) {
				if a.err == nil {
					t.Fatalf("got %d, want a client timeout", a.status)
				}
				deadline := time.Now().Add(10 * time.Second)
				for p.Waiting() != 0 && time.Now().Before(deadline) {
					time.Sleep(10 * time.Millisecond)
				}
				if n := p.Waiting(); n != 0 {
					t.Errorf("%d requests held although their client gave up", n)
				}
			},
		},
		{
			name:   "registration without the secret",
			fault:  faultproxy.Fault{Kind: faultproxy.StripSecret, Method: http.MethodPost, Path: "/reg"},
			method: http.MethodPost, url: p.URL + "/reg", body: register,
			check: func(t *testing.T, a answer) {
				if a.status != http.StatusCreated || a.body["client_id"] == nil || a.body["registration_access_token"] == nil {
					t.Fatalf("got %d %v, want the registration with its other members", a.status, keys(a.body))
				}
				if _, ok := a.body["client_secret"]; ok {
					t.Fatal("client_secret was not removed")
				}
			},
		},
		{
			name:   "down",
			fault:  faultproxy.Fault{Kind: faultproxy.Down},
			method: http.MethodGet, url: discovery,
			check: func(t *testing.T, a answer) {
				if !errors.Is(a.err, syscall.ECONNREFUSED) {
					t.Fatalf("got %d %v, want connection refused", a.status, a.err)
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Set(tc.fault); err != nil {
				t.Fatal(err)
			}
			tc.check(t, send(hc, tc.method, tc.url, tc.body))
			if tc.fault.Kind != faultproxy.Down && p.Hits() != 1 {
				t.Errorf("hits %d, want 1", p.Hits())
			}
			if err := p.Clear(); err != nil {
				t.Fatal(err)
			}
			if a := send(hc, http.MethodGet, discovery, ""); a.err != nil || a.status != http.StatusOK {
				t.Fatalf("after Clear: %d %v", a.status, a.err)
			}
		})
	}

	t.Run("a fault targets only its method and path", func(t *testing.T) {
		if err := p.Set(faultproxy.Fault{Kind: faultproxy.Status, Method: http.MethodGet, Path: "/reg/"}); err != nil {
			t.Fatal(err)
		}
		defer func() { _ = p.Clear() }()
		reg := send(hc, http.MethodPost, p.URL+"/reg", register)
		if reg.status != http.StatusCreated {
			t.Fatalf("POST /reg: %d, want it untouched", reg.status)
		}
		uri, _ := reg.body["registration_client_uri"].(string)
		req, _ := http.NewRequest(http.MethodGet, uri, nil)
		req.Header.Set("Authorization", "Bearer "+reg.body["registration_access_token"].(string))
		resp, err := hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusServiceUnavailable || p.Hits() != 1 {
			t.Fatalf("GET /reg/ID: %d with %d hits, want 503 and 1", resp.StatusCode, p.Hits())
		}
	})

	t.Run("bodies pass through unchanged", func(t *testing.T) {
		direct := send(hc, http.MethodGet, srv.URL+"/.well-known/openid-configuration", "")
		proxied := send(hc, http.MethodGet, discovery, "")
		// The server builds endpoint URLs from the forwarded host; with
		// that one difference the documents are the same bytes.
		if !bytes.Equal([]byte(strings.ReplaceAll(direct.raw, srv.URL, p.URL)), []byte(proxied.raw)) {
			t.Fatalf("the proxied discovery document differs:\n%s\n%s", direct.raw, proxied.raw)
		}
	})
}

func keys(m map[string]any) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
