package keycloakfake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"slices"
	"strings"
	"time"
)

// assertionType is the client_assertion_type of a private_key_jwt client.
const assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// AddAdminClientWithKey adds the operator's management client with
// Keycloak's "Signed JWT" authenticator (client-jwt, private_key_jwt): it
// proves itself with an assertion signed by the private key of key (an
// *rsa.PublicKey for RS256 or an *ecdsa.PublicKey for ES256).
func (s *Server) AddAdminClientWithKey(realmName, clientID string, key crypto.PublicKey, roles ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	rl := s.realm(realmName)
	c := s.newClient(rl, map[string]any{"clientId": clientID, "serviceAccountsEnabled": true, "standardFlowEnabled": false, "clientAuthenticatorType": "client-jwt"})
	c.adminRoles, c.key = slices.Clone(roles), key
	s.ensureServiceUser(rl, c)
}

// assertionClient checks a client assertion as Keycloak's client-jwt
// authenticator does: signed by the client's key, iss and sub its
// clientId, aud the realm's issuer or token endpoint, not expired. It
// returns the client, or nil.
func (s *Server) assertionClient(rl *realm, assertion, issuer string) *client {
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return nil
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp int64           `json:"exp"`
	}
	if decodePart(parts[0], &header) != nil || decodePart(parts[1], &claims) != nil {
		return nil
	}
	c := s.byClientID(rl, claims.Iss)
	if c == nil || c.key == nil || claims.Sub != claims.Iss || time.Unix(claims.Exp, 0).Before(s.now()) {
		return nil
	}
	var auds []string
	if json.Unmarshal(claims.Aud, &auds) != nil {
		var one string
		if json.Unmarshal(claims.Aud, &one) != nil {
			return nil
		}
		auds = []string{one}
	}
	if !slices.Contains(auds, issuer) && !slices.Contains(auds, issuer+"/protocol/openid-connect/token") {
		return nil
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	switch k := c.key.(type) {
	case *rsa.PublicKey:
		if header.Alg != "RS256" || rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig) != nil {
			return nil
		}
	case *ecdsa.PublicKey:
		if header.Alg != "ES256" || len(sig) != 64 ||
			!ecdsa.Verify(k, digest[:], new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])) {
			return nil
		}
	default:
		return nil
	}
	return c
}

func decodePart(part string, into any) error {
	b, err := base64.RawURLEncoding.DecodeString(part)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, into)
}
