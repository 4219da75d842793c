package auth0fake

import (
	"crypto/rsa"
	"errors"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/fakeauth"
)

// clientAssertionType is RFC 7523's client assertion type.
const clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

// RegisterPublicKey gives the management client a public key credential
// (Auth0's "Private Key JWT"), so it can log in with a client assertion
// signed RS256 by the matching private key.
func (t *Tenant) RegisterPublicKey(key *rsa.PublicKey) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mgmtKey = key
}

// checkAssertion verifies a private_key_jwt client assertion as Auth0
// documents it: RS256, iss and sub the client ID, aud the tenant URL
// (with trailing slash), not expired. It returns the client ID. t.mu is
// held.
func (t *Tenant) checkAssertion(assertion string) (string, error) {
	jwt, err := fakeauth.Parse(assertion)
	if err != nil {
		return "", err
	}
	if jwt.Alg != "RS256" {
		return "", errors.New("the header is not RS256")
	}
	if t.mgmtKey == nil {
		return "", errors.New("no key to check the signature with")
	}
	if err := jwt.Verify(t.mgmtKey); err != nil {
		return "", err
	}
	if jwt.Iss != t.mgmtID || jwt.Sub != t.mgmtID {
		return "", errors.New("iss and sub must be the client ID")
	}
	if !jwt.HasAudience(t.base + "/") {
		return "", errors.New("aud must be the tenant URL")
	}
	if time.Now().Unix() >= jwt.Exp {
		return "", errors.New("expired")
	}
	return t.mgmtID, nil
}
