package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

// Every algorithm makes a pair whose PEM reads back to the same key ID,
// whose public set holds no private member, and whose private JWK signs
// what the public key verifies.
func TestGenerateParseAndSet(t *testing.T) {
	for _, tc := range []struct {
		alg  string
		bits int
		kty  string
	}{{"", 0, "EC"}, {ES256, 0, "EC"}, {RS256, 0, "RSA"}, {RS256, 3072, "RSA"}, {EdDSA, 0, "OKP"}} {
		t.Run(fmt.Sprint(tc.alg, tc.bits), func(t *testing.T) {
			p, err := Generate(tc.alg, tc.bits)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(p.PrivatePEM), "-----BEGIN PRIVATE KEY-----") {
				t.Errorf("not PKCS#8 PEM: %.30s", p.PrivatePEM)
			}
			again, err := Parse(p.PrivatePEM)
			if err != nil || again.KeyID != p.KeyID || again.Algorithm != p.Algorithm {
				t.Fatalf("Parse gave %v, %v; want %v", again, err, p)
			}
			var set struct{ Keys []map[string]string }
			if err := json.Unmarshal(Set(p), &set); err != nil || len(set.Keys) != 1 {
				t.Fatalf("set %s: %v", Set(p), err)
			}
			pub := set.Keys[0]
			if pub["kty"] != tc.kty || pub["kid"] != p.KeyID || pub["use"] != "sig" || pub["alg"] != p.Algorithm {
				t.Errorf("public JWK %v", pub)
			}
			for _, private := range []string{"d", "p", "q", "dp", "dq", "qi"} {
				if _, ok := pub[private]; ok {
					t.Errorf("the public set holds the private member %q", private)
				}
			}
			jwk, err := p.PrivateJWK()
			if err != nil {
				t.Fatal(err)
			}
			var priv map[string]string
			if err := json.Unmarshal(jwk, &priv); err != nil || priv["d"] == "" || priv["kid"] != p.KeyID {
				t.Errorf("private JWK lacks d or kid: %v", err)
			}
			if bits := tc.bits; tc.alg == RS256 {
				if bits == 0 {
					bits = DefaultRSABits
				}
				if got := p.Signer().(*rsa.PrivateKey).N.BitLen(); got != bits {
					t.Errorf("RSA key of %d bits, want %d", got, bits)
				}
			}
			verifies(t, p)
		})
	}
}

func verifies(t *testing.T, p Pair) {
	t.Helper()
	msg := []byte("header.claims")
	digest := sha256.Sum256(msg)
	switch k := p.Signer().(type) {
	case *ecdsa.PrivateKey:
		sig, err := ecdsa.SignASN1(rand.Reader, k, digest[:])
		if err != nil || !ecdsa.VerifyASN1(&k.PublicKey, digest[:], sig) {
			t.Error("EC signature does not verify")
		}
	case *rsa.PrivateKey:
		sig, err := rsa.SignPKCS1v15(rand.Reader, k, crypto.SHA256, digest[:])
		if err != nil || rsa.VerifyPKCS1v15(&k.PublicKey, crypto.SHA256, digest[:], sig) != nil {
			t.Error("RSA signature does not verify")
		}
	case ed25519.PrivateKey:
		if !ed25519.Verify(k.Public().(ed25519.PublicKey), msg, ed25519.Sign(k, msg)) {
			t.Error("Ed25519 signature does not verify")
		}
	}
}

// The key ID is the RFC 7638 thumbprint: the example of RFC 7638 §3.1.
func TestThumbprintIsRFC7638(t *testing.T) {
	n := "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
	got, err := thumbprint(map[string]string{"kty": "RSA", "n": n, "e": "AQAB"})
	if err != nil || got != "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs" {
		t.Errorf("thumbprint %q, %v", got, err)
	}
}

// Bad input names the field; no error or String holds key material.
func TestErrorsNameTheFieldAndHoldNoKey(t *testing.T) {
	if _, err := Generate(ES256, 2048); err == nil || !strings.Contains(err.Error(), "spec.keys.size") {
		t.Errorf("size with ES256: %v", err)
	}
	if _, err := Generate("HS256", 0); err == nil || !strings.Contains(err.Error(), "spec.keys.algorithm") {
		t.Errorf("HS256: %v", err)
	}
	if _, err := Generate(RS256, 1024); err == nil || !strings.Contains(err.Error(), "spec.keys.size") {
		t.Errorf("1024 bits: %v", err)
	}
	p, err := Generate(ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	damaged := append([]byte{}, p.PrivatePEM...)
	damaged[40] ^= 0x20
	body := strings.Split(string(p.PrivatePEM), "\n")[1]
	for _, s := range []string{fmt.Sprint(p), fmt.Sprintf("%#v", p), fmt.Sprintf("%+v", p), errText(Parse(damaged)), errText(Parse([]byte("junk " + body)))} {
		if strings.Contains(s, body[:16]) {
			t.Errorf("key material in %q", s)
		}
	}
}

func errText(_ Pair, err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
