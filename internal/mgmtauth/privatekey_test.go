package mgmtauth

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha1" //nolint:gosec // checking the x5t thumbprint, which is SHA-1 by definition
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestParsePrivateKeyFormats(t *testing.T) {
	rsaKey, ecKey := testRSAKey(), testECKey()
	pkcs8RSA := pkcs8PEM(t, rsaKey)
	ecParams := pemText("EC PARAMETERS", []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07})
	certPEM, _ := selfSigned(t, rsaKey)
	tests := []struct {
		name    string
		text    string
		wantAlg Algorithm
		wantKid string
		public  any
	}{
		{name: "PKCS#1 RSA", text: pkcs1PEM(rsaKey), wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "PKCS#8 RSA", text: pkcs8RSA, wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "PKCS#8 EC", text: pkcs8PEM(t, ecKey), wantAlg: ES256, public: &ecKey.PublicKey},
		{name: "SEC1 EC", text: sec1PEM(t, ecKey), wantAlg: ES256, public: &ecKey.PublicKey},
		{name: "SEC1 after EC PARAMETERS (openssl ecparam -genkey)", text: ecParams + sec1PEM(t, ecKey), wantAlg: ES256, public: &ecKey.PublicKey},
		{name: "certificate before the key", text: certPEM + pkcs8RSA, wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "PKCS#8 mislabelled as RSA PRIVATE KEY", text: strings.ReplaceAll(pkcs8RSA, "PRIVATE KEY", "RSA PRIVATE KEY"), wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "surrounding whitespace", text: "\n  " + pkcs1PEM(rsaKey) + "\n\n", wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "RSA JWK", text: rsaJWK(rsaKey, map[string]string{"kid": "rsa-1"}), wantAlg: RS256, wantKid: "rsa-1", public: &rsaKey.PublicKey},
		{name: "RSA JWK without CRT members", text: rsaJWK(rsaKey, map[string]string{"dp": "", "dq": "", "qi": ""}), wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "RSA JWK with alg and use", text: rsaJWK(rsaKey, map[string]string{"alg": "RS256", "use": "sig"}), wantAlg: RS256, public: &rsaKey.PublicKey},
		{name: "EC JWK", text: ecJWK(t, ecKey, map[string]string{"kid": "ec-1"}), wantAlg: ES256, wantKid: "ec-1", public: &ecKey.PublicKey},
		{name: "JWK set of one", text: `{"keys":[` + ecJWK(t, ecKey, map[string]string{"kid": "ec-2"}) + `]}`, wantAlg: ES256, wantKid: "ec-2", public: &ecKey.PublicKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKey([]byte(tt.text))
			if err != nil {
				t.Fatalf("ParsePrivateKey: %v", err)
			}
			if k.Algorithm() != tt.wantAlg || k.KeyID() != tt.wantKid {
				t.Errorf("alg %s kid %q, want %s %q", k.Algorithm(), k.KeyID(), tt.wantAlg, tt.wantKid)
			}
			// The key signs what the matching public key verifies.
			tok, err := signJWT(k, jwtHeader{Alg: k.Algorithm(), Typ: "JWT"}, map[string]string{"hello": "world"})
			if err != nil {
				t.Fatal(err)
			}
			j, err := verifyJWT(tok, tt.public)
			if err != nil {
				t.Fatalf("verifying: %v", err)
			}
			if j.claim("hello") != "world" {
				t.Errorf("claims = %v", j.claims)
			}
			for _, s := range []string{k.String(), fmt.Sprintf("%v %+v %#v", k, k, k)} {
				assertNoKeyMaterial(t, s, tt.text)
			}
		})
	}
}

func TestParsePrivateKeyErrors(t *testing.T) {
	rsaKey, ecKey := testRSAKey(), testECKey()
	pkcs8RSA := pkcs8PEM(t, rsaKey)
	pubDER, err := x509.MarshalPKIXPublicKey(&rsaKey.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	legacyEncrypted := string(pem.EncodeToMemory(&pem.Block{
		Type:    "RSA PRIVATE KEY",
		Headers: map[string]string{"Proc-Type": "4,ENCRYPTED", "DEK-Info": "AES-128-CBC,00000000000000000000000000000000"},
		Bytes:   x509.MarshalPKCS1PrivateKey(rsaKey),
	}))
	ecPub := ecJWK(t, ecKey, map[string]string{"d": ""})
	otherEC := otherECKey()
	otherPub, _ := otherEC.PublicKey.Bytes()
	corruptBody := func(s string) string {
		lines := strings.Split(s, "\n")
		lines[3] = strings.Repeat("A", len(lines[3]))
		return strings.Join(lines, "\n")
	}
	tests := []struct {
		name string
		text string
		want string
	}{
		{name: "empty", text: "  \n", want: "empty"},
		{name: "garbage", text: "hello", want: "neither PEM nor a JWK"},
		{name: "DER", text: string(x509.MarshalPKCS1PrivateKey(rsaKey)), want: "binary DER"},
		{name: "base64 of PEM", text: base64.StdEncoding.EncodeToString([]byte(pkcs8RSA)), want: "base64-encoded PEM"},
		{name: "too long", text: "-----BEGIN" + strings.Repeat("A", maxKeyBytes), want: "longer than 64 KiB"},
		{name: "PEM without a key", text: "-----BEGIN nothing", want: "no PEM private key block"},
		{name: "encrypted PKCS#8", text: pemText("ENCRYPTED PRIVATE KEY", []byte{1, 2, 3}), want: "is encrypted"},
		{name: "legacy encrypted PEM", text: legacyEncrypted, want: "is encrypted"},
		{name: "public key PEM", text: pemText("PUBLIC KEY", pubDER), want: "is a public key"},
		{name: "certificate only", text: func() string { c, _ := selfSigned(t, rsaKey); return c }(), want: "no PEM private key block"},
		{name: "unknown block", text: pemText("OPENSSH PRIVATE KEY", []byte{1}), want: `"OPENSSH PRIVATE KEY" is not a private key`},
		{name: "corrupt PKCS#8", text: corruptBody(pkcs8RSA), want: `"PRIVATE KEY" does not hold a valid PKCS#8 private key`},
		{name: "corrupt PKCS#1", text: corruptBody(pkcs1PEM(rsaKey)), want: `does not hold a valid PKCS#1 private key`},
		{name: "two keys", text: pkcs8RSA + sec1PEM(t, ecKey), want: "holds 2 private keys"},
		{name: "RSA 1024", text: pkcs1PEM(shortRSAKey()), want: "RSA key of 1024 bits: want 2048 to 8192 bits"},
		{name: "EC P-384", text: sec1PEM(t, testP384Key()), want: "curve P-384: only P-256 (ES256) is supported"},
		{name: "Ed25519", text: pkcs8PEM(t, edKey), want: "Ed25519 key: only RSA (RS256) and EC P-256 (ES256)"},
		{name: "JWK not JSON", text: `{"kty":"RSA",`, want: "not a valid JSON object"},
		{name: "JWK wrong member type", text: `{"kty":"RSA","n":5}`, want: "not a valid JSON object of string members"},
		{name: "JWK without kty", text: `{"d":"AQ"}`, want: "JWK has no kty"},
		{name: "JWK oct", text: `{"kty":"oct","k":"AQ"}`, want: `kty "oct": only RSA and EC`},
		{name: "JWK use enc", text: rsaJWK(rsaKey, map[string]string{"use": "enc"}), want: `use "enc": want sig`},
		{name: "JWK set of two", text: `{"keys":[{},{}]}`, want: "JWK set of 2 keys"},
		{name: "JWK set empty", text: `{"keys":[]}`, want: "JWK set of 0 keys"},
		{name: "RSA JWK public only", text: rsaJWK(rsaKey, map[string]string{"d": "", "p": "", "q": ""}), want: "no d: it is a public key"},
		{name: "RSA JWK without primes", text: rsaJWK(rsaKey, map[string]string{"p": "", "q": ""}), want: "RSA JWK has no p"},
		{name: "RSA JWK bad base64", text: rsaJWK(rsaKey, map[string]string{"d": "!!!"}), want: "member d is not base64url"},
		{name: "RSA JWK wrong primes", text: rsaJWK(rsaKey, map[string]string{"p": b64(otherRSAKey().Primes[0].Bytes())}), want: "p and q do not multiply to n"},
		{name: "RSA JWK wrong d", text: rsaJWK(rsaKey, map[string]string{"d": b64(otherRSAKey().D.Bytes())}), want: "do not form a valid key"},
		{name: "RSA JWK three primes", text: strings.TrimSuffix(rsaJWK(rsaKey, nil), "}") + `,"oth":[{}]}`, want: "more than two primes"},
		{name: "RSA JWK alg ES256", text: rsaJWK(rsaKey, map[string]string{"alg": "ES256"}), want: "JWK alg: ES256 needs an EC P-256 key"},
		{name: "RSA JWK alg PS256", text: rsaJWK(rsaKey, map[string]string{"alg": "PS256"}), want: `JWK alg: "PS256" is not one of RS256, ES256`},
		{name: "EC JWK public only", text: ecPub, want: "EC JWK has no d: it is a public key"},
		{name: "EC JWK P-384", text: ecJWK(t, ecKey, map[string]string{"crv": "P-384"}), want: `curve "P-384": only P-256`},
		{name: "EC JWK wrong x", text: ecJWK(t, ecKey, map[string]string{"x": b64(otherPub[1:33])}), want: "x and y are not the public key of d"},
		{name: "EC JWK no y", text: ecJWK(t, ecKey, map[string]string{"y": ""}), want: "EC JWK has no y"},
		{name: "EC JWK d too long", text: ecJWK(t, ecKey, map[string]string{"d": b64(make([]byte, 33))}), want: "d is not a base64url P-256 scalar"},
		{name: "EC JWK d zero", text: ecJWK(t, ecKey, map[string]string{"d": b64(make([]byte, 32))}), want: "d is not a valid P-256 private key"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParsePrivateKey([]byte(tt.text))
			if err == nil {
				t.Fatalf("ParsePrivateKey accepted it: %v", k)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not say %q", err, tt.want)
			}
			assertNoKeyMaterial(t, err.Error(), tt.text)
		})
	}
}

func TestPrivateKeyOptions(t *testing.T) {
	rsaKey, ecKey := testRSAKey(), testECKey()
	certPEM, certDER := selfSigned(t, rsaKey)
	otherCert, _ := selfSigned(t, otherRSAKey())

	t.Run("key ID overrides the JWK's", func(t *testing.T) {
		k, err := PrivateKey{Key: ecJWK(t, ecKey, map[string]string{"kid": "from-jwk"}), KeyID: "configured"}.signingKey("privateKey")
		if err != nil {
			t.Fatal(err)
		}
		if k.KeyID() != "configured" {
			t.Errorf("kid = %q, want configured", k.KeyID())
		}
	})
	t.Run("certificate thumbprints", func(t *testing.T) {
		k, err := PrivateKey{Key: pkcs1PEM(rsaKey), Certificate: certPEM}.signingKey("privateKey")
		if err != nil {
			t.Fatal(err)
		}
		s1, s256 := sha1.Sum(certDER), sha256.Sum256(certDER) //nolint:gosec // x5t is SHA-1
		a := newAssertionSigner(k, "c", "c", "aud", 0)
		tok, err := a.assertion(time.Now())
		if err != nil {
			t.Fatal(err)
		}
		j, err := verifyJWT(tok, &rsaKey.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		if j.header["x5t"] != b64(s1[:]) || j.header["x5t#S256"] != b64(s256[:]) {
			t.Errorf("header %v lacks the certificate's thumbprints", j.header)
		}
	})
	errTests := []struct {
		name string
		key  PrivateKey
		want string
	}{
		{name: "algorithm for another key type", key: PrivateKey{Key: pkcs1PEM(rsaKey), Algorithm: ES256}, want: "privateKey.algorithm: ES256 needs an EC P-256 key, this is an RSA key"},
		{name: "unknown algorithm", key: PrivateKey{Key: sec1PEM(t, ecKey), Algorithm: "HS256"}, want: `privateKey.algorithm: "HS256" is not one of RS256, ES256`},
		{name: "algorithm against the JWK's", key: PrivateKey{Key: rsaJWK(rsaKey, map[string]string{"alg": "RS256"}), Algorithm: ES256}, want: "privateKey.algorithm: ES256, but the JWK says alg RS256"},
		{name: "certificate of another key", key: PrivateKey{Key: pkcs1PEM(rsaKey), Certificate: otherCert}, want: "privateKey.certificate: the certificate is not for this private key"},
		{name: "certificate not PEM", key: PrivateKey{Key: pkcs1PEM(rsaKey), Certificate: "abc"}, want: "privateKey.certificate: holds no PEM CERTIFICATE block"},
		{name: "certificate corrupt", key: PrivateKey{Key: pkcs1PEM(rsaKey), Certificate: pemText("CERTIFICATE", []byte{1, 2})}, want: "not a valid X.509 certificate"},
		{name: "bad key", key: PrivateKey{Key: "nope"}, want: "privateKey.key: neither PEM nor a JWK"},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.key.signingKey("privateKey")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			assertNoKeyMaterial(t, err.Error(), tt.key.Key)
		})
	}
}

func TestPublicJWK(t *testing.T) {
	rsaKey, ecKey := testRSAKey(), testECKey()
	for name, text := range map[string]string{"RSA": pkcs1PEM(rsaKey), "EC": sec1PEM(t, ecKey)} {
		t.Run(name, func(t *testing.T) {
			k, err := PrivateKey{Key: text, KeyID: "k1"}.signingKey("privateKey")
			if err != nil {
				t.Fatal(err)
			}
			pub := k.PublicJWK()
			if _, ok := pub["d"]; ok {
				t.Fatal("public JWK holds d")
			}
			if pub["kid"] != "k1" || pub["use"] != "sig" || pub["alg"] != string(k.Algorithm()) {
				t.Errorf("public JWK %v", pub)
			}
			// The public JWK, with the private member added back, is the
			// same key: the members are encoded as RFC 7518 says.
			var private string
			switch name {
			case "RSA":
				private = rsaJWK(rsaKey, map[string]string{"n": pub["n"].(string), "e": pub["e"].(string)})
			default:
				private = ecJWK(t, ecKey, map[string]string{"x": pub["x"].(string), "y": pub["y"].(string)})
			}
			if _, err := ParsePrivateKey([]byte(private)); err != nil {
				t.Fatalf("public members do not match the key: %v", err)
			}
		})
	}
}

func TestAssertionClaims(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	rsaKey, ecKey := testRSAKey(), testECKey()
	tests := []struct {
		name     string
		key      jwsSigner
		verify   any
		lifetime time.Duration
		wantKid  string
	}{
		{name: "RS256", key: mustSigningKey(t, PrivateKey{Key: pkcs1PEM(rsaKey), KeyID: "r1"}), verify: &rsaKey.PublicKey, wantKid: "r1"},
		{name: "ES256", key: mustSigningKey(t, PrivateKey{Key: sec1PEM(t, ecKey), KeyID: "e1"}), verify: &ecKey.PublicKey, lifetime: 5 * time.Minute, wantKid: "e1"},
		{name: "HS256", key: hmacKey(testSecret), verify: []byte(testSecret)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newAssertionSigner(tt.key, "client-1", "subject-1", "https://as.example.test/token", tt.lifetime)
			first, err := a.assertion(now)
			if err != nil {
				t.Fatal(err)
			}
			second, err := a.assertion(now)
			if err != nil {
				t.Fatal(err)
			}
			j, err := verifyJWT(first, tt.verify)
			if err != nil {
				t.Fatalf("verifying: %v", err)
			}
			j2, err := verifyJWT(second, tt.verify)
			if err != nil {
				t.Fatalf("verifying: %v", err)
			}
			lifetime := tt.lifetime
			if lifetime == 0 {
				lifetime = DefaultAssertionLifetime
			}
			if j.claim("iss") != "client-1" || j.claim("sub") != "subject-1" || j.claim("aud") != "https://as.example.test/token" {
				t.Errorf("iss/sub/aud = %v", j.claims)
			}
			if j.unix("iat") != now.Unix() || j.unix("nbf") != now.Unix() || j.unix("exp") != now.Add(lifetime).Unix() {
				t.Errorf("iat/nbf/exp = %d/%d/%d, want %d/%d/%d", j.unix("iat"), j.unix("nbf"), j.unix("exp"), now.Unix(), now.Unix(), now.Add(lifetime).Unix())
			}
			if j.claim("jti") == "" || j.claim("jti") == j2.claim("jti") {
				t.Errorf("jti %q then %q: want unique", j.claim("jti"), j2.claim("jti"))
			}
			if j.header["typ"] != "JWT" || j.header["alg"] != string(tt.key.algorithm()) {
				t.Errorf("header %v", j.header)
			}
			if kid, _ := j.header["kid"].(string); kid != tt.wantKid {
				t.Errorf("kid = %q, want %q", kid, tt.wantKid)
			}
		})
	}
}

func TestPrivateKeyNeverPrinted(t *testing.T) {
	text := pkcs1PEM(testRSAKey())
	pk := PrivateKey{Key: text, KeyID: "k"}
	cc := ClientCredentials{TokenURL: "https://x/token", ClientID: "id", PrivateKey: &pk} //nolint:gosec // G101: a token endpoint URL, not a credential
	for _, s := range []string{
		pk.String(), fmt.Sprintf("%v %+v %#v %s", pk, pk, pk, &pk),
		fmt.Sprintf("%v %+v %#v", cc, cc, &cc),
		fmt.Sprint(Source{ClientCredentials: &cc}), fmt.Sprint(pk.MarshalLog()),
	} {
		assertNoKeyMaterial(t, s, text)
	}
}

func mustSigningKey(t *testing.T, p PrivateKey) *SigningKey {
	t.Helper()
	k, err := p.signingKey("privateKey")
	if err != nil {
		t.Fatal(err)
	}
	return k
}
