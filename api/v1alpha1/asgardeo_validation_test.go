package v1alpha1_test

import (
	"context"
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// The asgardeo block and providerOptions.asgardeo: bad input is refused
// naming the field; the organization defaults to carbon.super.
func TestAsgardeoManifests(t *testing.T) {
	const issuer = "  issuerURL: https://api.asgardeo.io/t/acme/oauth2/token\n"
	refusedAtAdmission(t, "asgardeo", []admissionCase{
		{"base URL with the tenant path", "server", issuer + "  asgardeo: {baseURL: \"https://api.asgardeo.io/t/acme\"}\n", []string{"spec.asgardeo.baseURL"}},
		{"base URL not a URL", "server", issuer + "  asgardeo: {baseURL: \"api.asgardeo.io\"}\n", []string{"spec.asgardeo.baseURL"}},
		{"organization with a slash", "server", issuer + "  asgardeo: {baseURL: \"https://api.asgardeo.io\", organization: \"a/b\"}\n", []string{"spec.asgardeo.organization"}},
		{"two provider blocks", "server", issuer + "  asgardeo: {baseURL: \"https://api.asgardeo.io\"}\n  dynamicRegistration: {}\n", []string{"exactly one provider block must be set"}},
		{"authorized API with id and identifier", "client", "  providerOptions:\n    asgardeo: {authorizedAPIs: [{id: a1, identifier: \"https://api.example.com\", scopes: [read]}]}\n", []string{"set exactly one of id and identifier"}},
		{"authorized API without scopes", "client", "  providerOptions:\n    asgardeo: {authorizedAPIs: [{id: a1, scopes: []}]}\n", []string{"spec.providerOptions.asgardeo.authorizedAPIs[0].scopes"}},
		{"access token type unknown", "client", "  providerOptions:\n    asgardeo: {accessTokenType: Opaque}\n", []string{"spec.providerOptions.asgardeo.accessTokenType"}},
		{"two options blocks", "client", "  providerOptions:\n    asgardeo: {accessTokenType: JWT}\n    hydra: {accessTokenStrategy: jwt}\n", []string{"set at most one providerOptions block"}},
	})
	obj := object(t, fmt.Sprintf(authServerHead, "asgardeo-valid")+issuer+"  asgardeo: {baseURL: \"https://api.asgardeo.io\"}\n")
	if err := env.Client.Create(context.Background(), obj); err != nil {
		t.Fatalf("a valid asgardeo server was refused: %v", err)
	}
	if got, _, _ := unstructured.NestedString(obj.Object, "spec", "asgardeo", "organization"); got != "carbon.super" {
		t.Errorf("organization = %q, want the default carbon.super", got)
	}
	client := object(t, fmt.Sprintf(oauthClientHead, "asgardeo-valid")+"  audience: [\"https://api.example.com\"]\n  scopes: [read]\n"+
		"  providerOptions:\n    asgardeo: {accessTokenType: JWT, pkceMandatory: true, authorizedAPIs: [{identifier: \"https://api.example.com\", scopes: [read]}]}\n")
	if err := env.Client.Create(context.Background(), client); err != nil {
		t.Fatalf("a valid client with asgardeo options was refused: %v", err)
	}
}
