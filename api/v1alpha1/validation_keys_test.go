package v1alpha1_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// Key-based clients: spec.keys only with private_key_jwt, size only with
// RS256, each refused with a message naming the field; the algorithm
// defaults to ES256.
func TestKeyManifests(t *testing.T) {
	invalid := []struct{ name, spec, want string }{
		{"keys without private_key_jwt", "  keys: {algorithm: ES256}\n", "spec.keys"},
		{"keys with a secret method", "  tokenEndpointAuthMethod: client_secret_post\n  keys: {}\n", "keys is only for tokenEndpointAuthMethod private_key_jwt"},
		{"size with ES256", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {algorithm: ES256, size: 2048}\n", "spec.keys.size"},
		{"size with the default algorithm", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {size: 3072}\n", "keys.size is only for algorithm RS256"},
		{"unknown algorithm", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {algorithm: HS256}\n", "spec.keys.algorithm"},
		{"odd RSA size", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {algorithm: RS256, size: 1024}\n", "spec.keys.size"},
		{"private key template key with a slash", "  tokenEndpointAuthMethod: private_key_jwt\n  secretTemplate: {keys: {privateKeyPEM: \"a/b\"}}\n", "spec.secretTemplate.keys.privateKeyPEM"},
	}
	for i, tc := range invalid {
		t.Run(tc.name, func(t *testing.T) {
			manifest := fmt.Sprintf(oauthClientHead, fmt.Sprintf("keys-invalid-%d", i)) + tc.spec
			err := env.Client.Create(context.Background(), object(t, manifest))
			if err == nil {
				t.Fatalf("the API server accepted an invalid manifest:\n%s", manifest)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("message does not contain %q:\n%v", tc.want, err)
			}
		})
	}
	valid := []struct{ name, spec, algorithm string }{
		{"default", "  tokenEndpointAuthMethod: private_key_jwt\n", ""},
		{"defaulted algorithm", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {}\n", "ES256"},
		{"RSA with a size", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {algorithm: RS256, size: 3072}\n", "RS256"},
		{"EdDSA", "  tokenEndpointAuthMethod: private_key_jwt\n  keys: {algorithm: EdDSA}\n  secretTemplate: {keys: {privateKeyPEM: key.pem, privateKeyJWK: key.json, keyID: KID}}\n", "EdDSA"},
	}
	for i, tc := range valid {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, fmt.Sprintf(oauthClientHead, fmt.Sprintf("keys-valid-%d", i))+tc.spec)
			if err := env.Client.Create(context.Background(), obj); err != nil {
				t.Fatalf("a valid manifest was refused: %v", err)
			}
			got, _, _ := unstructured.NestedString(obj.Object, "spec", "keys", "algorithm")
			if got != tc.algorithm {
				t.Errorf("spec.keys.algorithm = %q, want %q", got, tc.algorithm)
			}
		})
	}
}
