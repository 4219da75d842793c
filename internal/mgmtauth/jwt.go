package mgmtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

const (
	// DefaultAssertionLifetime is how long a signed assertion is valid
	// when no lifetime is configured: long enough for a server whose clock
	// is a little ahead, short enough that a captured one is soon useless.
	DefaultAssertionLifetime = 2 * time.Minute
	// MaxAssertionLifetime is the longest lifetime accepted (Okta's limit).
	MaxAssertionLifetime = time.Hour
)

// Assertion types and grant types of RFC 7523.
const (
	// ClientAssertionTypeJWT is client_assertion_type for a JWT client
	// assertion (RFC 7523 section 2.2).
	ClientAssertionTypeJWT = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// GrantTypeJWTBearer is the JWT bearer authorization grant (RFC 7523
	// section 2.1).
	GrantTypeJWTBearer = "urn:ietf:params:oauth:grant-type:jwt-bearer" //nolint:gosec // G101: an RFC 7523 URN, not a credential
)

// jwsSigner signs a JWS signing input (RFC 7515 section 5.1).
type jwsSigner interface {
	algorithm() Algorithm
	sign(input []byte) ([]byte, error)
}

func (k *SigningKey) algorithm() Algorithm { return k.alg }

// sign produces the JWS signature: PKCS#1 v1.5 for RS256, the fixed-size
// r||s form (RFC 7518 section 3.4, not ASN.1) for ES256.
func (k *SigningKey) sign(input []byte) ([]byte, error) {
	digest := sha256.Sum256(input)
	switch key := k.key.(type) {
	case *rsa.PrivateKey:
		return rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, digest[:])
	case *ecdsa.PrivateKey:
		r, s, err := ecdsa.Sign(rand.Reader, key, digest[:])
		if err != nil {
			return nil, err
		}
		sig := make([]byte, 64)
		r.FillBytes(sig[:32])
		s.FillBytes(sig[32:])
		return sig, nil
	}
	return nil, errors.New("unsupported key type")
}

// hmacKey signs with HS256 keyed with a client secret (client_secret_jwt,
// RFC 7523 section 2.2 with RFC 7518 section 3.2).
type hmacKey []byte

func (hmacKey) algorithm() Algorithm { return HS256 }

func (h hmacKey) sign(input []byte) ([]byte, error) {
	m := hmac.New(sha256.New, h)
	m.Write(input)
	return m.Sum(nil), nil
}

// jwtHeader is the JOSE header of a signed assertion.
type jwtHeader struct {
	Alg     Algorithm `json:"alg"`
	Typ     string    `json:"typ"`
	Kid     string    `json:"kid,omitempty"`
	X5t     string    `json:"x5t,omitempty"`
	X5tS256 string    `json:"x5t#S256,omitempty"`
}

// assertionClaims are the claims of an RFC 7523 assertion (section 3).
type assertionClaims struct {
	Iss string `json:"iss"`
	Sub string `json:"sub"`
	Aud string `json:"aud"`
	Jti string `json:"jti"`
	Iat int64  `json:"iat"`
	Nbf int64  `json:"nbf"`
	Exp int64  `json:"exp"`
}

// assertionSigner makes a fresh signed assertion for every token request.
type assertionSigner struct {
	key      jwsSigner
	header   jwtHeader
	iss, sub string
	aud      string
	lifetime time.Duration
}

// newAssertionSigner returns a signer for iss/sub/aud. A zero lifetime is
// DefaultAssertionLifetime.
func newAssertionSigner(key jwsSigner, iss, sub, aud string, lifetime time.Duration) *assertionSigner {
	if lifetime <= 0 {
		lifetime = DefaultAssertionLifetime
	}
	h := jwtHeader{Alg: key.algorithm(), Typ: "JWT"}
	if k, ok := key.(*SigningKey); ok {
		h.Kid, h.X5t, h.X5tS256 = k.kid, k.x5t, k.x5tS256
	}
	return &assertionSigner{key: key, header: h, iss: iss, sub: sub, aud: aud, lifetime: lifetime}
}

// assertion signs a new assertion issued at now, with a random jti so a
// server's replay check never refuses it.
func (a *assertionSigner) assertion(now time.Time) (string, error) {
	return signJWT(a.key, a.header, assertionClaims{
		Iss: a.iss,
		Sub: a.sub,
		Aud: a.aud,
		Jti: rand.Text(),
		Iat: now.Unix(),
		Nbf: now.Unix(),
		Exp: now.Add(a.lifetime).Unix(),
	})
}

// signJWT builds a compact JWS (RFC 7515 section 7.1) over the JSON
// encoding of claims.
func signJWT(key jwsSigner, header jwtHeader, claims any) (string, error) {
	h, err := json.Marshal(header)
	if err != nil {
		return "", fmt.Errorf("encoding JWT header: %w", err)
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("encoding JWT claims: %w", err)
	}
	enc := base64.RawURLEncoding
	input := make([]byte, 0, enc.EncodedLen(len(h))+1+enc.EncodedLen(len(c)))
	input = enc.AppendEncode(input, h)
	input = append(input, '.')
	input = enc.AppendEncode(input, c)
	sig, err := key.sign(input)
	if err != nil {
		return "", fmt.Errorf("signing JWT with %s: %w", key.algorithm(), err)
	}
	out := append(input, '.')
	return string(enc.AppendEncode(out, sig)), nil
}
