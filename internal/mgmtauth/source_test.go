package mgmtauth

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func TestValidate(t *testing.T) {
	valid := func(change func(c *ClientCredentials)) Source {
		c := &ClientCredentials{ //nolint:gosec // G101: a token endpoint URL, not a credential
			TokenURL:     "https://auth.example.test/oauth/token",
			ClientID:     "operator",
			ClientSecret: testSecret,
		}
		change(c)
		return Source{ClientCredentials: c}
	}
	tests := []validateCase{
		{name: "initial access token", src: Source{InitialAccessToken: "iat"}},
		{name: "bearer token", src: Source{BearerToken: "tok"}},
		{name: "client credentials", src: valid(func(*ClientCredentials) {})},
		{name: "client credentials, all fields", src: valid(func(c *ClientCredentials) {
			c.AuthStyle = v1alpha1.AuthStyleJSON
			c.Scopes = []string{"a"}
			c.Audience = "https://api.example.test/"
			c.ExtraParams = map[string]string{"tenant": "acme"}
			c.ExtraHeaders = map[string]string{"X-Api-Key": testAPIKey}
		})},
		{name: "plain http", src: valid(func(c *ClientCredentials) { c.TokenURL = "http://127.0.0.1:8080/token" })},
		{name: "initial access token with newline", src: Source{InitialAccessToken: "iat\n"}, wantErr: "initialAccessToken: holds whitespace or control characters"},
		{name: "bearer token with space", src: Source{BearerToken: " tok"}, wantErr: "bearerToken: holds whitespace"},
		{name: "none", src: Source{}, wantErr: "exactly one of initialAccessToken, bearerToken, clientCredentials or jwtBearer"},
		{name: "two", src: Source{InitialAccessToken: "a", BearerToken: "b"}, wantErr: "got initialAccessToken and bearerToken"},
		{name: "two, one client credentials", src: Source{BearerToken: "b", ClientCredentials: &ClientCredentials{}}, wantErr: "got bearerToken and clientCredentials"},
		{name: "no token URL", src: valid(func(c *ClientCredentials) { c.TokenURL = "" }), wantErr: "clientCredentials.tokenURL: required"},
		{name: "relative token URL", src: valid(func(c *ClientCredentials) { c.TokenURL = "/token" }), wantErr: "clientCredentials.tokenURL: must be an absolute http or https URL"},
		{name: "ftp token URL", src: valid(func(c *ClientCredentials) { c.TokenURL = "ftp://x/token" }), wantErr: "clientCredentials.tokenURL: must be an absolute"},
		{name: "token URL with user", src: valid(func(c *ClientCredentials) { c.TokenURL = "https://u:" + testSecret + "@x/token" }), wantErr: "clientCredentials.tokenURL:"},
		{name: "no client ID", src: valid(func(c *ClientCredentials) { c.ClientID = "" }), wantErr: "clientCredentials.clientID: required"},
		{name: "no client secret", src: valid(func(c *ClientCredentials) { c.ClientSecret = "" }), wantErr: "clientCredentials.clientSecret: required"},
		{name: "bad auth style", src: valid(func(c *ClientCredentials) { c.AuthStyle = "Digest" }), wantErr: `clientCredentials.authStyle: "Digest" is not one of Basic, Form, JSON`},
		{name: "reserved param", src: valid(func(c *ClientCredentials) { c.ExtraParams = map[string]string{"grant_type": "password"} }), wantErr: "clientCredentials.extraParams[grant_type]"},
		{name: "empty param name", src: valid(func(c *ClientCredentials) { c.ExtraParams = map[string]string{"": "x"} }), wantErr: "clientCredentials.extraParams: empty parameter name"},
		{name: "reserved header", src: valid(func(c *ClientCredentials) { c.ExtraHeaders = map[string]string{"authorization": testAPIKey} }), wantErr: "clientCredentials.extraHeaders[authorization]"},
		{name: "bad header name", src: valid(func(c *ClientCredentials) { c.ExtraHeaders = map[string]string{"X Key": "v"} }), wantErr: `clientCredentials.extraHeaders["X Key"]: not a valid header name`},
		{name: "bad header value", src: valid(func(c *ClientCredentials) {
			c.ExtraHeaders = map[string]string{"X-Api-Key": testAPIKey + "\r\nEvil: 1"}
		}), wantErr: "clientCredentials.extraHeaders[X-Api-Key]: value holds characters"},
	}
	checkValidate(t, tests, "")
}

// validateCase is a Source and what Validate must say of it: nothing, or
// an error containing wantErr.
type validateCase struct {
	name    string
	src     Source
	wantErr string
}

// checkValidate runs Validate on each case; no error holds a secret, nor
// any of the key material of keyText (when not empty).
func checkValidate(t *testing.T, tests []validateCase, keyText string) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.src.Validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.wantErr)
			}
			assertNoSecret(t, err.Error())
			if keyText != "" {
				assertNoKeyMaterial(t, err.Error(), keyText)
			}
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := func() Source {
		return Source{ClientCredentials: &ClientCredentials{ //nolint:gosec // G101: a token endpoint URL, not a credential
			TokenURL: "https://x/token", ClientID: "id", ClientSecret: testSecret,
			ExtraParams:  map[string]string{"a": "1", "b": "2", "c": "3"},
			ExtraHeaders: map[string]string{"X-Api-Key": testAPIKey},
		}}
	}
	fp := base().fingerprint()
	if strings.Contains(fp, testSecret) {
		t.Fatal("fingerprint holds the secret")
	}
	for range 20 {
		if base().fingerprint() != fp {
			t.Fatal("fingerprint of an equal Source differs (map order?)")
		}
	}
	changes := map[string]func(c *ClientCredentials){
		"secret":      func(c *ClientCredentials) { c.ClientSecret = "other" },
		"header":      func(c *ClientCredentials) { c.ExtraHeaders["X-Api-Key"] = "other" },
		"param":       func(c *ClientCredentials) { c.ExtraParams["a"] = "9" },
		"scopes":      func(c *ClientCredentials) { c.Scopes = []string{"s"} },
		"audience":    func(c *ClientCredentials) { c.Audience = "aud" },
		"auth style":  func(c *ClientCredentials) { c.AuthStyle = v1alpha1.AuthStyleForm },
		"token URL":   func(c *ClientCredentials) { c.TokenURL = "https://y/token" },
		"client ID":   func(c *ClientCredentials) { c.ClientID = "id2" },
		"extra param": func(c *ClientCredentials) { c.ExtraParams["d"] = "" },
	}
	for name, change := range changes {
		s := base()
		change(s.ClientCredentials)
		if s.fingerprint() == fp {
			t.Errorf("changing the %s keeps the fingerprint", name)
		}
	}
	if (Source{BearerToken: "a"}).fingerprint() == (Source{InitialAccessToken: "a"}).fingerprint() {
		t.Error("bearer and initial access token with one value share a fingerprint")
	}
}

func TestHeaders(t *testing.T) {
	if h := (Source{BearerToken: "x"}).Headers(); h != nil {
		t.Errorf("Headers of a bearer source = %v, want nil", h)
	}
	src := Source{ClientCredentials: &ClientCredentials{ExtraHeaders: map[string]string{"X-Api-Key": "k"}}}
	if h := src.Headers(); h["X-Api-Key"] != "k" {
		t.Errorf("Headers = %v", h)
	}
}

func TestValidateAssertionsAndGrants(t *testing.T) {
	keyText := sec1PEM(t, testECKey())
	cc := func(change func(c *ClientCredentials)) Source {
		c := &ClientCredentials{TokenURL: "https://auth.example.test/token", ClientID: "operator", PrivateKey: &PrivateKey{Key: keyText}} //nolint:gosec // G101: a token endpoint URL, not a credential
		change(c)
		return Source{ClientCredentials: c}
	}
	jb := func(change func(j *JWTBearer)) Source {
		j := &JWTBearer{TokenURL: "https://auth.example.test/token", AssertionFile: "/var/run/secrets/tokens/oauth"} //nolint:gosec // G101: a token endpoint URL, not a credential
		change(j)
		return Source{JWTBearer: j}
	}
	tests := []validateCase{
		{name: "private key", src: cc(func(*ClientCredentials) {})},
		{name: "private key, JSON, all assertion fields", src: cc(func(c *ClientCredentials) {
			c.AuthStyle = v1alpha1.AuthStyleJSON
			c.AssertionAudience = "https://auth.example.test"
			c.AssertionLifetime = 5 * time.Minute
			c.Resources = []string{"https://api.example.test/", "urn:example:api"}
		})},
		{name: "assertion file", src: cc(func(c *ClientCredentials) { c.PrivateKey, c.AssertionFile = nil, "/var/run/secrets/azure/token" })},
		{name: "secret JWT", src: cc(func(c *ClientCredentials) {
			c.PrivateKey, c.ClientSecret, c.AuthStyle, c.AssertionLifetime = nil, testSecret, v1alpha1.AuthStyleSecretJWT, time.Minute
		})},
		{name: "resource as an extra param still works", src: cc(func(c *ClientCredentials) { c.ExtraParams = map[string]string{"resource": "https://api/"} })},
		{name: "secret and key", src: cc(func(c *ClientCredentials) { c.ClientSecret = testSecret }), wantErr: "clientCredentials: set one of clientSecret, privateKey and assertionFile, got clientSecret and privateKey"},
		{name: "key and file", src: cc(func(c *ClientCredentials) { c.AssertionFile = "/t" }), wantErr: "got privateKey and assertionFile"},
		{name: "none", src: cc(func(c *ClientCredentials) { c.PrivateKey = nil }), wantErr: "clientCredentials.clientSecret: required (or privateKey or assertionFile)"},
		{name: "key with Basic", src: cc(func(c *ClientCredentials) { c.AuthStyle = v1alpha1.AuthStyleBasic }), wantErr: "clientCredentials.authStyle: Basic needs a client secret; with privateKey use Form or JSON"},
		{name: "file with SecretJWT", src: cc(func(c *ClientCredentials) {
			c.PrivateKey, c.AssertionFile, c.AuthStyle = nil, "/t", v1alpha1.AuthStyleSecretJWT
		}), wantErr: "clientCredentials.authStyle: SecretJWT needs a client secret; with assertionFile"},
		{name: "unknown style", src: cc(func(c *ClientCredentials) { c.AuthStyle = "mTLS" }), wantErr: `clientCredentials.authStyle: "mTLS" is not one of Basic, Form, JSON, SecretJWT`},
		{name: "bad key", src: cc(func(c *ClientCredentials) {
			c.PrivateKey.Key = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----"
		}), wantErr: "clientCredentials.privateKey.key: "},
		{name: "bad algorithm", src: cc(func(c *ClientCredentials) { c.PrivateKey.Algorithm = RS256 }), wantErr: "clientCredentials.privateKey.algorithm: RS256 needs an RSA key"},
		{name: "relative file", src: cc(func(c *ClientCredentials) { c.PrivateKey, c.AssertionFile = nil, "token" }), wantErr: "clientCredentials.assertionFile: must be an absolute path"},
		{name: "lifetime too long", src: cc(func(c *ClientCredentials) { c.AssertionLifetime = 2 * time.Hour }), wantErr: "clientCredentials.assertionLifetime: must be between 10s and 1h0m0s"},
		{name: "lifetime too short", src: cc(func(c *ClientCredentials) { c.AssertionLifetime = time.Second }), wantErr: "clientCredentials.assertionLifetime: must be between"},
		{name: "audience without a signer", src: cc(func(c *ClientCredentials) { c.PrivateKey, c.ClientSecret, c.AssertionAudience = nil, testSecret, "x" }), wantErr: "clientCredentials.assertionAudience, assertionLifetime: only used with privateKey or authStyle SecretJWT"},
		{name: "lifetime with a file", src: cc(func(c *ClientCredentials) {
			c.PrivateKey, c.AssertionFile, c.AssertionLifetime = nil, "/t", time.Minute
		}), wantErr: "only used with privateKey"},
		{name: "relative resource", src: cc(func(c *ClientCredentials) { c.Resources = []string{"api"} }), wantErr: "clientCredentials.resources[0]: must be an absolute URI without a fragment"},
		{name: "resource with fragment", src: cc(func(c *ClientCredentials) { c.Resources = []string{"https://a/", "https://b/#x"} }), wantErr: "clientCredentials.resources[1]:"},
		{name: "resource twice", src: cc(func(c *ClientCredentials) {
			c.Resources, c.ExtraParams = []string{"https://a/"}, map[string]string{"resource": "https://b/"}
		}), wantErr: "clientCredentials.resources: also set as extraParams[resource]"},
		{name: "assertion param reserved", src: cc(func(c *ClientCredentials) { c.ExtraParams = map[string]string{"client_assertion": "x"} }), wantErr: "clientCredentials.extraParams[client_assertion]: set by the operator"},
		{name: "bad response unit", src: cc(func(c *ClientCredentials) { c.Response.ExpiresInUnit = -1 }), wantErr: "clientCredentials.response.expiresInUnit"},

		{name: "jwt bearer from file", src: jb(func(*JWTBearer) {})},
		{name: "jwt bearer, client and everything", src: jb(func(j *JWTBearer) {
			j.ClientID, j.ClientSecret, j.AuthStyle = "c", testSecret, v1alpha1.AuthStyleJSON
			j.Scopes, j.Audience, j.Resources = []string{"a"}, "aud", []string{"https://api/"}
			j.ExtraParams, j.ExtraHeaders = map[string]string{"tenant": "t"}, map[string]string{"X-Api-Key": testAPIKey}
			j.Response = ResponseFormat{ExpiresInUnit: time.Minute}
		})},
		{name: "jwt bearer signed", src: jb(func(j *JWTBearer) {
			j.AssertionFile, j.PrivateKey, j.Issuer, j.Subject, j.AssertionAudience = "", &PrivateKey{Key: keyText}, "i", "s", "https://issuer"
		})},
		{name: "jwt bearer with client secret JWT", src: jb(func(j *JWTBearer) {
			j.ClientID, j.ClientSecret, j.AuthStyle, j.AssertionLifetime = "c", testSecret, v1alpha1.AuthStyleSecretJWT, time.Minute
		})},
		{name: "jwt bearer without assertion", src: jb(func(j *JWTBearer) { j.AssertionFile = "" }), wantErr: "jwtBearer.assertionFile: required (or privateKey)"},
		{name: "jwt bearer both", src: jb(func(j *JWTBearer) { j.PrivateKey = &PrivateKey{Key: keyText} }), wantErr: "jwtBearer: set one of assertionFile and privateKey"},
		{name: "jwt bearer no token URL", src: jb(func(j *JWTBearer) { j.TokenURL = "" }), wantErr: "jwtBearer.tokenURL: required"},
		{name: "jwt bearer relative file", src: jb(func(j *JWTBearer) { j.AssertionFile = "./token" }), wantErr: "jwtBearer.assertionFile: must be an absolute path"},
		{name: "jwt bearer issuer with file", src: jb(func(j *JWTBearer) { j.Issuer = "i" }), wantErr: "jwtBearer.issuer, subject: only used with privateKey"},
		{name: "jwt bearer signed without issuer", src: jb(func(j *JWTBearer) { j.AssertionFile, j.PrivateKey, j.Subject = "", &PrivateKey{Key: keyText}, "s" }), wantErr: "jwtBearer.issuer: required with privateKey"},
		{name: "jwt bearer signed without subject", src: jb(func(j *JWTBearer) { j.AssertionFile, j.PrivateKey, j.Issuer = "", &PrivateKey{Key: keyText}, "i" }), wantErr: "jwtBearer.subject: required with privateKey"},
		{name: "jwt bearer bad key", src: jb(func(j *JWTBearer) {
			j.AssertionFile, j.PrivateKey, j.Issuer, j.Subject = "", &PrivateKey{Key: "x"}, "i", "s"
		}), wantErr: "jwtBearer.privateKey.key: neither PEM nor a JWK"},
		{name: "jwt bearer secret without client", src: jb(func(j *JWTBearer) { j.ClientSecret = testSecret }), wantErr: "jwtBearer.clientID: required with clientSecret"},
		{name: "jwt bearer Basic without secret", src: jb(func(j *JWTBearer) { j.ClientID, j.AuthStyle = "c", v1alpha1.AuthStyleBasic }), wantErr: "jwtBearer.authStyle: Basic needs a client secret; with no client secret use Form or JSON"},
		{name: "jwt bearer audience unused", src: jb(func(j *JWTBearer) { j.AssertionAudience = "x" }), wantErr: "jwtBearer.assertionAudience, assertionLifetime: only used"},
		{name: "jwt bearer reserved param", src: jb(func(j *JWTBearer) { j.ExtraParams = map[string]string{"assertion": "x"} }), wantErr: "jwtBearer.extraParams[assertion]"},
		{name: "jwt bearer reserved header", src: jb(func(j *JWTBearer) { j.ExtraHeaders = map[string]string{"Host": "x"} }), wantErr: "jwtBearer.extraHeaders[Host]"},
		{name: "jwt bearer and client credentials", src: Source{JWTBearer: &JWTBearer{}, ClientCredentials: &ClientCredentials{}}, wantErr: "got clientCredentials and jwtBearer"},
	}
	checkValidate(t, tests, keyText)
}

func TestFingerprintCoversNewFields(t *testing.T) {
	keyText := sec1PEM(t, testECKey())
	base := func() Source {
		return Source{JWTBearer: &JWTBearer{TokenURL: "https://x/token", PrivateKey: &PrivateKey{Key: keyText, KeyID: "k"}, Issuer: "i", Subject: "s"}} //nolint:gosec // G101: a token endpoint URL, not a credential
	}
	fp := base().fingerprint()
	changes := map[string]func(j *JWTBearer){
		"key":       func(j *JWTBearer) { j.PrivateKey.Key = pkcs1PEM(testRSAKey()) },
		"kid":       func(j *JWTBearer) { j.PrivateKey.KeyID = "k2" },
		"issuer":    func(j *JWTBearer) { j.Issuer = "i2" },
		"audience":  func(j *JWTBearer) { j.AssertionAudience = "a" },
		"lifetime":  func(j *JWTBearer) { j.AssertionLifetime = time.Minute },
		"resources": func(j *JWTBearer) { j.Resources = []string{"https://r/"} },
		"response":  func(j *JWTBearer) { j.Response.DefaultLifetime = time.Minute },
		"file":      func(j *JWTBearer) { j.PrivateKey, j.AssertionFile = nil, "/t" },
	}
	for name, change := range changes {
		s := base()
		change(s.JWTBearer)
		if s.fingerprint() == fp {
			t.Errorf("changing the %s keeps the fingerprint", name)
		}
	}
	if strings.Contains(fp, "BEGIN") {
		t.Error("fingerprint holds the key")
	}
}

func TestConfigurationsNeverPrintSecrets(t *testing.T) {
	keyText := pkcs8PEM(t, testRSAKey())
	srcs := []Source{
		{BearerToken: testSecret},
		{InitialAccessToken: testSecret},
		{ClientCredentials: &ClientCredentials{ClientID: "id", ClientSecret: testSecret, ExtraHeaders: map[string]string{"X-Api-Key": testAPIKey}}},
		{ClientCredentials: &ClientCredentials{ClientID: "id", PrivateKey: &PrivateKey{Key: keyText}}},
		{JWTBearer: &JWTBearer{ClientID: "id", ClientSecret: testSecret, PrivateKey: &PrivateKey{Key: keyText}, ExtraHeaders: map[string]string{"X-Api-Key": testAPIKey}}},
	}
	for i, s := range srcs {
		var out []string
		out = append(out, fmt.Sprintf("%v|%+v|%#v|%s", s, s, s, s), fmt.Sprint(s.MarshalLog()))
		if s.ClientCredentials != nil {
			out = append(out, fmt.Sprintf("%v|%+v|%#v", s.ClientCredentials, *s.ClientCredentials, s.ClientCredentials), fmt.Sprint(s.ClientCredentials.MarshalLog()))
		}
		if s.JWTBearer != nil {
			out = append(out, fmt.Sprintf("%v|%+v|%#v", s.JWTBearer, *s.JWTBearer, s.JWTBearer), fmt.Sprint(s.JWTBearer.MarshalLog()))
		}
		for _, o := range out {
			assertNoSecret(t, o)
			assertNoKeyMaterial(t, o, keyText)
			if !strings.Contains(o, redacted) {
				t.Errorf("source %d printed as %q: no sign the secret was there", i, o)
			}
		}
	}
}
