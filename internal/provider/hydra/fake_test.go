package hydra_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/hydra"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// newerHydra fakes the part of a Hydra newer than v2.3.0 that matters here:
// the secret rotation endpoint (POST and DELETE, so a GET is 405). It is
// checked against Hydra's current OpenAPI document, which has the endpoint;
// the adapter's GET probe is not in it.
type newerHydra struct {
	mu      sync.Mutex
	calls   []string
	secrets []string // valid secrets, newest last
}

func (f *newerHydra) handler() http.Handler {
	mux := http.NewServeMux()
	client := func(w http.ResponseWriter, id string, secret string) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"client_id": id, "client_secret": secret, "owner": "us"})
	}
	mux.HandleFunc("POST /admin/clients/{id}/secrets/rotate", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, "rotate")
		s := "server-made-" + string(rune('a'+len(f.secrets))) //nolint:gosec // G115: len(f.secrets) is a few rotations in one test, far below rune overflow
		f.secrets = append(f.secrets, s)
		f.mu.Unlock()
		client(w, r.PathValue("id"), s)
	})
	mux.HandleFunc("DELETE /admin/clients/{id}/secrets/rotate", func(w http.ResponseWriter, r *http.Request) {
		f.mu.Lock()
		f.calls = append(f.calls, "revoke")
		f.secrets = f.secrets[len(f.secrets)-1:]
		f.mu.Unlock()
		client(w, r.PathValue("id"), "")
	})
	mux.HandleFunc("GET /admin/clients/{id}", func(w http.ResponseWriter, r *http.Request) {
		client(w, r.PathValue("id"), "")
	})
	return mux
}

func TestRotateSecretWithOverlapWhereHydraHasTheEndpoint(t *testing.T) {
	f := &newerHydra{secrets: []string{"first"}}
	srv := httptest.NewServer(f.handler())
	t.Cleanup(srv.Close)
	spec := contract.Load(t, "hydra/api.json", contract.Outside(http.MethodGet, "/admin/clients/{id}/secrets/rotate"))
	hc := &http.Client{Transport: spec.Transport(t, http.DefaultTransport)}
	p, err := hydra.New(hydra.Config{AdminURL: srv.URL, Owner: "us", HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	if p.Capabilities().OverlapSecrets {
		t.Fatal("overlap reported before anything was asked of the server")
	}
	if err := p.Probe(t.Context()); err != nil {
		t.Fatal(err)
	}
	if caps := p.Capabilities(); !caps.OverlapSecrets || !caps.RegenerateSecret {
		t.Fatalf("Capabilities after the probe = %+v, want overlap", caps)
	}
	res, err := p.RotateSecret(t.Context(), "c1", nil)
	if err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	valid := append([]string(nil), f.secrets...)
	f.mu.Unlock()
	if res.Client.ClientSecret != "server-made-b" || len(valid) != 2 {
		t.Errorf("RotateSecret = secret %q, server keeps %d; want the server's new secret and both valid", res.Client.ClientSecret, len(valid))
	}
	if err := p.RevokeRotatedSecrets(t.Context(), "c1", nil); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if strings.Join(f.calls, ",") != "rotate,revoke" || len(f.secrets) != 1 {
		t.Errorf("calls %v, secrets left %d; want rotate then revoke, one secret", f.calls, len(f.secrets))
	}
}

// TestNoSecretInErrors: a server that echoes what it was sent in its error
// text does not get the API key or a secret into the adapter's errors.
func TestNoSecretInErrors(t *testing.T) {
	var mu sync.Mutex
	var sent []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		sent = append(sent, string(body), r.Header.Get("Authorization"))
		mu.Unlock()
		if r.Method == http.MethodGet && strings.HasSuffix(r.URL.Path, "/secrets/rotate") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]string{
			"error":             "invalid_client_metadata",
			"error_description": "you sent " + string(body) + " with " + r.Header.Get("Authorization"),
		})
	}))
	t.Cleanup(srv.Close)
	const key = "api-key-Zq9"
	spec := contract.Load(t, "hydra/api-v2.3.0.json", contract.Outside(http.MethodGet, "/admin/clients/{id}/secrets/rotate"))
	hc := &http.Client{Transport: spec.Transport(t, http.DefaultTransport)}
	p, err := hydra.New(hydra.Config{AdminURL: srv.URL, APIKey: provider.StaticToken(key, "Bearer"), HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.RotateSecret(t.Context(), "c1", nil)
	if !errors.Is(err, provider.ErrInvalidMetadata) {
		t.Fatalf("RotateSecret error = %v, want InvalidMetadata", err)
	}
	mu.Lock()
	defer mu.Unlock()
	var secret string
	for _, b := range sent {
		var ops []struct {
			Path  string `json:"path"`
			Value any    `json:"value"`
		}
		if json.Unmarshal([]byte(b), &ops) == nil {
			for _, op := range ops {
				if op.Path == "/client_secret" {
					secret, _ = op.Value.(string)
				}
			}
		}
	}
	if secret == "" {
		t.Fatal("the adapter sent no secret to set")
	}
	if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), key) {
		t.Errorf("error %q holds the secret or the API key", err)
	}
}

// TestProbeWithoutAnswerIsNotRepeatedPerCall: a server that answers the
// probe with neither 405 nor 404 does not get a probe with every call. The
// bare 502 stands for a broken gateway in front of Hydra, which no Hydra
// document describes, so this one is not checked against the document.
func TestProbeWithoutAnswerIsNotRepeatedPerCall(t *testing.T) {
	var mu sync.Mutex
	probes := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/secrets/rotate") {
			mu.Lock()
			probes++
			mu.Unlock()
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"client_id":"c1"}`)
	}))
	t.Cleanup(srv.Close)
	p, err := hydra.New(hydra.Config{AdminURL: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := p.Observe(t.Context(), "c1", nil); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	n := probes
	mu.Unlock() // the handler below takes mu too: holding it would stall Probe
	if n != 1 {
		t.Errorf("%d probes for 3 calls, want 1", n)
	}
	if p.Capabilities().OverlapSecrets {
		t.Error("overlap reported without a definite answer")
	}
	if err := p.Probe(t.Context()); provider.KindOf(err) != provider.KindTransient {
		t.Errorf("an explicit Probe: error = %v, want the transient failure", err)
	}
}
