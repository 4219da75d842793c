package mgmtauth

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1" //nolint:gosec // x5t is defined as a SHA-1 thumbprint (RFC 7515 section 4.1.7); it identifies, it does not protect.
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
)

// Algorithm is a JWS signature algorithm (RFC 7518 section 3.1).
type Algorithm string

// The algorithms client assertions are signed with.
const (
	// RS256 is RSASSA-PKCS1-v1_5 with SHA-256, for RSA keys.
	RS256 Algorithm = "RS256"
	// ES256 is ECDSA on P-256 with SHA-256, for EC keys.
	ES256 Algorithm = "ES256"
	// HS256 is HMAC with SHA-256, keyed with the client secret
	// (client_secret_jwt); never used with a PrivateKey.
	HS256 Algorithm = "HS256"
)

const (
	// maxKeyBytes bounds the key text: a 16384-bit RSA key in PEM is under
	// 13 KiB, and a certificate chain in front of it is not a key.
	maxKeyBytes = 64 << 10
	// minRSABits and maxRSABits bound RSA modulus sizes.
	minRSABits = 2048
	maxRSABits = 8192
)

// PrivateKey is the operator's own signing key for RFC 7523 client
// assertions (private_key_jwt) or for a self-signed JWT bearer assertion.
// The caller reads it from a Secret; this package never reads Kubernetes.
type PrivateKey struct {
	// Key is the private key as PEM (PKCS#1 "RSA PRIVATE KEY", PKCS#8
	// "PRIVATE KEY" or SEC1 "EC PRIVATE KEY", an "EC PARAMETERS" block
	// before it is skipped) or as a JWK (a JSON object, or a set holding
	// one key). RSA keys of 2048 to 8192 bits and EC keys on P-256 are
	// supported. Never logged or put in an error.
	Key string
	// KeyID is sent as the kid header, so the server knows which of the
	// client's registered keys to check. Empty: the JWK's kid, if any.
	KeyID string `json:",omitempty"`
	// Algorithm is RS256 or ES256. Empty: RS256 for an RSA key, ES256 for
	// a P-256 key, or the JWK's alg.
	Algorithm Algorithm `json:",omitempty"`
	// Certificate, optional, is the PEM X.509 certificate of the key. Its
	// SHA-1 and SHA-256 thumbprints are sent as the x5t and x5t#S256
	// headers, which is how Microsoft Entra ID finds a certificate
	// credential. It must hold the key's public key.
	Certificate string `json:",omitempty"`
}

// String describes the key without its value, so that printing a
// configuration with %v does not print the key.
func (p PrivateKey) String() string {
	return fmt.Sprintf("PrivateKey{Key: %q, KeyID: %q, Algorithm: %q, Certificate: %t}",
		mask(p.Key), p.KeyID, p.Algorithm, p.Certificate != "")
}

// GoString is String, for %#v.
func (p PrivateKey) GoString() string { return p.String() }

// signingKey parses the key and applies KeyID, Algorithm and Certificate.
// Its errors name the field under prefix field, never the key.
func (p PrivateKey) signingKey(field string) (*SigningKey, error) {
	k, err := ParsePrivateKey([]byte(p.Key))
	if err != nil {
		return nil, fmt.Errorf("%s.key: %w", field, err)
	}
	if p.KeyID != "" {
		k.kid = p.KeyID
	}
	if p.Algorithm != "" {
		if k.jwkAlg != "" && k.jwkAlg != p.Algorithm {
			return nil, fmt.Errorf("%s.algorithm: %s, but the JWK says alg %s", field, p.Algorithm, k.jwkAlg)
		}
		if err := k.setAlgorithm(p.Algorithm); err != nil {
			return nil, fmt.Errorf("%s.algorithm: %w", field, err)
		}
	}
	if p.Certificate != "" {
		if err := k.setCertificate([]byte(p.Certificate)); err != nil {
			return nil, fmt.Errorf("%s.certificate: %w", field, err)
		}
	}
	return k, nil
}

// SigningKey is a parsed private key that signs JWTs. Its String method
// describes it without key material.
type SigningKey struct {
	alg Algorithm
	kid string
	// jwkAlg is the alg member of the JWK the key came from, if any.
	jwkAlg Algorithm
	key    crypto.Signer
	// x5t and x5tS256 are certificate thumbprints, when one was given.
	x5t, x5tS256 string
}

// ParsePrivateKey reads a PEM or JWK private key (see PrivateKey.Key) and
// picks its algorithm: RS256 for RSA, ES256 for P-256, or the JWK's alg. A
// key that cannot be used is an error saying why (encrypted, a public key,
// an unsupported curve, too short, ...), never showing the key.
func ParsePrivateKey(data []byte) (*SigningKey, error) {
	data = bytes.TrimSpace(data)
	switch {
	case len(data) == 0:
		return nil, errors.New("empty")
	case len(data) > maxKeyBytes:
		return nil, fmt.Errorf("longer than %d KiB: not one private key", maxKeyBytes>>10)
	case data[0] == '{':
		return parseJWK(data)
	case bytes.Contains(data, []byte("-----BEGIN")):
		return parsePEM(data)
	case data[0] == 0x30:
		return nil, errors.New("looks like binary DER: give the key as PEM or as a JWK")
	}
	if dec, err := base64.StdEncoding.DecodeString(string(data)); err == nil && bytes.Contains(dec, []byte("-----BEGIN")) {
		return nil, errors.New("is base64-encoded PEM: decode it once (Secret data is base64-encoded already)")
	}
	return nil, errors.New("neither PEM nor a JWK (JSON object)")
}

// parsePEM finds the one private key among the PEM blocks of data.
func parsePEM(data []byte) (*SigningKey, error) {
	var (
		found *SigningKey
		count int
	)
	for rest := data; ; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			break
		}
		switch block.Type {
		case "EC PARAMETERS", "CERTIFICATE":
			// openssl ecparam -genkey writes the curve first; a key file
			// may carry its certificate. Neither is the key.
			continue
		case "ENCRYPTED PRIVATE KEY":
			return nil, errors.New("PEM block \"ENCRYPTED PRIVATE KEY\" is encrypted: give the key unencrypted (e.g. openssl pkcs8 -nocrypt)")
		case "PUBLIC KEY", "RSA PUBLIC KEY":
			return nil, fmt.Errorf("PEM block %q is a public key: give the private key", block.Type)
		case "RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY":
		default:
			return nil, fmt.Errorf("PEM block %q is not a private key (want RSA PRIVATE KEY, PRIVATE KEY or EC PRIVATE KEY)", sanitize(block.Type, 40))
		}
		if strings.Contains(block.Headers["Proc-Type"], "ENCRYPTED") {
			return nil, fmt.Errorf("PEM block %q is encrypted: give the key unencrypted", block.Type)
		}
		count++
		k, err := parseDER(block.Type, block.Bytes)
		if err != nil {
			return nil, err
		}
		found = k
	}
	switch count {
	case 0:
		return nil, errors.New("holds no PEM private key block")
	case 1:
		return found, nil
	default:
		return nil, fmt.Errorf("holds %d private keys: give one", count)
	}
}

// parseDER parses one PEM block's bytes, trying the format its type names
// first and then the other two: mislabelled key files are common.
func parseDER(typ string, der []byte) (*SigningKey, error) {
	parsers := map[string]func([]byte) (any, error){
		"RSA PRIVATE KEY": func(b []byte) (any, error) { return x509.ParsePKCS1PrivateKey(b) },
		"PRIVATE KEY":     x509.ParsePKCS8PrivateKey,
		"EC PRIVATE KEY":  func(b []byte) (any, error) { return x509.ParseECPrivateKey(b) },
	}
	key, err := parsers[typ](der)
	if err != nil {
		for other, parse := range parsers {
			if other == typ {
				continue
			}
			if k, e := parse(der); e == nil {
				key, err = k, nil
				break
			}
		}
	}
	if err != nil {
		// The parse errors describe ASN.1 structure, not key bytes, but
		// what matters to the user is which format was expected.
		format := map[string]string{"RSA PRIVATE KEY": "PKCS#1", "PRIVATE KEY": "PKCS#8", "EC PRIVATE KEY": "SEC1"}[typ]
		return nil, fmt.Errorf("PEM block %q does not hold a valid %s private key (nor PKCS#1, PKCS#8 or SEC1)", typ, format)
	}
	return fromCryptoKey(key)
}

// fromCryptoKey checks that a parsed key is one this package signs with.
func fromCryptoKey(key any) (*SigningKey, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if bits := k.N.BitLen(); bits < minRSABits || bits > maxRSABits {
			return nil, fmt.Errorf("RSA key of %d bits: want %d to %d bits", bits, minRSABits, maxRSABits)
		}
		return &SigningKey{alg: RS256, key: k}, nil
	case *ecdsa.PrivateKey:
		if k.Curve != elliptic.P256() {
			return nil, fmt.Errorf("EC key on curve %s: only P-256 (ES256) is supported", k.Curve.Params().Name)
		}
		return &SigningKey{alg: ES256, key: k}, nil
	default:
		return nil, fmt.Errorf("%s key: only RSA (RS256) and EC P-256 (ES256) keys are supported", keyTypeName(key))
	}
}

// keyTypeName names a key's type for an error message.
func keyTypeName(key any) string {
	switch key.(type) {
	case interface{ Seed() []byte }:
		return "Ed25519"
	default:
		t := fmt.Sprintf("%T", key)
		t = strings.TrimPrefix(t, "*")
		return sanitize(t, 40)
	}
}

// jwk is the subset of RFC 7517/7518 members a private signing key uses.
type jwk struct {
	Kty string            `json:"kty"`
	Kid string            `json:"kid"`
	Alg string            `json:"alg"`
	Use string            `json:"use"`
	Crv string            `json:"crv"`
	N   string            `json:"n"`
	E   string            `json:"e"`
	D   string            `json:"d"`
	P   string            `json:"p"`
	Q   string            `json:"q"`
	X   string            `json:"x"`
	Y   string            `json:"y"`
	Oth []json.RawMessage `json:"oth"`
}

// parseJWK reads a private JWK, or a JWK set holding exactly one key.
func parseJWK(data []byte) (*SigningKey, error) {
	// The decoder's messages can quote a character of the input: none of
	// them reaches the caller.
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if json.Unmarshal(data, &set) != nil {
		return nil, errors.New("starts like a JWK but is not a valid JSON object")
	}
	if set.Keys != nil {
		if len(set.Keys) != 1 {
			return nil, fmt.Errorf("a JWK set of %d keys: give exactly one key", len(set.Keys))
		}
		data = set.Keys[0]
	}
	var j jwk
	if json.Unmarshal(data, &j) != nil {
		return nil, errors.New("the JWK is not a valid JSON object of string members")
	}
	if j.Use != "" && j.Use != "sig" {
		return nil, fmt.Errorf("JWK use %q: want sig", sanitize(j.Use, 20))
	}
	var (
		k   *SigningKey
		err error
	)
	switch j.Kty {
	case "RSA":
		k, err = rsaFromJWK(j)
	case "EC":
		k, err = ecFromJWK(j)
	case "":
		return nil, errors.New("JWK has no kty")
	default:
		return nil, fmt.Errorf("JWK kty %q: only RSA and EC keys are supported", sanitize(j.Kty, 20))
	}
	if err != nil {
		return nil, err
	}
	k.kid = j.Kid
	if j.Alg != "" {
		if err := k.setAlgorithm(Algorithm(j.Alg)); err != nil {
			return nil, fmt.Errorf("JWK alg: %w", err)
		}
		k.jwkAlg = Algorithm(j.Alg)
	}
	return k, nil
}

// rsaFromJWK builds an RSA private key from its JWK members (RFC 7518
// section 6.3); the two primes are required.
func rsaFromJWK(j jwk) (*SigningKey, error) {
	if len(j.Oth) > 0 {
		return nil, errors.New("RSA JWK with more than two primes (oth) is not supported")
	}
	ints := map[string]*big.Int{}
	for _, m := range []struct{ name, value string }{{"n", j.N}, {"e", j.E}, {"d", j.D}, {"p", j.P}, {"q", j.Q}} {
		if m.value == "" {
			if m.name == "d" {
				return nil, errors.New("RSA JWK has no d: it is a public key, give the private key")
			}
			return nil, fmt.Errorf("RSA JWK has no %s", m.name)
		}
		b, err := b64url(m.value)
		if err != nil {
			return nil, fmt.Errorf("RSA JWK member %s is not base64url", m.name)
		}
		ints[m.name] = new(big.Int).SetBytes(b)
	}
	n, e := ints["n"], ints["e"]
	if bits := n.BitLen(); bits < minRSABits || bits > maxRSABits {
		return nil, fmt.Errorf("RSA key of %d bits: want %d to %d bits", bits, minRSABits, maxRSABits)
	}
	if !e.IsInt64() || e.Int64() < 3 || e.Int64() > 1<<31-1 {
		return nil, errors.New("RSA JWK member e is not a usable public exponent")
	}
	// Cheap consistency check before the costly validation.
	if new(big.Int).Mul(ints["p"], ints["q"]).Cmp(n) != 0 {
		return nil, errors.New("RSA JWK members p and q do not multiply to n")
	}
	key := &rsa.PrivateKey{
		PublicKey: rsa.PublicKey{N: n, E: int(e.Int64())},
		D:         ints["d"],
		Primes:    []*big.Int{ints["p"], ints["q"]},
	}
	key.Precompute()
	if err := key.Validate(); err != nil {
		return nil, errors.New("RSA JWK members do not form a valid key")
	}
	return &SigningKey{alg: RS256, key: key}, nil
}

// ecFromJWK builds a P-256 private key from its JWK members (RFC 7518
// section 6.2) and checks x and y belong to d.
func ecFromJWK(j jwk) (*SigningKey, error) {
	if j.Crv != "P-256" {
		return nil, fmt.Errorf("EC JWK on curve %q: only P-256 (ES256) is supported", sanitize(j.Crv, 20))
	}
	if j.D == "" {
		return nil, errors.New("EC JWK has no d: it is a public key, give the private key")
	}
	d, err := b64url(j.D)
	if err != nil || len(d) > 32 {
		return nil, errors.New("EC JWK member d is not a base64url P-256 scalar")
	}
	d = append(make([]byte, 32-len(d)), d...)
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), d)
	if err != nil {
		return nil, errors.New("EC JWK member d is not a valid P-256 private key")
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil {
		return nil, errors.New("EC JWK member d is not a valid P-256 private key")
	}
	for _, m := range []struct {
		name, value string
		want        []byte
	}{{"x", j.X, pub[1:33]}, {"y", j.Y, pub[33:]}} {
		if m.value == "" {
			return nil, fmt.Errorf("EC JWK has no %s", m.name)
		}
		b, err := b64url(m.value)
		if err != nil || len(b) > 32 {
			return nil, fmt.Errorf("EC JWK member %s is not a base64url coordinate", m.name)
		}
		if !bytes.Equal(append(make([]byte, 32-len(b)), b...), m.want) {
			return nil, errors.New("EC JWK members x and y are not the public key of d")
		}
	}
	return &SigningKey{alg: ES256, key: key}, nil
}

// b64url decodes base64url, with or without padding.
func b64url(s string) ([]byte, error) {
	return base64.RawURLEncoding.DecodeString(strings.TrimRight(s, "="))
}

// setAlgorithm checks that alg fits the key and uses it.
func (k *SigningKey) setAlgorithm(alg Algorithm) error {
	switch alg {
	case RS256:
		if _, ok := k.key.(*rsa.PrivateKey); !ok {
			return errors.New("RS256 needs an RSA key, this is an EC key")
		}
	case ES256:
		if _, ok := k.key.(*ecdsa.PrivateKey); !ok {
			return errors.New("ES256 needs an EC P-256 key, this is an RSA key")
		}
	default:
		return fmt.Errorf("%q is not one of RS256, ES256", sanitize(string(alg), 20))
	}
	k.alg = alg
	return nil
}

// setCertificate takes the thumbprints of the first certificate in
// pemData, which must hold the key's public key.
func (k *SigningKey) setCertificate(pemData []byte) error {
	var block *pem.Block
	for rest := bytes.TrimSpace(pemData); ; {
		block, rest = pem.Decode(rest)
		if block == nil {
			return errors.New("holds no PEM CERTIFICATE block")
		}
		if block.Type == "CERTIFICATE" {
			break
		}
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return errors.New("the CERTIFICATE block is not a valid X.509 certificate")
	}
	pub, ok := cert.PublicKey.(interface{ Equal(crypto.PublicKey) bool })
	if !ok || !pub.Equal(k.key.Public()) {
		return errors.New("the certificate is not for this private key")
	}
	s1 := sha1.Sum(block.Bytes) //nolint:gosec // see the import
	s256 := sha256.Sum256(block.Bytes)
	k.x5t = base64.RawURLEncoding.EncodeToString(s1[:])
	k.x5tS256 = base64.RawURLEncoding.EncodeToString(s256[:])
	return nil
}

// Algorithm is the algorithm the key signs with.
func (k *SigningKey) Algorithm() Algorithm { return k.alg }

// KeyID is the kid header the key's JWTs carry, or empty.
func (k *SigningKey) KeyID() string { return k.kid }

// PublicJWK is the key's public half as a JWK (kty, kid, alg, use and the
// public members), ready to register with a server as a client's jwks.
func (k *SigningKey) PublicJWK() map[string]any {
	out := map[string]any{"alg": string(k.alg), "use": "sig"}
	if k.kid != "" {
		out["kid"] = k.kid
	}
	for name, v := range keys.PublicMembers(k.key.Public()) {
		out[name] = v
	}
	return out
}

// String describes the key without key material.
func (k *SigningKey) String() string {
	return fmt.Sprintf("SigningKey{%s, kid %q}", k.alg, k.kid)
}

// GoString is String, for %#v.
func (k *SigningKey) GoString() string { return k.String() }
