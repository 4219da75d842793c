package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// entraHead is an AuthServer with an entra block, up to the block's fields.
const entraHead = "  issuerURL: https://login.microsoftonline.com/11111111-2222-4333-8444-555555555555/v2.0\n  entra:\n"

// TestEntraManifests: the entra block and its client options are checked
// at admission, each refusal naming the field.
func TestEntraManifests(t *testing.T) {
	cases := []struct {
		name, manifest string
		// want are substrings of the refusal; none: the manifest is valid.
		want []string
	}{
		{"a tenant by GUID, federated login", fmt.Sprintf(clusterAuthServerHead, "entra-valid") + entraHead +
			"    tenantID: 11111111-2222-4333-8444-555555555555\n    cloud: USGovernment\n    secretLifetime: 2160h\n  credentials:\n" +
			"    clientCredentials: {clientID: op, assertionFile: /var/run/secrets/entra/token, scopes: [\"https://graph.microsoft.us/.default\"]}\n", nil},
		{"a tenant by domain, a Graph URL", fmt.Sprintf(authServerHead, "entra-domain") + entraHead +
			"    tenantID: contoso.onmicrosoft.com\n    graphURL: https://graph.example.test\n", nil},
		{"no tenant", fmt.Sprintf(authServerHead, "entra-no-tenant") + entraHead + "    cloud: Global\n",
			[]string{"spec.entra.tenantID", "Required value"}},
		{"a tenant that is neither", fmt.Sprintf(authServerHead, "entra-bad-tenant") + entraHead + "    tenantID: \"contoso tenant\"\n",
			[]string{"spec.entra.tenantID"}},
		{"an unknown cloud", fmt.Sprintf(authServerHead, "entra-cloud") + entraHead + "    tenantID: contoso.com\n    cloud: Germany\n",
			[]string{"spec.entra.cloud", "Unsupported value"}},
		{"cloud and graphURL", fmt.Sprintf(authServerHead, "entra-both") + entraHead +
			"    tenantID: contoso.com\n    cloud: China\n    graphURL: https://graph.example.test\n",
			[]string{"spec.entra.graphURL", "cloud or graphURL"}},
		{"graphURL with /v1.0", fmt.Sprintf(authServerHead, "entra-v1") + entraHead +
			"    tenantID: contoso.com\n    graphURL: https://graph.example.test/v1.0\n",
			[]string{"spec.entra.graphURL", "leave out /v1.0"}},
		{"a secret lifetime under an hour", fmt.Sprintf(authServerHead, "entra-life") + entraHead +
			"    tenantID: contoso.com\n    secretLifetime: 10m\n",
			[]string{"spec.entra.secretLifetime", "at least 1h"}},
		{"entra and hydra", fmt.Sprintf(authServerHead, "entra-two") + entraHead +
			"    tenantID: contoso.com\n  hydra: {adminURL: \"http://hydra:4445\"}\n",
			[]string{"exactly one provider block"}},
		{"client app roles", fmt.Sprintf(oauthClientHead, "entra-roles") +
			"  scopes: [\"api://orders/.default\"]\n  providerOptions:\n    entra:\n      appRoles: [{resource: \"api://orders\", roles: [Orders.Read]}]\n", nil},
		{"app roles without roles", fmt.Sprintf(oauthClientHead, "entra-no-roles") +
			"  providerOptions:\n    entra:\n      appRoles: [{resource: \"api://orders\", roles: []}]\n",
			[]string{"spec.providerOptions.entra.appRoles[0].roles"}},
		{"entra and hydra options", fmt.Sprintf(oauthClientHead, "entra-two-options") +
			"  providerOptions:\n    entra: {}\n    hydra: {accessTokenStrategy: jwt}\n",
			[]string{"spec.providerOptions", "at most one"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := env.Client.Create(context.Background(), object(t, tc.manifest))
			switch {
			case tc.want == nil && err != nil:
				t.Fatalf("a valid manifest was refused: %v", err)
			case tc.want != nil && err == nil:
				t.Fatalf("the API server accepted an invalid manifest:\n%s", tc.manifest)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("message does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}
