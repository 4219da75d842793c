package auth0fake

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"
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
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return "", errors.New("not a JWT")
	}
	var header struct {
		Alg string `json:"alg"`
	}
	var claims struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
		Aud any    `json:"aud"`
		Exp int64  `json:"exp"`
	}
	if err := decodeSegment(parts[0], &header); err != nil || header.Alg != "RS256" {
		return "", errors.New("the header is not RS256")
	}
	if err := decodeSegment(parts[1], &claims); err != nil {
		return "", errors.New("unreadable claims")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil || t.mgmtKey == nil {
		return "", errors.New("no key to check the signature with")
	}
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(t.mgmtKey, crypto.SHA256, digest[:], sig) != nil {
		return "", errors.New("bad signature")
	}
	if claims.Iss != t.mgmtID || claims.Sub != t.mgmtID {
		return "", errors.New("iss and sub must be the client ID")
	}
	if !hasAudience(claims.Aud, t.base+"/") {
		return "", errors.New("aud must be the tenant URL")
	}
	if time.Now().Unix() >= claims.Exp {
		return "", errors.New("expired")
	}
	return t.mgmtID, nil
}

func decodeSegment(seg string, v any) error {
	b, err := base64.RawURLEncoding.DecodeString(seg)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, v)
}

// hasAudience reports whether aud (a string or a list) holds want.
func hasAudience(aud any, want string) bool {
	switch a := aud.(type) {
	case string:
		return a == want
	case []any:
		for _, x := range a {
			if x == want {
				return true
			}
		}
	}
	return false
}
