package mgmtauth

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestHeaderClient(t *testing.T) {
	var got http.Header
	srv := httptest.NewServer(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
	}))
	defer srv.Close()

	base := &http.Client{}
	hc := HeaderClient(base, map[string]string{"X-Api-Key": testAPIKey, "x-tenant": "acme"})
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer at")
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()

	if got.Get("X-Api-Key") != testAPIKey || got.Get("X-Tenant") != "acme" || got.Get("Authorization") != "Bearer at" {
		t.Errorf("server saw headers %v", got)
	}
	if req.Header.Get("X-Api-Key") != "" {
		t.Error("the caller's request was modified")
	}
	if base.Transport != nil {
		t.Error("the base client was modified")
	}
	if HeaderClient(base, nil) != base {
		t.Error("HeaderClient without headers should return the base client")
	}
	if HeaderClient(nil, nil) != http.DefaultClient {
		t.Error("HeaderClient(nil, nil) should return http.DefaultClient")
	}
}
