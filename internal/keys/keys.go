// Package keys makes and reads the key pairs of private_key_jwt clients:
// the private key the delivered Secret carries (PKCS#8 PEM and a private
// JWK) and the public key the server holds (a JSON Web Key Set). A key is
// identified by its RFC 7638 thumbprint, so the key ID follows from the key
// itself and nothing but the PEM needs to be kept.
//
// Nothing here logs, and no error holds key material.
package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
)

// Algorithms, as JWS names them (RFC 7518, RFC 8037).
const (
	ES256 = "ES256"
	RS256 = "RS256"
	EdDSA = "EdDSA"
)

// DefaultRSABits is the RSA modulus size when none is asked for.
const DefaultRSABits = 2048

// Pair is one client key pair.
type Pair struct {
	// Algorithm is ES256, RS256 or EdDSA.
	Algorithm string
	// KeyID is the RFC 7638 thumbprint of the public key.
	KeyID string
	// PrivatePEM is the private key as PKCS#8 PEM ("PRIVATE KEY"). Secret.
	PrivatePEM []byte
	key        crypto.Signer
}

// String describes the pair without its private key, so printing a Pair
// by mistake prints no key.
func (p Pair) String() string { return fmt.Sprintf("keys.Pair{%s %s}", p.Algorithm, p.KeyID) }

// GoString is String, for %#v.
func (p Pair) GoString() string { return p.String() }

// Generate makes a new key pair for algorithm (ES256 when empty); bits is
// the RSA modulus size (DefaultRSABits when 0) and must be 0 otherwise.
func Generate(algorithm string, bits int) (Pair, error) {
	if bits != 0 && algorithm != RS256 {
		return Pair{}, fmt.Errorf("spec.keys.size: only for algorithm RS256")
	}
	var key crypto.Signer
	var err error
	switch algorithm {
	case "", ES256:
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case RS256:
		if bits == 0 {
			bits = DefaultRSABits
		}
		if bits < 2048 || bits > 8192 {
			return Pair{}, fmt.Errorf("spec.keys.size: %d bits; use 2048, 3072 or 4096", bits)
		}
		key, err = rsa.GenerateKey(rand.Reader, bits)
	case EdDSA:
		_, key, err = ed25519.GenerateKey(rand.Reader)
	default:
		return Pair{}, fmt.Errorf("spec.keys.algorithm: unknown algorithm %q; use ES256, RS256 or EdDSA", algorithm)
	}
	if err != nil {
		return Pair{}, fmt.Errorf("generating a %s key: %w", algorithm, err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return Pair{}, fmt.Errorf("encoding the new key: %w", err)
	}
	return Parse(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
}

// Parse reads a pair back from its PKCS#8 PEM (as Generate made it). Its
// errors never hold the key.
func Parse(privatePEM []byte) (Pair, error) {
	block, _ := pem.Decode(privatePEM)
	if block == nil || block.Type != "PRIVATE KEY" {
		return Pair{}, errors.New("the key is not a PKCS#8 PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return Pair{}, errors.New("the key is not a valid PKCS#8 private key")
	}
	p := Pair{PrivatePEM: privatePEM}
	switch key := k.(type) {
	case *ecdsa.PrivateKey:
		if key.Curve != elliptic.P256() {
			return Pair{}, errors.New("the EC key is not on P-256")
		}
		p.Algorithm, p.key = ES256, key
	case *rsa.PrivateKey:
		p.Algorithm, p.key = RS256, key
	case ed25519.PrivateKey:
		p.Algorithm, p.key = EdDSA, key
	default:
		return Pair{}, errors.New("the key is neither EC P-256, RSA nor Ed25519")
	}
	thumb, err := thumbprint(p.publicMembers())
	if err != nil {
		return Pair{}, err
	}
	p.KeyID = thumb
	return p, nil
}

// publicMembers are the required members of the pair's public JWK.
func (p Pair) publicMembers() map[string]string { return PublicMembers(p.key.Public()) }

// PublicMembers are the required members of the public JWK of pub (RFC
// 7517, 7518 §6, 8037 §2), the ones RFC 7638 hashes: for an EC P-256, RSA
// or Ed25519 public key; nil for any other.
func PublicMembers(pub crypto.PublicKey) map[string]string {
	b64 := base64.RawURLEncoding.EncodeToString
	switch key := pub.(type) {
	case *ecdsa.PublicKey:
		x, y := make([]byte, 32), make([]byte, 32)
		ec, err := key.ECDH()
		if err != nil || key.Curve != elliptic.P256() {
			return nil
		}
		raw := ec.Bytes() // 0x04 || X || Y
		copy(x, raw[1:33])
		copy(y, raw[33:65])
		return map[string]string{"kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y)}
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "n": b64(key.N.Bytes()), "e": b64(big.NewInt(int64(key.E)).Bytes())}
	case ed25519.PublicKey:
		return map[string]string{"kty": "OKP", "crv": "Ed25519", "x": b64(key)}
	}
	return nil
}

// thumbprint is the RFC 7638 JWK thumbprint: SHA-256 over the required
// members in lexicographic order, without white space. encoding/json
// sorts map keys, which is that order.
func thumbprint(members map[string]string) (string, error) {
	b, err := json.Marshal(members)
	if err != nil {
		return "", fmt.Errorf("encoding the public key: %w", err)
	}
	sum := sha256.Sum256(b)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

// PublicJWK is the public key as a JWK with kid, alg and use "sig".
func (p Pair) PublicJWK() map[string]string {
	m := p.publicMembers()
	m["kid"], m["alg"], m["use"] = p.KeyID, p.Algorithm, "sig"
	return m
}

// PrivateJWK is the private key as a JWK (the public members plus the
// private ones), with kid, alg and use. It is a secret.
func (p Pair) PrivateJWK() ([]byte, error) {
	m := p.PublicJWK()
	b64 := base64.RawURLEncoding.EncodeToString
	switch key := p.key.(type) {
	case *ecdsa.PrivateKey:
		d, err := key.Bytes() // fixed 32 bytes
		if err != nil {
			return nil, errors.New("encoding the private key as a JWK failed")
		}
		m["d"] = b64(d)
	case *rsa.PrivateKey:
		key.Precompute()
		m["d"] = b64(key.D.Bytes())
		m["p"], m["q"] = b64(key.Primes[0].Bytes()), b64(key.Primes[1].Bytes())
		m["dp"], m["dq"] = b64(key.Precomputed.Dp.Bytes()), b64(key.Precomputed.Dq.Bytes())
		m["qi"] = b64(key.Precomputed.Qinv.Bytes())
	case ed25519.PrivateKey:
		m["d"] = b64(key.Seed())
	}
	return json.Marshal(m)
}

// Signer is the private key, for tests that sign assertions with it.
func (p Pair) Signer() crypto.Signer { return p.key }

// Set is the JSON Web Key Set (RFC 7517 §5) of the public keys of pairs,
// in the order given. It holds no private member.
func Set(pairs ...Pair) json.RawMessage {
	set := struct {
		Keys []map[string]string `json:"keys"`
	}{Keys: []map[string]string{}}
	for _, p := range pairs {
		set.Keys = append(set.Keys, p.PublicJWK())
	}
	b, _ := json.Marshal(set) // strings only: cannot fail
	return b
}
