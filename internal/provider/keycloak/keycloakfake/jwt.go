package keycloakfake

import (
	"crypto"
	"slices"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
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
	jwt, err := fakeauth.Parse(assertion)
	if err != nil {
		return nil
	}
	c := s.byClientID(rl, jwt.Iss)
	if c == nil || c.key == nil || jwt.Sub != jwt.Iss || time.Unix(jwt.Exp, 0).Before(s.now()) {
		return nil
	}
	if !jwt.HasAudience(issuer, issuer+"/protocol/openid-connect/token") || jwt.Verify(c.key) != nil {
		return nil
	}
	return c
}
