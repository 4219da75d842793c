package asgardeo_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/asgardeo/asgardeofake"
)

// clock is a settable time for the fake.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// call sends one management request with the bearer token and decodes a
// JSON answer into out (when not nil).
func call(t *testing.T, f *asgardeofake.Running, token, method, path string, body, out any) (int, http.Header) {
	t.Helper()
	var rd *bytes.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	} else {
		rd = bytes.NewReader(nil)
	}
	req, _ := http.NewRequestWithContext(context.Background(), method, f.URL+"/t/"+f.Organization()+"/api/server/v1"+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			t.Fatalf("%s %s: %d, %v", method, path, resp.StatusCode, err)
		}
	}
	return resp.StatusCode, resp.Header
}

// The fake's multiple secrets expire: a secret added with expiresAt works
// until then, is listed EXPIRED after, and gets no token; the original
// secret works throughout.
func TestSecretsExpire(t *testing.T) {
	clk := &clock{now: time.Unix(1_800_000_000, 0)}
	f := asgardeofake.StartT(t, asgardeofake.Options{MultipleSecrets: true, Now: clk.Now})
	f.AddManagementApp("op", "op-secret", asgardeofake.ManagementScopes...)
	mgmt, err := f.Token(context.Background(), "op", "op-secret", strings.Join(asgardeofake.ManagementScopes, " "))
	if err != nil {
		t.Fatal(err)
	}
	status, h := call(t, f, mgmt, "POST", "/applications", map[string]any{"name": "m2m",
		"inboundProtocolConfiguration": map[string]any{"oidc": map[string]any{"grantTypes": []string{"client_credentials"}}}}, nil)
	if status != http.StatusCreated {
		t.Fatalf("create: %d", status)
	}
	id := h.Get("Location")[strings.LastIndex(h.Get("Location"), "/")+1:]
	var oidc struct{ ClientID, ClientSecret string }
	call(t, f, mgmt, "GET", "/applications/"+id+"/inbound-protocols/oidc", nil, &oidc)
	var added struct {
		SecretValue string
		ExpiresAt   int64
	}
	if status, _ := call(t, f, mgmt, "POST", "/applications/"+id+"/inbound-protocols/oidc/secrets",
		map[string]any{"expiresAt": clk.Now().Unix() + 60}, &added); status != http.StatusCreated {
		t.Fatalf("add secret: %d", status)
	}
	if _, err := f.Token(context.Background(), oidc.ClientID, added.SecretValue, ""); err != nil {
		t.Fatalf("the new secret before it expires: %v", err)
	}
	clk.Add(61 * time.Second)
	if _, err := f.Token(context.Background(), oidc.ClientID, added.SecretValue, ""); err == nil {
		t.Error("an expired secret gets a token")
	}
	if _, err := f.Token(context.Background(), oidc.ClientID, oidc.ClientSecret, ""); err != nil {
		t.Errorf("the secret without expiry: %v", err)
	}
	var list struct {
		List []struct {
			Status string
			Latest bool
		}
	}
	call(t, f, mgmt, "GET", "/applications/"+id+"/inbound-protocols/oidc/secrets", nil, &list)
	if len(list.List) != 2 || list.List[1].Status != "EXPIRED" || !list.List[1].Latest {
		t.Errorf("secrets %+v, want the added one EXPIRED and latest", list.List)
	}
}

// Each management operation needs its scope: a token without it is 403,
// none at all 401.
func TestManagementScopesAreChecked(t *testing.T) {
	f := asgardeofake.StartT(t, asgardeofake.Options{})
	f.AddManagementApp("viewer", "v-secret", "internal_application_mgt_view")
	if _, err := f.Token(context.Background(), "viewer", "v-secret", "internal_application_mgt_view internal_application_mgt_create"); err == nil {
		t.Fatal("a scope the management application lacks was granted")
	}
	tok, err := f.Token(context.Background(), "viewer", "v-secret", "internal_application_mgt_view")
	if err != nil {
		t.Fatal(err)
	}
	if status, _ := call(t, f, tok, "GET", "/applications", nil, nil); status != http.StatusOK {
		t.Errorf("list with the view scope: %d", status)
	}
	if status, _ := call(t, f, tok, "POST", "/applications", map[string]any{"name": "x"}, nil); status != http.StatusForbidden {
		t.Errorf("create without the create scope: %d, want 403", status)
	}
	if status, _ := call(t, f, "nope", "GET", "/applications", nil, nil); status != http.StatusUnauthorized {
		t.Errorf("list with an unknown token: %d, want 401", status)
	}
}
