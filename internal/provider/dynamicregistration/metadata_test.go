package dynamicregistration

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestMetadata(t *testing.T) {
	tests := []struct {
		name    string
		spec    provider.ClientSpec
		want    string
		wantErr string
	}{
		{
			name: "client credentials",
			spec: provider.ClientSpec{ClientName: "svc", Description: "dropped", Audience: []string{"https://api.example.com"},
				GrantTypes: []string{"client_credentials"}, Scopes: []string{"a", "b"}, TokenEndpointAuthMethod: "client_secret_basic"},
			want: `{"audience":["https://api.example.com"],"client_name":"svc","grant_types":["client_credentials"],"response_types":[],"scope":"a b","token_endpoint_auth_method":"client_secret_basic"}`,
		},
		{
			name: "authorization code",
			spec: provider.ClientSpec{GrantTypes: []string{"authorization_code", "refresh_token"}, RedirectURIs: []string{"https://a/cb"}},
			want: `{"grant_types":["authorization_code","refresh_token"],"redirect_uris":["https://a/cb"],"response_types":["code"]}`,
		},
		{
			name: "extras",
			spec: provider.ClientSpec{Extra: map[string]string{"software_id": "x", "logo_uri": "https://l"}},
			want: `{"logo_uri":"https://l","response_types":[],"software_id":"x"}`,
		},
		{name: "reserved extra", spec: provider.ClientSpec{Extra: map[string]string{"scope": "x"}}, wantErr: `"scope"`},
		{name: "credential extra", spec: provider.ClientSpec{Extra: map[string]string{"registration_access_token": "x"}}, wantErr: "registration_access_token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := metadata(tt.spec)
			if tt.wantErr != "" {
				if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("metadata error = %v, want invalid metadata containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, _ := json.Marshal(m)
			if string(got) != tt.want {
				t.Errorf("metadata = %s\nwant       %s", got, tt.want)
			}
		})
	}
}

func TestParseClientInfo(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    clientInfo
		wantErr string
	}{
		{
			name: "full",
			body: `{"client_id":"c1","client_secret":"s","client_secret_expires_at":1900000000,"client_id_issued_at":1,
				"registration_access_token":"r","registration_client_uri":"https://a/reg/c1","client_name":"n",
				"grant_types":["client_credentials"],"scope":" a  b ","redirect_uris":null,"token_endpoint_auth_method":"client_secret_post",
				"response_types":[],"application_type":"web","jwks":{"keys":[]},"logo_uri":null}`,
			want: clientInfo{ClientID: "c1", ClientSecret: "s", SecretExpiresAt: time.Unix(1900000000, 0).UTC(),
				RegistrationAccessToken: "r", RegistrationClientURI: "https://a/reg/c1",
				Spec: provider.ClientSpec{ClientName: "n", GrantTypes: []string{"client_credentials"}, Scopes: []string{"a", "b"},
					TokenEndpointAuthMethod: "client_secret_post", JWKS: json.RawMessage(`{"keys":[]}`), Extra: map[string]string{"application_type": "web"}}},
		},
		{name: "no expiry", body: `{"client_id":"c1","client_secret_expires_at":0}`, want: clientInfo{ClientID: "c1"}},
		{name: "not an object", body: `"x"`, wantErr: "not a JSON object"},
		{name: "null", body: `null`, wantErr: "not a JSON object"},
		{name: "secret of wrong type", body: `{"client_secret":{"v":"s"}}`, wantErr: "client_secret has the wrong type"},
		{name: "negative expiry", body: `{"client_secret_expires_at":-1}`, wantErr: "out of range"},
		{name: "huge expiry", body: `{"client_secret_expires_at":1e300}`, wantErr: "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseClientInfo([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseClientInfo error = %v, want containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("parseClientInfo =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}

func TestNeedsSecret(t *testing.T) {
	tests := []struct {
		returned, requested string
		want                bool
	}{
		{"", "", true},
		{"", "client_secret_post", true},
		{"client_secret_jwt", "", true},
		{"none", "client_secret_basic", false},
		{"", "none", false},
		{"private_key_jwt", "", false},
	}
	for _, tt := range tests {
		c := clientInfo{Spec: provider.ClientSpec{TokenEndpointAuthMethod: tt.returned}}
		if got := c.needsSecret(tt.requested); got != tt.want {
			t.Errorf("needsSecret(returned %q, requested %q) = %t, want %t", tt.returned, tt.requested, got, tt.want)
		}
	}
}
