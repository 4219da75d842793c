package hydra

import (
	"encoding/json"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
)

func TestServer(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a real Hydra")
	}
	s := StartT(t, Options{})
	ctx := t.Context()

	for _, u := range []string{s.AdminURL, s.PublicURL, s.Issuer, s.TokenURL, s.RegistrationURL} {
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Errorf("URL %q is not on loopback", u)
		}
	}

	t.Run("DiscoveryAdvertisesRegistration", func(t *testing.T) {
		resp, err := http.Get(s.PublicURL + "/.well-known/openid-configuration")
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = resp.Body.Close() }()
		var doc struct {
			Issuer       string `json:"issuer"`
			Registration string `json:"registration_endpoint"`
			Token        string `json:"token_endpoint"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&doc); err != nil {
			t.Fatal(err)
		}
		if doc.Issuer != s.Issuer || doc.Registration != s.RegistrationURL || doc.Token != s.TokenURL {
			t.Errorf("discovery = %+v, want issuer %s, registration %s, token %s", doc, s.Issuer, s.RegistrationURL, s.TokenURL)
		}
	})

	counting := s.CountAdmin(t, ProxyOptions{})
	status, body, err := s.Admin(ctx, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": "helper-test", "grant_types": []string{"client_credentials"}, "scope": "read",
	})
	if err != nil || status != http.StatusCreated {
		t.Fatalf("creating a client: status %d, error %v", status, err)
	}
	var created struct {
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &created); err != nil || created.Secret == "" {
		t.Fatalf("no client_secret in the answer (%v)", err)
	}

	t.Run("ClientCredentialsToken", func(t *testing.T) {
		if _, err := s.ClientCredentialsToken(ctx, "helper-test", created.Secret, "read"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientCredentialsToken(ctx, "helper-test", created.Secret+"x", "read"); err == nil {
			t.Fatal("a wrong secret obtained a token")
		}
	})

	t.Run("CountingProxy", func(t *testing.T) {
		counting.Reset()
		for _, m := range []string{http.MethodGet, http.MethodGet, http.MethodDelete} {
			req, _ := http.NewRequestWithContext(ctx, m, counting.URL+"/admin/clients/nonexistent", nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
		}
		if got := counting.Counts(); got[http.MethodGet] != 2 || got[http.MethodDelete] != 1 || len(got) != 2 {
			t.Errorf("Counts() = %v, want 2 GET and 1 DELETE", got)
		}
		w := counting.Writes()
		if len(w) != 1 || w[0] != (Request{Method: http.MethodDelete, Path: "/admin/clients/nonexistent", Status: http.StatusNotFound}) {
			t.Errorf("Writes() = %+v, want the one DELETE answered 404", w)
		}
	})

	t.Run("CountingProxyWithBearer", func(t *testing.T) {
		p := s.CountAdmin(t, ProxyOptions{Bearer: "right"})
		for _, c := range []struct {
			auth string
			want int
		}{{"", http.StatusUnauthorized}, {"Bearer wrong", http.StatusUnauthorized}, {"Bearer right", http.StatusOK}} {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, p.URL+"/admin/clients/helper-test", nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			_ = resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("Authorization %q: status %d, want %d", c.auth, resp.StatusCode, c.want)
			}
		}
		statuses := []int{}
		for _, r := range p.Requests() {
			statuses = append(statuses, r.Status)
		}
		if !slices.Equal(statuses, []int{401, 401, 200}) {
			t.Errorf("recorded statuses %v, want [401 401 200]", statuses)
		}
	})

	t.Run("RestartKeepsClients", func(t *testing.T) {
		if err := s.Stop(); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientCredentialsToken(ctx, "helper-test", created.Secret, "read"); err == nil {
			t.Fatal("a stopped Hydra issued a token")
		}
		if err := s.Restart(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientCredentialsToken(ctx, "helper-test", created.Secret, "read"); err != nil {
			t.Fatalf("after restart: %v", err)
		}
		n, err := s.AdminClientCount(ctx)
		if err != nil || n != 1 {
			t.Errorf("AdminClientCount() = %d, %v; want 1", n, err)
		}
	})

	// A connection dialed but never used keeps Hydra's drain waiting past
	// its own 5 s deadline; Hydra then exits 1. Asked to stop, it stopped.
	t.Run("StopWithAnUnusedConnectionOpen", func(t *testing.T) {
		conn, err := net.Dial("tcp", strings.TrimPrefix(s.AdminURL, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = conn.Close() }()
		if err := s.Stop(); err != nil {
			t.Fatalf("Stop: %v", err)
		}
	})
}

func TestGaveUpDraining(t *testing.T) {
	for _, c := range []struct {
		output string
		want   bool
	}{
		{`{"level":"info","msg":"ready"}` + "\n" + `{"error":{"message":"context deadline exceeded"},"level":"fatal","msg":"Could not gracefully run server"}` + "\n", true},
		{`{"error":{"message":"listen tcp 127.0.0.1:4444: bind: address already in use"},"level":"fatal","msg":"Could not gracefully run server"}`, false},
		{`{"error":{"message":"context deadline exceeded"},"level":"error","msg":"a request timed out"}` + "\n" + `{"error":{"message":"bind: address already in use"},"level":"fatal","msg":"Could not gracefully run server"}`, false},
		{`{"error":{"message":"context deadline exceeded"},"level":"fatal","msg":"Could not gracefully run server"}` + "\n" + `{"level":"fatal","msg":"something after it"}`, false},
		{`{"error":{"message":"context deadline exceeded"},"level":"fatal","msg":"unable to migrate"}`, false},
		{"", false},
	} {
		if got := gaveUpDraining(c.output); got != c.want {
			t.Errorf("gaveUpDraining(%q) = %v, want %v", c.output, got, c.want)
		}
	}
}
