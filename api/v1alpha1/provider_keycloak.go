package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KeycloakProvider manages clients through Keycloak's Admin REST API
// ({baseURL}{adminPathPrefix}/admin/realms/{realm}/clients). The
// AuthServer's issuerURL is the realm's issuer, {baseURL}/realms/{realm},
// whose token endpoint goes into delivered Secrets. The operator logs in
// with spec.credentials.clientCredentials: a confidential client with a
// service account holding the realm-management roles listed in
// docs/providers/keycloak.md; set its tokenURL when that client lives in
// another realm (for example master).
type KeycloakProvider struct {
	// BaseURL is Keycloak's base URL, without /admin or /realms: for example
	// https://keycloak.example.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="baseURL must be an absolute http(s) URL"
	// +kubebuilder:validation:XValidation:rule="!self.matches('/(admin|realms)(/.*)?$')",message="baseURL is Keycloak's base URL: leave out /admin and /realms, the operator adds them"
	BaseURL string `json:"baseURL"`

	// Realm is the realm the operator creates clients in.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:XValidation:rule="!self.matches('[/?#%\\\\s]')",message="realm must not contain /, ?, #, %, \\ or spaces"
	Realm string `json:"realm"`

	// AdminPathPrefix is put before /admin: /auth for distributions older
	// than Keycloak 17 (WildFly), which serve /auth/admin/realms/...
	// Default: none.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^(/[A-Za-z0-9._~-]+)+$`
	AdminPathPrefix string `json:"adminPathPrefix,omitempty"`

	// SecretRotation says that the realm has a client policy with the
	// secret-rotation executor that applies to the operator's clients:
	// Keycloak then keeps a client's previous secret valid after a
	// regeneration (the "rotated secret"), and rotation uses the Overlap
	// strategy. Leave it out when the realm has no such policy.
	// +optional
	SecretRotation *KeycloakSecretRotation `json:"secretRotation,omitempty"`
}

// KeycloakSecretRotation mirrors the realm's secret-rotation executor.
type KeycloakSecretRotation struct {
	// RotatedSecretLifetime is the executor's rotated secret expiration
	// period: how long Keycloak keeps the previous secret valid after a
	// regeneration. The operator revokes the previous secret when the
	// OAuthClient's grace period ends, or Keycloak expires it after this
	// long, whichever comes first.
	RotatedSecretLifetime metav1.Duration `json:"rotatedSecretLifetime"`
}

// KeycloakClientOptions are settings of one client at Keycloak beyond the
// common fields (spec.providerOptions.keycloak).
type KeycloakClientOptions struct {
	// ServiceAccountRealmRoles are realm roles given to the client's
	// service account. The operator adds and removes only the roles it
	// gave; roles an administrator assigned stay.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	ServiceAccountRealmRoles []string `json:"serviceAccountRealmRoles,omitempty"`

	// ServiceAccountClientRoles are roles of other clients given to the
	// client's service account, by the other client's clientId.
	// +optional
	// +listType=map
	// +listMapKey=clientID
	// +kubebuilder:validation:MaxItems=32
	ServiceAccountClientRoles []KeycloakClientRoles `json:"serviceAccountClientRoles,omitempty"`

	// OptionalClientScopes are client scopes of the realm the client may
	// request (spec.scopes are its default client scopes).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	OptionalClientScopes []string `json:"optionalClientScopes,omitempty"`

	// Attributes are extra client attributes, such as
	// access.token.lifespan. Keys the operator manages itself (the
	// ownership marker, client.secret.*, the grant switches) are refused.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	// +kubebuilder:validation:XValidation:rule="self.all(k, !k.startsWith('client.secret.') && !k.startsWith('oauth.clientoperator.io/') && !(k in ['oauth2.device.authorization.grant.enabled', 'use.refresh.tokens', 'standard.token.exchange.enabled']))",message="attributes must not set keys the operator manages: client.secret.*, oauth.clientoperator.io/*, oauth2.device.authorization.grant.enabled, use.refresh.tokens, standard.token.exchange.enabled"
	Attributes map[string]string `json:"attributes,omitempty"`
}

// KeycloakClientRoles are roles of one client of the realm.
type KeycloakClientRoles struct {
	// ClientID is the clientId of the client that defines the roles.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	ClientID string `json:"clientID"`

	// Roles are the names of that client's roles.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=255
	Roles []string `json:"roles"`
}
