package mgmtauth

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	valid := func(change func(c *ClientCredentials)) Source {
		c := &ClientCredentials{
			TokenURL:     "https://auth.example.test/oauth/token",
			ClientID:     "operator",
			ClientSecret: testSecret,
		}
		change(c)
		return Source{ClientCredentials: c}
	}
	tests := []struct {
		name    string
		src     Source
		wantErr string
	}{
		{name: "initial access token", src: Source{InitialAccessToken: "iat"}},
		{name: "bearer token", src: Source{BearerToken: "tok"}},
		{name: "client credentials", src: valid(func(*ClientCredentials) {})},
		{name: "client credentials, all fields", src: valid(func(c *ClientCredentials) {
			c.AuthStyle = AuthStyleJSON
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
		})
	}
}

func TestFingerprint(t *testing.T) {
	base := func() Source {
		return Source{ClientCredentials: &ClientCredentials{
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
		"auth style":  func(c *ClientCredentials) { c.AuthStyle = AuthStyleForm },
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
