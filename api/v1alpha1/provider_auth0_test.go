package v1alpha1_test

import (
	"context"
	"fmt"
	"testing"
)

// TestAuth0BlocksAreValidated: the auth0 block and providerOptions.auth0
// refuse what cannot work, naming the field, and take what can.
func TestAuth0BlocksAreValidated(t *testing.T) {
	const issuer = "  issuerURL: https://acme.eu.auth0.com/\n"
	cases := []struct {
		name, kind, spec string
		// want are substrings of the refusal; none: the manifest is valid.
		want []string
	}{
		{"a tenant domain", "server", issuer + "  auth0: {domain: acme.eu.auth0.com}\n", nil},
		{"a loopback test domain with a port", "server", issuer + "  auth0: {domain: \"127.0.0.1:8443\"}\n", nil},
		{"domain with https://", "server", issuer + "  auth0: {domain: \"https://acme.eu.auth0.com\"}\n", []string{"spec.auth0.domain", "without https://"}},
		{"domain with a path", "server", issuer + "  auth0: {domain: acme.eu.auth0.com/api/v2}\n", []string{"spec.auth0.domain", "without https://"}},
		{"domain missing", "server", issuer + "  auth0: {}\n", []string{"spec.auth0.domain", "Required value"}},
		{"auth0 beside hydra", "server", issuer + "  auth0: {domain: acme.eu.auth0.com}\n  hydra: {adminURL: \"http://hydra:4445\"}\n", []string{"exactly one provider block", "auth0"}},
		{"client grants", "client", "  providerOptions:\n    auth0:\n      appType: non_interactive\n      clientGrants: [{audience: \"https://api.example.com\", scopes: [read]}]\n", nil},
		{"app type unknown", "client", "  providerOptions: {auth0: {appType: daemon}}\n", []string{"spec.providerOptions.auth0.appType", "Unsupported value"}},
		{"a grant without audience", "client", "  providerOptions: {auth0: {clientGrants: [{scopes: [read]}]}}\n", []string{"spec.providerOptions.auth0.clientGrants[0].audience", "Required value"}},
		{"two grants for one audience", "client", "  providerOptions: {auth0: {clientGrants: [{audience: a}, {audience: a}]}}\n", []string{"spec.providerOptions.auth0.clientGrants[1]", "Duplicate value"}},
		{"auth0 and hydra options", "client", "  providerOptions: {auth0: {appType: spa}, hydra: {accessTokenStrategy: jwt}}\n", []string{"spec.providerOptions", "at most one providerOptions block"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := fmt.Sprintf("auth0-%d", i)
			manifest := manifestOf(tc.kind, name, tc.spec)
			obj := object(t, manifest)
			err := env.Client.Create(context.Background(), obj)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("a valid manifest was refused: %v\n%s", err, manifest)
				}
				_ = env.Client.Delete(context.Background(), obj)
				return
			}
			checkRefusal(t, manifest, err, tc.want)
		})
	}
}
