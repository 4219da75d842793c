package provider

import (
	"reflect"
	"testing"
)

func TestPutMetadata(t *testing.T) {
	m := map[string]any{"other": "kept"}
	PutMetadata(m, ClientSpec{
		ClientName:              "app",
		GrantTypes:              []string{"client_credentials"},
		Scopes:                  []string{"read", "write"},
		RedirectURIs:            []string{"https://app.example/cb"},
		TokenEndpointAuthMethod: "client_secret_basic",
	})
	want := map[string]any{
		"other":                      "kept",
		"client_name":                "app",
		"grant_types":                []string{"client_credentials"},
		"scope":                      "read write",
		"redirect_uris":              []string{"https://app.example/cb"},
		"token_endpoint_auth_method": "client_secret_basic",
	}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("PutMetadata = %v, want %v", m, want)
	}

	empty := map[string]any{}
	PutMetadata(empty, ClientSpec{})
	if len(empty) != 0 {
		t.Errorf("PutMetadata of an empty spec set %v", empty)
	}
}
