package keycloak

import (
	"encoding/json"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// A private_key_jwt client (Keycloak's "Signed JWT" authenticator,
// client-jwt) keeps its public keys in client attributes: an inline JSON
// Web Key Set (Keycloak 26 and later), not a JWKS URL.
const (
	attrUseJWKSURL    = "use.jwks.url"
	attrUseJWKSString = "use.jwks.string"
	attrJWKSString    = "jwks.string"
	attrSigningAlg    = "token.endpoint.auth.signing.alg"
)

// keySetAttributes are the attributes that register spec's key set; none
// for a client without one. The signing algorithm is set only when every
// key has the same one, so that both keys of an overlap are accepted.
func keySetAttributes(spec provider.ClientSpec) map[string]string {
	if len(spec.JWKS) == 0 {
		return nil
	}
	attrs := map[string]string{attrUseJWKSURL: "false", attrUseJWKSString: "true", attrJWKSString: string(spec.JWKS)}
	var set struct {
		Keys []struct {
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if json.Unmarshal(spec.JWKS, &set) == nil && len(set.Keys) > 0 {
		alg := set.Keys[0].Alg
		for _, k := range set.Keys[1:] {
			if k.Alg != alg {
				alg = ""
			}
		}
		if alg != "" {
			attrs[attrSigningAlg] = alg
		}
	}
	return attrs
}

// keySetOf is the key set a client's attributes hold; nil when none.
func keySetOf(attrs map[string]string) json.RawMessage {
	if attrs[attrUseJWKSString] != "true" || attrs[attrJWKSString] == "" {
		return nil
	}
	return json.RawMessage(attrs[attrJWKSString])
}

// usesSecret reports whether a client with this auth method authenticates
// with its secret (Keycloak keeps one for a client-jwt client too, which
// authenticates nothing there and is not handed out).
func usesSecret(method string) bool {
	return method != "none" && method != "private_key_jwt"
}
