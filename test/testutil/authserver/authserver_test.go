package authserver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// ccClient is RFC 7591 metadata of a confidential client_credentials client.
func ccClient(scope string) map[string]any {
	return map[string]any{
		"client_name":                "rig test",
		"grant_types":                []string{"client_credentials"},
		"response_types":             []string{},
		"token_endpoint_auth_method": "client_secret_basic",
		"scope":                      scope,
	}
}

func str(t *testing.T, m map[string]any, key string) string {
	t.Helper()
	v, ok := m[key].(string)
	if !ok || v == "" {
		t.Fatalf("no %s in %v", key, keys(m))
	}
	return v
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

// rawRequest sends a request the way an operator would and returns the
// status and decoded JSON body.
func rawRequest(t *testing.T, method, url, bearer, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer func() { _ = resp.Body.Close() }()
	out := map[string]any{}
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestRealServer(t *testing.T) {
	ctx := t.Context()
	iat := "iat-" + time.Now().Format("150405.000000")
	s := StartT(t, Options{InitialAccessToken: iat, DataFile: filepath.Join(t.TempDir(), "store.json")})

	_, discovery := rawRequest(t, http.MethodGet, s.Issuer+"/.well-known/openid-configuration", "", "")
	regURL := str(t, discovery, "registration_endpoint")

	refused := []struct{ name, token string }{
		{"no initial access token", ""},
		{"wrong initial access token", iat + "x"},
	}
	for _, tc := range refused {
		t.Run("registration refused with "+tc.name, func(t *testing.T) {
			body, _ := json.Marshal(ccClient("read"))
			status, out := rawRequest(t, http.MethodPost, regURL, tc.token, string(body))
			if status != http.StatusUnauthorized || out["error"] != "invalid_token" {
				t.Fatalf("got %d %v, want 401 invalid_token", status, out["error"])
			}
		})
	}

	reg, err := s.Register(ctx, ccClient("read write"))
	if err != nil {
		t.Fatal(err)
	}
	id, secret := str(t, reg, "client_id"), str(t, reg, "client_secret")
	rat, regClientURI := str(t, reg, "registration_access_token"), str(t, reg, "registration_client_uri")

	scopes := []struct {
		scope   string
		wantErr string
	}{
		{scope: "read"},
		{scope: "read write"},
		{scope: "admin", wantErr: "HTTP 400 invalid_scope"},
	}
	for _, tc := range scopes {
		t.Run("token with scope "+tc.scope, func(t *testing.T) {
			tok, err := s.ClientCredentialsToken(ctx, id, secret, tc.scope)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("got %v, want an error with %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), secret) {
					t.Fatal("error holds the client secret")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info, err := s.Introspect(ctx, id, secret, tok)
			if err != nil {
				t.Fatal(err)
			}
			if info["active"] != true || info["scope"] != tc.scope || info["client_id"] != id {
				t.Fatalf("introspection: active=%v scope=%v client_id=%v", info["active"], info["scope"], info["client_id"])
			}
		})
	}

	t.Run("RFC 7592 read with the registration access token", func(t *testing.T) {
		status, out := rawRequest(t, http.MethodGet, regClientURI, rat, "")
		if status != http.StatusOK || out["client_id"] != id || out["scope"] != "read write" {
			t.Fatalf("got %d client_id=%v scope=%v", status, out["client_id"], out["scope"])
		}
	})

	token, err := s.ClientCredentialsToken(ctx, id, secret, "read")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	t.Run("client and token survive a restart with a data file", func(t *testing.T) {
		if _, err := s.ClientCredentialsToken(ctx, id, secret, "read"); err != nil {
			t.Fatal(err)
		}
		info, err := s.Introspect(ctx, id, secret, token)
		if err != nil || info["active"] != true {
			t.Fatalf("old token after restart: %v %v", info["active"], err)
		}
	})

	t.Run("admin patch narrows the scope", func(t *testing.T) {
		if err := s.AdminPatchClient(ctx, id, map[string]any{"scope": "read"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientCredentialsToken(ctx, id, secret, "write"); err == nil {
			t.Fatal("write still granted after the scope was patched away")
		}
		if err := s.AdminPatchClient(ctx, id, map[string]any{"scope": "nonsense"}); err == nil {
			t.Fatal("the server took a scope it does not know")
		}
	})

	t.Run("request counts", func(t *testing.T) {
		if err := s.ResetRequestCounts(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ClientCredentialsToken(ctx, id, secret, "read"); err != nil {
			t.Fatal(err)
		}
		counts, err := s.RequestCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(counts) != 1 || counts["POST /token"] != 1 {
			t.Fatalf("counts %v, want just one POST /token", counts)
		}
	})

	t.Run("admin delete", func(t *testing.T) {
		clients, err := s.AdminListClients(ctx)
		if err != nil || len(clients) != 1 || clients[0]["client_id"] != id {
			t.Fatalf("listed %d clients (%v), want just the one", len(clients), err)
		}
		if err := s.AdminDeleteClient(ctx, id); err != nil {
			t.Fatal(err)
		}
		_, err = s.ClientCredentialsToken(ctx, id, secret, "read")
		if err == nil || !strings.Contains(err.Error(), "HTTP 401 invalid_client") {
			t.Fatalf("token for a deleted client: got %v, want HTTP 401 invalid_client", err)
		}
		if _, err := s.AdminGetClient(ctx, id); !errors.Is(err, os.ErrNotExist) {
			t.Fatalf("get deleted client: got %v, want os.ErrNotExist", err)
		}
		if status, _ := rawRequest(t, http.MethodGet, regClientURI, rat, ""); status != http.StatusUnauthorized {
			t.Fatalf("RFC 7592 read of a deleted client: got %d, want 401", status)
		}
	})

	if err := s.Stop(); err != nil {
		t.Fatal(err)
	}
	if err := s.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
}

func TestOpenRegistrationDefaults(t *testing.T) {
	ctx := t.Context()
	s := StartT(t, Options{})
	reg, err := s.Register(ctx, ccClient("admin"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := s.ClientCredentialsToken(ctx, str(t, reg, "client_id"), str(t, reg, "client_secret"), "admin")
	if err != nil {
		t.Fatal(err)
	}
	info, err := s.Introspect(ctx, str(t, reg, "client_id"), str(t, reg, "client_secret"), tok)
	if err != nil {
		t.Fatal(err)
	}
	if exp, iat := info["exp"].(float64), info["iat"].(float64); exp-iat != 600 {
		t.Fatalf("token lifetime %vs, want the default 600s", exp-iat)
	}
}

func TestMissingDependencies(t *testing.T) {
	t.Setenv("AUTHSERVER_DIR", t.TempDir())
	_, err := Start(context.Background(), Options{})
	if err == nil || !strings.Contains(err.Error(), "make authserver-deps") {
		t.Fatalf("got %v, want the hint to run make authserver-deps", err)
	}
}

// BenchmarkRig measures the rig itself, in memory and with a data file, so
// benchmarks built on it know what share of their time is the server's.
func BenchmarkRig(b *testing.B) {
	storage := []struct{ name, dataFile string }{
		{"memory", ""},
		{"datafile", filepath.Join(b.TempDir(), "store.json")},
	}
	for _, st := range storage {
		b.Run(st.name, func(b *testing.B) {
			ctx := b.Context()
			s := StartT(b, Options{DataFile: st.dataFile})
			reg, err := s.Register(ctx, ccClient("read"))
			if err != nil {
				b.Fatal(err)
			}
			id, secret := reg["client_id"].(string), reg["client_secret"].(string)
			b.Run("Register", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.Register(ctx, ccClient("read")); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ClientCredentialsToken", func(b *testing.B) {
				for b.Loop() {
					if _, err := s.ClientCredentialsToken(ctx, id, secret, "read"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
