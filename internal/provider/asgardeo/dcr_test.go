package asgardeo_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/dynamicregistration"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// fakeWSO2DCR is a fake of WSO2's dynamic client registration endpoint
// (dcr.yaml): a registration answers with WSO2's application object,
// which has no RFC 7592 registration_access_token or
// registration_client_uri (reads, updates and deletes go to
// /register/{client_id} with the management bearer token instead).
func fakeWSO2DCR(registered *atomic.Int32) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /t/{org}/api/identity/oauth2/dcr/v1.1/register", func(w http.ResponseWriter, r *http.Request) {
		var req map[string]any
		_ = json.NewDecoder(r.Body).Decode(&req)
		registered.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{
			"client_id": "dcr-client-1", "client_secret": "dcr-secret-value-1", "client_secret_expires_at": 0,
			"client_name": req["client_name"], "redirect_uris": req["redirect_uris"], "grant_types": req["grant_types"],
		})
	})
	return mux
}

// The dynamicRegistration block cannot manage clients at WSO2's DCR: the
// answer gives no way to manage the client by RFC 7592, so the generic
// adapter refuses it as unusable. This is why the asgardeo adapter uses the
// Application Management API (docs/providers/asgardeo.md).
func TestDynamicRegistrationCannotManageWSO2DCR(t *testing.T) {
	t.Parallel()
	spec := contract.Load(t, "wso2/dcr.yaml", contract.BasePath("/t/{tenant}/api/identity/oauth2/dcr/v1.1"))
	var registered atomic.Int32
	srv := httptest.NewServer(spec.Handler(t, fakeWSO2DCR(&registered)))
	t.Cleanup(srv.Close)
	p, err := dynamicregistration.New(context.Background(), provider.Config{
		Endpoints:  provider.Endpoints{Registration: srv.URL + "/t/carbon.super/api/identity/oauth2/dcr/v1.1/register"},
		Management: oauth2.StaticTokenSource(&oauth2.Token{AccessToken: "management-bearer"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = p.Create(ctx(t), provider.ClientSpec{ClientName: "dcr", GrantTypes: []string{"client_credentials"},
		RedirectURIs: []string{"https://app.example.com/cb"}})
	if !errors.Is(err, provider.ErrUnsupported) || !strings.Contains(err.Error(), "RFC 7592") {
		t.Fatalf("Create at WSO2 DCR: %v, want Unsupported naming RFC 7592", err)
	}
	if n := registered.Load(); n != 1 {
		t.Errorf("%d registrations, want the one refused", n)
	}
}
