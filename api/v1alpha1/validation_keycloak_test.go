package v1alpha1_test

import (
	"context"
	"fmt"
	"testing"
)

// The keycloak block and options are refused at admission when they cannot
// work, with a message naming the field; a complete block is accepted.
func TestKeycloakManifests(t *testing.T) {
	const issuer = "  issuerURL: https://kc.example.com/realms/apps\n"
	invalid := []admissionCase{
		{"no realm", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com\"}\n", []string{"spec.keycloak.realm", "Required value"}},
		{"base URL with /admin", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com/admin\", realm: apps}\n", []string{"spec.keycloak.baseURL", "leave out /admin and /realms"}},
		{"base URL with /realms", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com/realms/apps\", realm: apps}\n", []string{"spec.keycloak.baseURL", "leave out /admin and /realms"}},
		{"realm with a slash", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com\", realm: \"a/b\"}\n", []string{"spec.keycloak.realm", "must not contain"}},
		{"admin prefix without a slash", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com\", realm: apps, adminPathPrefix: auth}\n", []string{"spec.keycloak.adminPathPrefix"}},
		{"secret rotation without its lifetime", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com\", realm: apps, secretRotation: {}}\n", []string{"spec.keycloak.secretRotation.rotatedSecretLifetime", "Required value"}},
		{"keycloak and hydra", "server", issuer + "  keycloak: {baseURL: \"https://kc.example.com\", realm: apps}\n  hydra: {adminURL: \"http://hydra:4445\"}\n", []string{"exactly one provider block", "keycloak"}},
		{"an attribute the operator manages", "client", "  providerOptions:\n    keycloak: {attributes: {client.secret.expiration.time: \"1\"}}\n", []string{"spec.providerOptions.keycloak.attributes", "must not set keys the operator manages"}},
		{"client roles without roles", "client", "  providerOptions:\n    keycloak: {serviceAccountClientRoles: [{clientID: orders-api, roles: []}]}\n", []string{"spec.providerOptions.keycloak.serviceAccountClientRoles[0].roles"}},
		{"keycloak and hydra options", "client", "  providerOptions:\n    keycloak: {}\n    hydra: {accessTokenStrategy: jwt}\n", []string{"spec.providerOptions", "at most one"}},
	}
	refusedAtAdmission(t, "keycloak", invalid)
	valid := []string{
		fmt.Sprintf(authServerHead, "keycloak-valid") + issuer +
			"  credentials:\n    clientCredentials: {tokenURL: \"https://kc.example.com/realms/master/protocol/openid-connect/token\", clientID: op, clientSecret: {name: kc, key: secret}}\n" +
			"  keycloak: {baseURL: \"https://kc.example.com\", realm: apps, adminPathPrefix: /auth, secretRotation: {rotatedSecretLifetime: 24h}}\n",
		fmt.Sprintf(oauthClientHead, "keycloak-valid-options") + "  providerOptions:\n    keycloak:\n" +
			"      serviceAccountRealmRoles: [reporting]\n      serviceAccountClientRoles: [{clientID: orders-api, roles: [orders.read]}]\n" +
			"      optionalClientScopes: [offline_access]\n      attributes: {access.token.lifespan: \"300\"}\n",
	}
	for _, m := range valid {
		if err := env.Client.Create(context.Background(), object(t, m)); err != nil {
			t.Errorf("a valid manifest was refused: %v\n%s", err, m)
		}
	}
}
