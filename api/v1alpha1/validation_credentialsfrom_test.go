package v1alpha1_test

import (
	"context"
	"fmt"
	"testing"
)

// spec.credentialsFrom and the preRegistered block are refused at
// admission where the schema can see that they cannot work, with a message
// naming the field; complete ones are accepted (with their defaults).
func TestCredentialsFromAndPreRegisteredManifests(t *testing.T) {
	const issuer = "  issuerURL: https://auth.partner.example\n"
	invalid := []admissionCase{
		{"no secretName", "client", "  credentialsFrom: {clientIDKey: id}\n", []string{"spec.credentialsFrom.secretName", "Required value"}},
		{"a key that is not a Secret key", "client", "  credentialsFrom: {secretName: src, clientSecretKey: \"a/b\"}\n", []string{"spec.credentialsFrom.clientSecretKey"}},
		{"a public client", "client", "  grantTypes: [authorization_code]\n  redirectURIs: [\"https://app.example.com/cb\"]\n  tokenEndpointAuthMethod: none\n  credentialsFrom: {secretName: src}\n",
			[]string{"spec.credentialsFrom", "tokenEndpointAuthMethod none or private_key_jwt"}},
		{"the delivered Secret as source", "client", "  secretName: creds\n  credentialsFrom: {secretName: creds}\n", []string{"spec.credentialsFrom.secretName", "never writes the source"}},
		{"the client ID named twice", "client", "  clientID: billing\n  credentialsFrom: {secretName: src, clientIDKey: client_id}\n", []string{"spec.clientID", "set one of them"}},
		{"preRegistered and hydra", "server", issuer + "  preRegistered: {}\n  hydra: {adminURL: \"http://hydra:4445\"}\n", []string{"exactly one provider block", "preRegistered"}},
		{"an unknown style", "server", issuer + "  preRegistered: {clientAuthentication: {style: SecretJWT}}\n", []string{"spec.preRegistered.clientAuthentication.style", "Unsupported value"}},
		{"a reserved parameter", "server", issuer + "  preRegistered: {clientAuthentication: {extraParams: {client_secret: x}}}\n", []string{"spec.preRegistered.clientAuthentication.extraParams", "the operator sets those"}},
		{"an Authorization header", "server", issuer + "  preRegistered: {clientAuthentication: {extraHeaders: {Authorization: x}}}\n", []string{"spec.preRegistered.clientAuthentication.extraHeaders", "not Authorization"}},
	}
	refusedAtAdmission(t, "byo", invalid)
	valid := []string{
		fmt.Sprintf(authServerHead, "byo-valid-server") + issuer + "  preRegistered: {}\n",
		fmt.Sprintf(authServerHead, "byo-valid-server-auth") + issuer +
			"  preRegistered: {clientAuthentication: {style: JSON, extraParams: {tenant: acme}, extraHeaders: {X-Tenant: acme}}}\n",
		fmt.Sprintf(oauthClientHead, "byo-valid-client") + "  credentialsFrom: {secretName: src, clientIDKey: client_id}\n",
	}
	for _, m := range valid {
		if err := env.Client.Create(context.Background(), object(t, m)); err != nil {
			t.Errorf("a valid manifest was refused: %v\n%s", err, m)
		}
	}
}
