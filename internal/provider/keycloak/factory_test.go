package keycloak_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak"
)

func TestFactoryRefusesABadBlockNamingTheField(t *testing.T) {
	cases := []struct {
		name  string
		block v1alpha1.KeycloakProvider
		want  string
	}{
		{"relative base URL", v1alpha1.KeycloakProvider{BaseURL: "keycloak.example.com", Realm: "apps"}, "spec.keycloak.baseURL"},
		{"base URL with /admin", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com/admin", Realm: "apps"}, "spec.keycloak.baseURL"},
		{"base URL with /realms", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com/realms/apps", Realm: "apps"}, "spec.keycloak.baseURL"},
		{"no realm", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com"}, "spec.keycloak.realm"},
		{"realm with a slash", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com", Realm: "a/b"}, "spec.keycloak.realm"},
		{"prefix without slash", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com", Realm: "apps", AdminPathPrefix: "auth"}, "spec.keycloak.adminPathPrefix"},
		{"zero rotated lifetime", v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com", Realm: "apps", SecretRotation: &v1alpha1.KeycloakSecretRotation{}}, "spec.keycloak.secretRotation.rotatedSecretLifetime"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := keycloak.Factory(t.Context(), provider.Config{Block: &c.block})
			if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Factory: %v; want InvalidMetadata naming %s", err, c.want)
			}
		})
	}
}

func TestFactoryCapabilitiesFollowTheRotationPolicy(t *testing.T) {
	plain, err := keycloak.Factory(t.Context(), provider.Config{Block: &v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com", Realm: "apps"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := plain.Capabilities(); c.OverlapSecrets || !c.RegenerateSecret || !c.NativeDisable || !c.SecretReadable {
		t.Errorf("without secretRotation: %+v", c)
	}
	rotating, err := keycloak.Factory(t.Context(), provider.Config{Block: &v1alpha1.KeycloakProvider{BaseURL: "https://kc.example.com", Realm: "apps",
		SecretRotation: &v1alpha1.KeycloakSecretRotation{RotatedSecretLifetime: metav1.Duration{Duration: 2 * time.Hour}}}})
	if err != nil {
		t.Fatal(err)
	}
	if c := rotating.Capabilities(); !c.OverlapSecrets || c.MaxSecrets != 2 || !c.SecretExpiry {
		t.Errorf("with secretRotation: %+v", c)
	}
	if got := rotating.(*keycloak.Provider).RotatedSecretLifetime(); got != 2*time.Hour {
		t.Errorf("RotatedSecretLifetime = %s", got)
	}
}
