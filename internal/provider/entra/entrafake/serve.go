package entrafake

import (
	"net/http/httptest"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// SpecFile is the Graph OpenAPI document every exchange is checked
// against (../shared/specs).
const SpecFile = "msgraph/graph-v1.0-applications-subset.EXTRACTED.yaml"

// Server is a fake tenant served on loopback, every Graph exchange checked
// against SpecFile.
type Server struct {
	*Fake
	// URL is the base URL: Graph is URL+"/v1.0", the issuer Issuer(URL).
	URL string
	// ManagementID and ManagementSecret are the operator's app, with a
	// secret that gets Graph tokens.
	ManagementID, ManagementSecret string
	// Orders and Billing are resource APIs that require an app role
	// assignment: api://fake-orders (roles Orders.Read, Orders.Write) and
	// api://fake-billing (Billing.Read).
	Orders, Billing string
}

// Start serves a new fake tenant until the test ends.
func Start(t testing.TB) *Server {
	t.Helper()
	f := New()
	spec := contract.Load(t, SpecFile,
		// The identity platform's endpoints are not Graph's.
		contract.Outside("POST", "/"+f.Tenant+"/oauth2/v2.0/token"),
		contract.Outside("GET", "/"+f.Tenant+"/v2.0/.well-known/openid-configuration"),
		// Discovery tries RFC 8414 first; Entra has no such document (404).
		contract.Outside("GET", "/.well-known/oauth-authorization-server/"+f.Tenant+"/v2.0"))
	srv := httptest.NewServer(spec.Handler(t, f.Handler()))
	t.Cleanup(srv.Close)
	s := &Server{Fake: f, URL: srv.URL, ManagementID: newGUID(), ManagementSecret: "fake-management-" + newSecret()}
	f.AddManagementApp(ManagementApp{ClientID: s.ManagementID, Secret: s.ManagementSecret})
	s.Orders = f.AddResource("api://fake-orders", true, "Orders.Read", "Orders.Write")
	s.Billing = f.AddResource("api://fake-billing", true, "Billing.Read")
	return s
}
