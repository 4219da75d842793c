package fakeauth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"maps"
	"math/big"
	"slices"
	"strings"
)

// Token is a parsed, not yet verified, compact JWS.
type Token struct {
	// Alg, Kid and X5T are from the header.
	Alg, Kid, X5T string
	// Iss, Sub and Jti are the claims of those names.
	Iss, Sub, Jti string
	// Aud is the aud claim, a string or a list.
	Aud []string
	// Exp and Iat are NumericDate claims in whole seconds (0 when absent).
	Exp, Iat int64

	signed, sig []byte
}

// Parse reads a compact JWS without checking its signature.
func Parse(s string) (*Token, error) {
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return nil, errors.New("not three dot-separated parts")
	}
	var header struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		X5T string `json:"x5t"`
	}
	if !decode(parts[0], &header) {
		return nil, errors.New("unreadable header")
	}
	var claims struct {
		Iss string          `json:"iss"`
		Sub string          `json:"sub"`
		Jti string          `json:"jti"`
		Aud json.RawMessage `json:"aud"`
		Exp float64         `json:"exp"`
		Iat float64         `json:"iat"`
	}
	if !decode(parts[1], &claims) {
		return nil, errors.New("unreadable claims")
	}
	t := &Token{Alg: header.Alg, Kid: header.Kid, X5T: header.X5T,
		Iss: claims.Iss, Sub: claims.Sub, Jti: claims.Jti, Exp: int64(claims.Exp), Iat: int64(claims.Iat),
		signed: []byte(parts[0] + "." + parts[1])}
	var one string
	if json.Unmarshal(claims.Aud, &one) == nil {
		t.Aud = []string{one}
	} else if len(claims.Aud) > 0 && json.Unmarshal(claims.Aud, &t.Aud) != nil {
		return nil, errors.New("aud is neither a string nor a list of strings")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errors.New("unreadable signature")
	}
	t.sig = sig
	return t, nil
}

// HasAudience reports whether the aud claim holds one of want.
func (t *Token) HasAudience(want ...string) bool {
	return slices.ContainsFunc(t.Aud, func(a string) bool { return slices.Contains(want, a) })
}

// Verify checks the signature with key: RS256 for an *rsa.PublicKey, ES256
// for an *ecdsa.PublicKey; the header's alg must say the same.
func (t *Token) Verify(key crypto.PublicKey) error {
	sum := sha256.Sum256(t.signed)
	switch k := key.(type) {
	case *rsa.PublicKey:
		if t.Alg != "RS256" {
			return errors.New("alg is not RS256")
		}
		return rsa.VerifyPKCS1v15(k, crypto.SHA256, sum[:], t.sig)
	case *ecdsa.PublicKey:
		if t.Alg != "ES256" || len(t.sig) != 64 {
			return errors.New("alg is not ES256")
		}
		r, s := new(big.Int).SetBytes(t.sig[:32]), new(big.Int).SetBytes(t.sig[32:])
		if !ecdsa.Verify(k, sum[:], r, s) {
			return errors.New("bad signature")
		}
		return nil
	}
	return errors.New("no RSA or ECDSA key to check the signature with")
}

// SignRS256 makes a compact JWS of header and claims signed RS256 with key,
// for a test to send; "alg" is set in header.
func SignRS256(key *rsa.PrivateKey, header, claims map[string]any) (string, error) {
	header = maps.Clone(header)
	if header == nil {
		header = map[string]any{}
	}
	header["alg"] = "RS256"
	h, err := json.Marshal(header)
	if err != nil {
		return "", err
	}
	c, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	in := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(c)
	sum := sha256.Sum256([]byte(in))
	sig, err := rsa.SignPKCS1v15(rand.Reader, key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return in + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}

func decode(part string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(part)
	return err == nil && json.Unmarshal(b, v) == nil
}
