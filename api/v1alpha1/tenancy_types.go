package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DurationPattern is what a Go duration string looks like (720h, 1h30m,
// 90s), the form metav1.Duration accepts. CEL rules match it before they
// convert a value with duration(), so a garbage value is refused with a
// message that names the field rather than a type-conversion error.
const DurationPattern = `^[-+]?(0|([0-9]+(\.[0-9]*)?(ns|us|ms|s|m|h))+)$`

// TenancyPolicy says who may use a server and what their clients may ask
// for. It is inlined in AuthServerSpec; namespaceSelector, namespaces and
// onAccessLost are for ClusterAuthServer only (an AuthServer serves its own
// namespace).
type TenancyPolicy struct {
	// NamespaceSelector limits the namespaces whose OAuthClients may use
	// this ClusterAuthServer to those whose labels match. Empty or unset,
	// with namespaces unset too: every namespace, as before. When both are
	// set, a namespace that matches either may use the server. An
	// OAuthClient of another namespace gets Ready=False with reason
	// ServerNotAllowed and nothing is registered for it.
	// +optional
	// +kubebuilder:validation:XValidation:rule="!has(self.matchExpressions) || self.matchExpressions.all(e, e.operator in ['In', 'NotIn', 'Exists', 'DoesNotExist'] && ((e.operator in ['In', 'NotIn']) == (has(e.values) && size(e.values) > 0)))",message="matchExpressions operators are In and NotIn (with values) or Exists and DoesNotExist (without)"
	NamespaceSelector *metav1.LabelSelector `json:"namespaceSelector,omitempty"`

	// Namespaces names namespaces that may use this ClusterAuthServer, in
	// addition to those namespaceSelector matches.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=256
	// +kubebuilder:validation:items:MaxLength=63
	// +kubebuilder:validation:items:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	Namespaces []string `json:"namespaces,omitempty"`

	// OnAccessLost says what happens to the registered client of an
	// OAuthClient whose namespace may no longer use this ClusterAuthServer
	// (its labels or the selector changed): Keep (the default) reports it
	// with reason ServerNotAllowed and changes nothing at the server, so
	// its credentials keep working until someone acts; Delete also deletes
	// the client at the server and removes client_secret from its Secret.
	// +optional
	OnAccessLost AccessLostPolicy `json:"onAccessLost,omitempty"`

	// ClientPolicy limits what the OAuthClients using this server may ask
	// for. An OAuthClient outside it gets Ready=False with reason
	// PolicyViolation, naming each field and value refused; nothing is
	// registered, and for a client already registered nothing changes at
	// the server until the manifest or the policy is fixed. Unset: no
	// limits.
	// +optional
	ClientPolicy *ClientPolicy `json:"clientPolicy,omitempty"`
}

// AccessLostPolicy is what happens to a client whose namespace lost access
// to its ClusterAuthServer.
// +kubebuilder:validation:Enum=Keep;Delete
type AccessLostPolicy string

const (
	// AccessLostKeep reports the client and leaves it registered.
	AccessLostKeep AccessLostPolicy = "Keep"
	// AccessLostDelete deletes the client at the server.
	AccessLostDelete AccessLostPolicy = "Delete"
)

// ClientPolicy is what OAuthClients using a server may ask for. Each field
// left unset allows anything; a list that is set allows only what it
// names.
type ClientPolicy struct {
	// GrantTypes a client may use.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=8
	// +kubebuilder:validation:items:Enum=client_credentials;authorization_code;refresh_token;urn:ietf:params:oauth:grant-type:device_code;urn:ietf:params:oauth:grant-type:jwt-bearer;urn:ietf:params:oauth:grant-type:token-exchange
	GrantTypes []string `json:"grantTypes,omitempty"`

	// Scopes a client may ask for: exact names, or patterns in which *
	// stands for any run of characters (orders.* allows orders.read and
	// orders.write).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=128
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[\x21\x23-\x5B\x5D-\x7E]+$`
	Scopes []string `json:"scopes,omitempty"`

	// Audiences a client may ask for: exact values, or patterns in which *
	// stands for any run of characters (https://api.example.com/*).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=2048
	Audiences []string `json:"audiences,omitempty"`

	// RedirectURIs are patterns a client's redirect URIs must match, such
	// as https://*.apps.example.com/*. The scheme must be the same; in the
	// host (with its port), * stands for any run of letters, digits, '-'
	// and '.'; after the host, * stands for anything. A pattern without a
	// path matches URIs without one.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:XValidation:rule="self.matches('^https?://[^/?#@]+([/?#].*)?$')",message="redirect URI patterns are absolute http(s) URL patterns such as https://*.apps.example.com/*"
	RedirectURIs []string `json:"redirectURIs,omitempty"`

	// AllowPublicClients says whether clients may be public
	// (tokenEndpointAuthMethod: none, no secret). Unset: allowed.
	// +optional
	AllowPublicClients *bool `json:"allowPublicClients,omitempty"`

	// MaxRotationInterval makes rotation required: every confidential
	// client must set spec.rotation.interval, at most this long (e.g.
	// 2160h). Public clients have no secret to rotate and are exempt.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$')",message="maxRotationInterval must be a duration such as 720h"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || duration(self) > duration('0s')",message="maxRotationInterval must be positive"
	MaxRotationInterval *metav1.Duration `json:"maxRotationInterval,omitempty"`
}
