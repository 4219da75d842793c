package delivery

import (
	"maps"
	"slices"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// A key-based client's Secret holds the private key files, its kid and the
// usual keys, no client_secret; the key names follow the template, and
// template data can use .PrivateKeyPEM and .KeyID.
func TestKeyBasedSecretData(t *testing.T) {
	c := Credentials{ClientID: "id", TokenURL: "https://as/token", Issuer: "https://as", Scope: "read", //nolint:gosec // G101: placeholders, not a credential
		PrivateKeyPEM: "PEM", PrivateKeyJWK: `{"kty":"EC"}`, KeyID: "k1"}
	data, err := Data(nil, c)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"client_id", "issuer", "kid", "private_key.jwk", "private_key.pem", "scope", "token_url"}
	if got := slices.Sorted(maps.Keys(data)); !slices.Equal(got, want) {
		t.Errorf("keys %v, want %v", got, want)
	}
	tmpl := &v1alpha1.SecretTemplate{
		Keys: &v1alpha1.SecretKeys{PrivateKeyPEM: "tls.key", PrivateKeyJWK: "key.json", KeyID: "KID"},
		Data: map[string]string{"app.env": "KID={{ .KeyID }}\nKEY_BYTES={{ len .PrivateKeyPEM }}"},
	}
	data, err = Data(tmpl, c)
	if err != nil {
		t.Fatal(err)
	}
	if string(data["tls.key"]) != "PEM" || string(data["key.json"]) != c.PrivateKeyJWK || string(data["KID"]) != "k1" {
		t.Errorf("renamed keys not used: %v", slices.Sorted(maps.Keys(data)))
	}
	if string(data["app.env"]) != "KID=k1\nKEY_BYTES=3" {
		t.Errorf("app.env = %q", data["app.env"])
	}
	clash := &v1alpha1.SecretTemplate{Keys: &v1alpha1.SecretKeys{PrivateKeyPEM: "client_id"}}
	if err := CheckTemplate(clash); err == nil {
		t.Error("a private key renamed onto client_id was accepted")
	}
}
