package mgmtauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test keys are generated once per test binary, never committed.
var (
	testRSAKey   = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	otherRSAKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(2048) })
	testECKey    = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
	otherECKey   = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P256()) })
	shortRSAKey  = sync.OnceValue(func() *rsa.PrivateKey { return mustRSA(1024) })
	testP384Key  = sync.OnceValue(func() *ecdsa.PrivateKey { return mustEC(elliptic.P384()) })
	b64          = base64.RawURLEncoding.EncodeToString
	errNoJWTPart = errors.New("not three parts")
)

func mustRSA(bits int) *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		panic(err)
	}
	return k
}

func mustEC(c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		panic(err)
	}
	return k
}

func pemText(typ string, der []byte) string {
	return string(pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}))
}

func pkcs1PEM(k *rsa.PrivateKey) string {
	return pemText("RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(k))
}

func pkcs8PEM(t testing.TB, k any) string {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("PRIVATE KEY", der)
}

func sec1PEM(t testing.TB, k *ecdsa.PrivateKey) string {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("EC PRIVATE KEY", der)
}

// rsaJWK writes a private RSA JWK by hand, as a user's tool would.
func rsaJWK(k *rsa.PrivateKey, extra map[string]string) string {
	m := map[string]string{
		"kty": "RSA",
		"n":   b64(k.N.Bytes()),
		"e":   b64(big.NewInt(int64(k.E)).Bytes()),
		"d":   b64(k.D.Bytes()),
		"p":   b64(k.Primes[0].Bytes()),
		"q":   b64(k.Primes[1].Bytes()),
		"dp":  b64(k.Precomputed.Dp.Bytes()),
		"dq":  b64(k.Precomputed.Dq.Bytes()),
		"qi":  b64(k.Precomputed.Qinv.Bytes()),
	}
	return jwkText(m, extra)
}

// ecJWK writes a private P-256 JWK by hand.
func ecJWK(t testing.TB, k *ecdsa.PrivateKey, extra map[string]string) string {
	t.Helper()
	pub, err := k.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	d, err := k.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{"kty": "EC", "crv": "P-256", "x": b64(pub[1:33]), "y": b64(pub[33:]), "d": b64(d)}
	return jwkText(m, extra)
}

func jwkText(m, extra map[string]string) string {
	for k, v := range extra {
		if v == "" {
			delete(m, k)
		} else {
			m[k] = v
		}
	}
	b, _ := json.Marshal(m)
	return string(b)
}

// selfSigned returns a PEM certificate for key.
func selfSigned(t testing.TB, key crypto.Signer) (string, []byte) {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "oauth-client-operator test"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	return pemText("CERTIFICATE", der), der
}

// parsedJWT is a JWT as the tests' own verifier read it.
type parsedJWT struct {
	header map[string]any
	claims map[string]any
}

// claim returns a string claim.
func (j parsedJWT) claim(name string) string {
	s, _ := j.claims[name].(string)
	return s
}

// unix returns a numeric claim.
func (j parsedJWT) unix(name string) int64 {
	f, _ := j.claims[name].(float64)
	return int64(f)
}

// verifyJWT checks a compact JWS with key (an RSA or EC public key, or
// []byte for HS256), independently of the code under test.
func verifyJWT(token string, key any) (parsedJWT, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return parsedJWT{}, errNoJWTPart
	}
	var j parsedJWT
	for i, dst := range []*map[string]any{&j.header, &j.claims} {
		b, err := base64.RawURLEncoding.DecodeString(parts[i])
		if err != nil {
			return j, fmt.Errorf("part %d: %w", i, err)
		}
		if err := json.Unmarshal(b, dst); err != nil {
			return j, fmt.Errorf("part %d: %w", i, err)
		}
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return j, fmt.Errorf("signature: %w", err)
	}
	input := []byte(parts[0] + "." + parts[1])
	digest := sha256.Sum256(input)
	alg, _ := j.header["alg"].(string)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if alg != "RS256" {
			return j, fmt.Errorf("alg %s with an RSA key", alg)
		}
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA256, digest[:], sig); err != nil {
			return j, err
		}
	case *ecdsa.PublicKey:
		if alg != "ES256" || len(sig) != 64 {
			return j, fmt.Errorf("alg %s, signature of %d bytes with an EC key", alg, len(sig))
		}
		r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:])
		if !ecdsa.Verify(k, digest[:], r, s) {
			return j, errors.New("bad ES256 signature")
		}
	case []byte:
		m := hmac.New(sha256.New, k)
		m.Write(input)
		if alg != "HS256" || !hmac.Equal(m.Sum(nil), sig) {
			return j, errors.New("bad HS256 signature")
		}
	default:
		return j, fmt.Errorf("no verifier for %T", key)
	}
	return j, nil
}

// assertionVerifier returns a fake server's verifyAssertion for a client
// assertion of clientID, signed with key, for audience aud: the checks a
// real server makes, replay of a jti included.
func assertionVerifier(key any, clientID, aud string) func(string) (string, error) {
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	return func(a string) (string, error) {
		j, err := verifyJWT(a, key)
		if err != nil {
			return "", fmt.Errorf("assertion signature: %w", err)
		}
		switch {
		case j.claim("iss") != clientID || j.claim("sub") != clientID:
			return "", errors.New("iss and sub must be the client_id")
		case j.claim("aud") != aud:
			return "", fmt.Errorf("aud must be %s", aud)
		case j.claim("jti") == "":
			return "", errors.New("no jti")
		case j.unix("exp") <= j.unix("iat"):
			return "", errors.New("exp not after iat")
		}
		mu.Lock()
		defer mu.Unlock()
		if seen[j.claim("jti")] {
			return "", errors.New("jti replayed")
		}
		seen[j.claim("jti")] = true
		return clientID, nil
	}
}

// assertNoKeyMaterial fails when msg holds any 12 characters in a row of
// the secret parts of a key text: the base64 body of a PEM, the private
// members of a JWK.
func assertNoKeyMaterial(t *testing.T, msg, keyText string) {
	t.Helper()
	var parts []string
	if strings.HasPrefix(strings.TrimSpace(keyText), "{") {
		var m map[string]any
		_ = json.Unmarshal([]byte(keyText), &m)
		for _, k := range []string{"d", "p", "q", "dp", "dq", "qi"} {
			if s, ok := m[k].(string); ok {
				parts = append(parts, s)
			}
		}
	} else {
		for line := range strings.SplitSeq(keyText, "\n") {
			if line != "" && !strings.HasPrefix(line, "-----") && !strings.Contains(line, ":") {
				parts = append(parts, line)
			}
		}
	}
	for _, p := range parts {
		for i := 0; i+12 <= len(p); i++ {
			if strings.Contains(msg, p[i:i+12]) {
				t.Fatalf("message %q holds key material", msg)
			}
		}
	}
}
