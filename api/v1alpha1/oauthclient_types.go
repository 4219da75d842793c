package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OAuthClientSpec is the desired OAuth client and the Secret that delivers its
// credentials.
// +kubebuilder:validation:XValidation:rule="!has(self.grantTypes) || !self.grantTypes.exists(g, g == 'authorization_code') || (has(self.redirectURIs) && size(self.redirectURIs) > 0)",message="redirectURIs is required when grantTypes contains authorization_code",fieldPath=".redirectURIs"
// +kubebuilder:validation:XValidation:rule="!has(self.tokenEndpointAuthMethod) || self.tokenEndpointAuthMethod != 'none' || !has(self.grantTypes) || !self.grantTypes.exists(g, g == 'client_credentials')",message="tokenEndpointAuthMethod none (a public client, without a secret) cannot use the client_credentials grant",fieldPath=".tokenEndpointAuthMethod"
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsFrom) || !has(self.tokenEndpointAuthMethod) || !(self.tokenEndpointAuthMethod in ['none', 'private_key_jwt'])",message="spec.credentialsFrom brings a client secret: it cannot be used with tokenEndpointAuthMethod none or private_key_jwt",fieldPath=".credentialsFrom"
// +kubebuilder:validation:XValidation:rule="!has(self.credentialsFrom) || !has(self.secretName) || self.credentialsFrom.secretName != self.secretName",message="spec.credentialsFrom.secretName must not be the delivered Secret (spec.secretName): the operator never writes the source",fieldPath=".credentialsFrom.secretName"
// +kubebuilder:validation:XValidation:rule="!has(self.clientID) || !has(self.credentialsFrom) || !has(self.credentialsFrom.clientIDKey)",message="spec.clientID and spec.credentialsFrom.clientIDKey both name the client ID: set one of them",fieldPath=".clientID"
// +kubebuilder:validation:XValidation:rule="!has(self.keys) || (has(self.tokenEndpointAuthMethod) && self.tokenEndpointAuthMethod == 'private_key_jwt')",message="keys is only for tokenEndpointAuthMethod private_key_jwt",fieldPath=".keys"
// +kubebuilder:validation:XValidation:rule="has(self.secretName) == has(oldSelf.secretName) && (!has(self.secretName) || self.secretName == oldSelf.secretName)",message="secretName is immutable",fieldPath=".secretName"
// +kubebuilder:validation:XValidation:rule="has(self.clientID) == has(oldSelf.clientID) && (!has(self.clientID) || self.clientID == oldSelf.clientID)",message="spec.clientID is immutable: it cannot be set, changed or removed after creation; create a new OAuthClient instead",fieldPath=".clientID"
// +kubebuilder:validation:XValidation:rule="!has(self.clientID) || !has(self.rotation) || !has(self.rotation.strategy) || self.rotation.strategy != 'Replace'",message="spec.rotation.strategy Replace registers a second client, which cannot share spec.clientID; use Auto, Overlap or Regenerate",fieldPath=".rotation.strategy"
type OAuthClientSpec struct {
	// ServerRef names the AuthServer or ClusterAuthServer that registers this
	// client. It cannot be changed: create a new OAuthClient instead.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="serverRef is immutable"
	ServerRef ServerReference `json:"serverRef"`

	// ClientID is the client ID to register, at a server that lets the
	// caller choose it (Hydra, Keycloak, Okta, Asgardeo): deleting and
	// re-applying the same manifest then yields the same client ID. A
	// server that cannot honour it refuses the client (Ready=False naming
	// spec.clientID) before anything is registered. Letters, digits, '.',
	// '_', '~' and '-', beginning and ending with a letter or digit.
	// Immutable.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=100
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9]([A-Za-z0-9._~-]*[A-Za-z0-9])?$`
	ClientID string `json:"clientID,omitempty"`

	// Adoption says what happens when a client with spec.clientID already
	// exists at the server and this OAuthClient has no record of it.
	// +optional
	Adoption *Adoption `json:"adoption,omitempty"`

	// ClientName is the display name registered at the server. Defaults to
	// <namespace>/<name>.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	ClientName string `json:"clientName,omitempty"`

	// Description is registered where the server supports it.
	// +optional
	// +kubebuilder:validation:MaxLength=1024
	Description string `json:"description,omitempty"`

	// GrantTypes the client may use.
	// +optional
	// +listType=set
	// +kubebuilder:default={client_credentials}
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:Enum=client_credentials;authorization_code;refresh_token;urn:ietf:params:oauth:grant-type:device_code;urn:ietf:params:oauth:grant-type:jwt-bearer;urn:ietf:params:oauth:grant-type:token-exchange
	GrantTypes []string `json:"grantTypes,omitempty"`

	// Scopes the client may request (RFC 6749 scope tokens, no spaces).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[\x21\x23-\x5B\x5D-\x7E]+$`
	Scopes []string `json:"scopes,omitempty"`

	// Audience the client's tokens are for, where the server supports it.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=2048
	Audience []string `json:"audience,omitempty"`

	// RedirectURIs for the authorization_code grant: https, or http on a
	// loopback address.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:XValidation:rule="isURL(self) && (url(self).getScheme() == 'https' || (url(self).getScheme() == 'http' && url(self).getHostname() in ['localhost', '127.0.0.1', '::1']))",message="redirect URI must be an absolute https URL (http only for localhost, 127.0.0.1 or [::1])"
	RedirectURIs []string `json:"redirectURIs,omitempty"`

	// TokenEndpointAuthMethod is how the client authenticates at the token
	// endpoint. none makes a public client: no secret is issued.
	// private_key_jwt makes a key-based client: the operator generates a
	// key pair (spec.keys), registers only the public key and delivers the
	// private key; no secret is issued (docs/key-based-clients.md).
	// +optional
	// +kubebuilder:default=client_secret_basic
	// +kubebuilder:validation:Enum=client_secret_basic;client_secret_post;none;private_key_jwt
	TokenEndpointAuthMethod string `json:"tokenEndpointAuthMethod,omitempty"`

	// Keys is the key pair of a private_key_jwt client; only with
	// tokenEndpointAuthMethod private_key_jwt. Defaults to ES256.
	// +optional
	Keys *ClientKeys `json:"keys,omitempty"`

	// ExtraMetadata is provider-specific registration metadata, passed to the
	// server as given.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	ExtraMetadata map[string]string `json:"extraMetadata,omitempty"`

	// ProviderOptions are settings of one kind of server that the common
	// fields cannot say. At most one block is set, and it must be the block
	// of the server's own kind (spec.serverRef), else the client is not
	// registered and its Ready condition names the field.
	// +optional
	ProviderOptions *ProviderOptions `json:"providerOptions,omitempty"`

	// SecretName is the Secret that receives the credentials. Defaults to the
	// OAuthClient's name. Immutable.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName,omitempty"`

	// SecretTemplate adds labels, annotations and rendered keys to the Secret
	// and can rename its standard keys.
	// +optional
	SecretTemplate *SecretTemplate `json:"secretTemplate,omitempty"`

	// Rotation schedules secret rotation.
	// +optional
	Rotation *RotationPolicy `json:"rotation,omitempty"`

	// Disabled switches the client off at the server while keeping this
	// resource.
	// +optional
	Disabled bool `json:"disabled,omitempty"`

	// DeletionPolicy says what happens to the remote client and the Secret
	// when this resource is deleted: Delete removes both, Orphan keeps both.
	// +optional
	// +kubebuilder:default=Delete
	DeletionPolicy DeletionPolicy `json:"deletionPolicy,omitempty"`

	// RolloutTargets are workloads in this namespace to restart when the
	// credentials change.
	// +optional
	// +kubebuilder:validation:MaxItems=16
	RolloutTargets []WorkloadReference `json:"rolloutTargets,omitempty"`

	// CredentialsFrom brings the client's credentials from a Secret the
	// user or another tool fills, instead of letting the server issue them
	// (see CredentialsFrom). Required on a preRegistered server.
	// +optional
	CredentialsFrom *CredentialsFrom `json:"credentialsFrom,omitempty"`
}

// ServerReference names an AuthServer in the same namespace or a
// ClusterAuthServer.
type ServerReference struct {
	// Kind is AuthServer or ClusterAuthServer.
	// +optional
	// +kubebuilder:default=AuthServer
	Kind ServerKind `json:"kind,omitempty"`

	// Name of the server resource.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// SecretTemplate shapes the delivered Secret.
type SecretTemplate struct {
	// Labels added to the Secret: Kubernetes label keys and values.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) <= 317 && k.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'))",message="label keys must be qualified names: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit"
	Labels map[string]LabelValue `json:"labels,omitempty"`

	// Annotations added to the Secret: keys are Kubernetes qualified names.
	// +optional
	// +kubebuilder:validation:MaxProperties=64
	// +kubebuilder:validation:XValidation:rule="self.all(k, size(k) <= 317 && k.matches(r'^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$'))",message="annotation keys must be qualified names: an optional DNS subdomain prefix and '/', then at most 63 letters, digits, '-', '_' or '.', beginning and ending with a letter or digit"
	Annotations map[string]string `json:"annotations,omitempty"`

	// Keys renames the standard keys.
	// +optional
	Keys *SecretKeys `json:"keys,omitempty"`

	// Data are extra keys rendered with Go templates from .ClientID,
	// .ClientSecret, .TokenURL, .Issuer and .Scope (and, for a
	// private_key_jwt client, .PrivateKeyPEM and .KeyID), e.g. a properties
	// file.
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[-._a-zA-Z0-9]+$') && size(k) <= 253)",message="keys must be valid Secret keys: letters, digits, '-', '_' and '.'"
	Data map[string]string `json:"data,omitempty"`
}

// LabelValue is a Kubernetes label value: empty, or at most 63 letters,
// digits, '-', '_' or '.', beginning and ending with a letter or digit.
// +kubebuilder:validation:MaxLength=63
// +kubebuilder:validation:Pattern=`^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$`
type LabelValue string

// SecretKeys are the key names used in the Secret.
type SecretKeys struct {
	// ClientID key; default client_id.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	ClientID string `json:"clientID,omitempty"`
	// ClientSecret key; default client_secret.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	ClientSecret string `json:"clientSecret,omitempty"`
	// TokenURL key; default token_url.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	TokenURL string `json:"tokenURL,omitempty"`
	// Issuer key; default issuer.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	Issuer string `json:"issuer,omitempty"`
	// Scope key; default scope.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	Scope string `json:"scope,omitempty"`
	// PrivateKeyPEM key of a private_key_jwt client (PKCS#8 PEM); default
	// private_key.pem.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	PrivateKeyPEM string `json:"privateKeyPEM,omitempty"`
	// PrivateKeyJWK key of a private_key_jwt client (the private JWK);
	// default private_key.jwk.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	PrivateKeyJWK string `json:"privateKeyJWK,omitempty"`
	// KeyID key of a private_key_jwt client (the kid to send in the JWT
	// header); default kid.
	// +optional
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	// +kubebuilder:validation:MaxLength=253
	KeyID string `json:"keyID,omitempty"`
}

// RotationPolicy schedules secret rotation.
// +kubebuilder:validation:XValidation:rule="!has(self.gracePeriod) || !has(self.interval) || !self.gracePeriod.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || !self.interval.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || duration(self.gracePeriod) < duration(self.interval)",message="gracePeriod must be shorter than interval",fieldPath=".gracePeriod"
type RotationPolicy struct {
	// Interval between rotations, e.g. 720h. No scheduled rotation when
	// empty.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$')",message="interval must be a duration such as 720h"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || duration(self) > duration('0s')",message="interval must be positive"
	Interval *metav1.Duration `json:"interval,omitempty"`

	// GracePeriod the old credentials keep working after a rotation.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$')",message="gracePeriod must be a duration such as 1h"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || duration(self) >= duration('0s')",message="gracePeriod must not be negative"
	GracePeriod *metav1.Duration `json:"gracePeriod,omitempty"`

	// Strategy is Regenerate, Overlap, Replace, or Auto: the best
	// zero-downtime strategy the server allows.
	// +optional
	// +kubebuilder:default=Auto
	Strategy RotationStrategy `json:"strategy,omitempty"`
}

// WorkloadReference names a workload to restart.
type WorkloadReference struct {
	// Kind is Deployment, StatefulSet or DaemonSet.
	Kind WorkloadKind `json:"kind"`
	// Name of the workload.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	Name string `json:"name"`
}

// OAuthClientStatus is the observed state of an OAuthClient. All of it can be
// rebuilt from the Secret and the server.
type OAuthClientStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready is True when the Secret holds working credentials.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// ClientID is the identifier the server assigned.
	// +optional
	ClientID string `json:"clientID,omitempty"`

	// SecretName is the Secret holding the credentials.
	// +optional
	SecretName string `json:"secretName,omitempty"`

	// SecretVersion counts credential changes; it matches the Secret's
	// oauth.clientoperator.io/version annotation.
	// +optional
	SecretVersion int64 `json:"secretVersion,omitempty"`

	// LastRotationTime is when the credentials were last rotated.
	// +optional
	LastRotationTime *metav1.Time `json:"lastRotationTime,omitempty"`

	// NextRotationTime is when the next scheduled rotation is due.
	// +optional
	NextRotationTime *metav1.Time `json:"nextRotationTime,omitempty"`

	// LastRotationReason says why the last rotation happened.
	// +optional
	LastRotationReason string `json:"lastRotationReason,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=oac
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Client ID",type=string,JSONPath=`.status.clientID`
// +kubebuilder:printcolumn:name="Secret",type=string,JSONPath=`.status.secretName`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// OAuthClient is an OAuth 2.0 client registered at an authorization server,
// with its credentials delivered into a Secret.
type OAuthClient struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec is the desired client.
	Spec OAuthClientSpec `json:"spec"`
	// Status is the observed state.
	// +optional
	Status OAuthClientStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// OAuthClientList is a list of OAuthClients.
type OAuthClientList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []OAuthClient `json:"items"`
}
