package entrafake

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// jwt is a parsed, not yet verified, JWS compact token.
type jwt struct {
	header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		X5T string `json:"x5t"`
	}
	claims struct {
		Iss string
		Sub string
		Aud []string
		Exp time.Time
	}
	signed, sig []byte
}

// parseJWT reads a compact JWS; aud may be a string or an array.
func parseJWT(s string) (*jwt, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("not three dot-separated parts")
	}
	var t jwt
	h, err := base64.RawURLEncoding.DecodeString(parts[0])
	if err != nil || json.Unmarshal(h, &t.header) != nil {
		return nil, errors.New("unreadable header")
	}
	p, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Aud json.RawMessage `json:"aud"`
		Exp float64         `json:"exp"`
	}
	if err != nil || json.Unmarshal(p, &c) != nil {
		return nil, errors.New("unreadable claims")
	}
	var one string
	if json.Unmarshal(c.Aud, &one) == nil {
		t.claims.Aud = []string{one}
	} else {
		_ = json.Unmarshal(c.Aud, &t.claims.Aud)
	}
	t.claims.Iss, t.claims.Sub = c.Iss, c.Sub
	t.claims.Exp = time.Unix(int64(c.Exp), 0)
	if t.sig, err = base64.RawURLEncoding.DecodeString(parts[2]); err != nil {
		return nil, errors.New("unreadable signature")
	}
	t.signed = []byte(parts[0] + "." + parts[1])
	return &t, nil
}

// verify checks the signature with key (RS256 or ES256).
func (t *jwt) verify(key crypto.PublicKey) error {
	sum := sha256.Sum256(t.signed)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if t.header.Alg != "RS256" {
			return errors.New("alg is not RS256")
		}
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], t.sig)
	case *ecdsa.PublicKey:
		if t.header.Alg != "ES256" || len(t.sig) != 64 {
			return errors.New("alg is not ES256")
		}
		r, s := new(big.Int).SetBytes(t.sig[:32]), new(big.Int).SetBytes(t.sig[32:])
		if !ecdsa.Verify(k, sum[:], r, s) {
			return errors.New("bad signature")
		}
		return nil
	}
	return errors.New("unsupported key type")
}

// ParseJWKS reads the RSA and P-256 keys of a JSON Web Key Set (such as a
// Kubernetes API server's /openid/v1/jwks) by kid, for Federated.Keys.
func ParseJWKS(data []byte) (map[string]crypto.PublicKey, error) {
	var set struct {
		Keys []struct {
			Kty, Kid, Crv, N, E, X, Y string
		} `json:"keys"`
	}
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, err
	}
	b64 := base64.RawURLEncoding.DecodeString
	out := map[string]crypto.PublicKey{}
	for _, k := range set.Keys {
		switch {
		case k.Kty == "RSA":
			n, err1 := b64(k.N)
			e, err2 := b64(k.E)
			if err1 != nil || err2 != nil {
				return nil, errors.New("unreadable RSA key")
			}
			out[k.Kid] = &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(new(big.Int).SetBytes(e).Int64())}
		case k.Kty == "EC" && k.Crv == "P-256":
			x, err1 := b64(k.X)
			y, err2 := b64(k.Y)
			if err1 != nil || err2 != nil || len(x) != 32 || len(y) != 32 {
				return nil, errors.New("unreadable EC key")
			}
			pub, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), append(append([]byte{4}, x...), y...))
			if err != nil {
				return nil, errors.New("unreadable EC key")
			}
			out[k.Kid] = pub
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no RSA or P-256 keys")
	}
	return out, nil
}

// recorder is a minimal http.ResponseWriter for in-process calls.
type recorder struct {
	status int
	header http.Header
	body   []byte
}

func (r *recorder) Header() http.Header { return r.header }

func (r *recorder) WriteHeader(s int) { r.status = s }

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	r.body = append(r.body, b...)
	return len(b), nil
}

func urlQuery(s string) string { return url.QueryEscape(s) }
