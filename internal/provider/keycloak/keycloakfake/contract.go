package keycloakfake

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// Contract loads Keycloak's Admin REST API document (../shared/specs) with
// the allowances this fake needs, for a fake serving under prefix ("" or
// /auth). Each allowance is something real Keycloak does and its document
// leaves out.
func Contract(t testing.TB, prefix string) *contract.Spec {
	t.Helper()
	opts := []contract.Option{
		// Keycloak answers an unknown client with 404, and a proxy in front
		// of it may answer 429; the document lists neither.
		contract.AllowStatus("GET", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound, http.StatusTooManyRequests),
		contract.AllowStatus("DELETE", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound),
		contract.AllowStatus("PUT", "/admin/realms/{realm}/clients/{client-uuid}", http.StatusNotFound),
		// An admin token Keycloak does not know is a 401; invalid input a
		// 400 ({"error": "invalid_input"}); a missing role a 403.
		contract.AllowStatus("GET", "/admin/realms/{realm}/client-scopes", http.StatusUnauthorized, http.StatusTooManyRequests),
		contract.AllowStatus("POST", "/admin/realms/{realm}/clients", http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden, http.StatusTooManyRequests),
		// A client without a rotated secret: 404 ("Client does not have a
		// rotated secret").
		contract.AllowStatus("GET", "/admin/realms/{realm}/clients/{client-uuid}/client-secret/rotated", http.StatusNotFound),
		// invalidateRotatedSecret returns nothing, which Keycloak's JAX-RS
		// answers as 204; the document says 200.
		contract.AllowStatus("DELETE", "/admin/realms/{realm}/clients/{client-uuid}/client-secret/rotated", http.StatusNoContent),
		// The token endpoint and discovery are not in the admin document.
		contract.Outside("POST", prefix+"/realms/{realm}/protocol/openid-connect/token"),
		contract.Outside("GET", prefix+"/realms/{realm}/.well-known/openid-configuration"),
		// The operator asks for RFC 8414 metadata first; Keycloak has none
		// there (404).
		contract.Outside("GET", "/.well-known/oauth-authorization-server"+prefix+"/realms/{realm}"),
	}
	if prefix != "" {
		opts = append(opts, contract.BasePath(prefix))
	}
	return contract.Load(t, "keycloak/openapi-26.6.0.json", opts...)
}

// Start serves the fake on loopback behind the contract check, until the
// test ends, and returns its base URL (with the prefix).
func Start(t testing.TB, s *Server) string {
	t.Helper()
	srv := httptest.NewServer(Contract(t, s.prefix).Handler(t, s))
	t.Cleanup(srv.Close)
	return srv.URL + s.prefix
}
