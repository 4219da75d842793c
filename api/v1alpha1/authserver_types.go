package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AuthServerSpec describes an authorization server and how the operator
// manages clients at it. AuthServer and ClusterAuthServer share it.
// +kubebuilder:validation:XValidation:rule="!isURL(self.issuerURL) || url(self.issuerURL).getScheme() == 'https' || url(self.issuerURL).getHostname() in ['localhost', '127.0.0.1', '::1'] || (has(self.allowInsecureHTTP) && self.allowInsecureHTTP)",message="issuerURL must use https (plain http is allowed only for loopback addresses or with allowInsecureHTTP: true)",fieldPath=".issuerURL"
// +kubebuilder:validation:XValidation:rule="(has(self.dynamicRegistration) ? 1 : 0) + (has(self.hydra) ? 1 : 0) + (has(self.okta) ? 1 : 0) + (has(self.auth0) ? 1 : 0) + (has(self.asgardeo) ? 1 : 0) + (has(self.entra) ? 1 : 0) + (has(self.keycloak) ? 1 : 0) + (has(self.preRegistered) ? 1 : 0) == 1",message="exactly one provider block must be set: dynamicRegistration, hydra, okta, auth0, asgardeo, entra, keycloak or preRegistered"
type AuthServerSpec struct {
	// IssuerURL is the authorization server's issuer identifier. Its endpoints
	// are discovered from RFC 8414 metadata, then OpenID Connect discovery.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="issuerURL must be an absolute http(s) URL"
	IssuerURL string `json:"issuerURL"`

	// Endpoints overrides discovered endpoints. Leave a field empty to use the
	// discovered value.
	// +optional
	Endpoints *EndpointOverrides `json:"endpoints,omitempty"`

	// AllowInsecureHTTP permits a plain-http issuer or endpoint that is not on
	// a loopback address. Only for development.
	// +optional
	AllowInsecureHTTP bool `json:"allowInsecureHTTP,omitempty"`

	// CABundle is a PEM bundle of certificate authorities to trust for this
	// server, in addition to the system roots.
	// +optional
	CABundle []byte `json:"caBundle,omitempty"`

	// Credentials are the operator's own management credentials for this
	// server. Leave empty for a server with open registration.
	// +optional
	Credentials *ManagementCredentials `json:"credentials,omitempty"`

	// RateLimit caps the operator's requests to this server. The manager's
	// --auth-server-qps and --auth-server-burst apply when it is not set.
	// +optional
	RateLimit *RateLimit `json:"rateLimit,omitempty"`

	// OrphanCleanup says what happens to leaked clients, found by the
	// periodic scan of a server that can list its clients: Report (metric
	// and Warning event) or Delete (also deletes them at the server).
	// +kubebuilder:default=Report
	// +optional
	OrphanCleanup OrphanCleanup `json:"orphanCleanup,omitempty"`

	// TenancyPolicy says who may use the server and what clients may ask for.
	TenancyPolicy `json:",inline"`

	// ProviderBlocks says which kind of server this is, with that kind's own
	// settings: exactly one block is set.
	ProviderBlocks `json:",inline"`
}

// ProviderBlocks holds one optional block per server family; each block's
// type lives in a provider_<name>.go file of its own. The block's JSON name
// is the name its adapter is registered under.
type ProviderBlocks struct {
	// DynamicRegistration manages clients through OAuth 2.0 Dynamic Client
	// Registration (RFC 7591) and its management protocol (RFC 7592).
	// +optional
	DynamicRegistration *DynamicRegistrationProvider `json:"dynamicRegistration,omitempty"`

	// Hydra manages clients through Ory Hydra's admin API.
	// +optional
	Hydra *HydraProvider `json:"hydra,omitempty"`

	// Okta manages clients as OpenID Connect apps of an Okta org.
	// +optional
	Okta *OktaProvider `json:"okta,omitempty"`
	// Auth0 manages clients through Auth0's Management API v2.
	// +optional
	Auth0 *Auth0Provider `json:"auth0,omitempty"`
	// Asgardeo manages clients through the WSO2 Application Management API
	// of WSO2 Asgardeo or a self-hosted WSO2 Identity Server.
	// +optional
	Asgardeo *AsgardeoProvider `json:"asgardeo,omitempty"`
	// Entra manages clients as Microsoft Entra ID app registrations through Microsoft Graph.
	// +optional
	Entra *EntraProvider `json:"entra,omitempty"`
	// Keycloak manages clients through Keycloak's Admin REST API.
	// +optional
	Keycloak *KeycloakProvider `json:"keycloak,omitempty"`
	// PreRegistered is for a server without a management API, whose
	// clients a person creates in a dashboard: OAuthClients on it bring
	// their credentials in spec.credentialsFrom.
	// +optional
	PreRegistered *PreRegisteredProvider `json:"preRegistered,omitempty"`
}

// RateLimit is a token bucket: a steady rate with bursts.
type RateLimit struct {
	// RequestsPerSecond is the steady rate.
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=10000
	RequestsPerSecond int32 `json:"requestsPerSecond"`

	// Burst is how many requests may go at once; defaults to twice the rate.
	// +optional
	// +kubebuilder:validation:Minimum=1
	// +kubebuilder:validation:Maximum=20000
	Burst int32 `json:"burst,omitempty"`
}

// EndpointOverrides replaces discovered endpoints.
type EndpointOverrides struct {
	// Token is the token endpoint.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	Token string `json:"token,omitempty"`

	// Registration is the RFC 7591 client registration endpoint.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	Registration string `json:"registration,omitempty"`

	// Introspection is the RFC 7662 introspection endpoint.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	Introspection string `json:"introspection,omitempty"`

	// Revocation is the RFC 7009 revocation endpoint.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	Revocation string `json:"revocation,omitempty"`
}

// AuthServerStatus is the observed state of an authorization server.
type AuthServerStatus struct {
	// ObservedGeneration is the generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`

	// Conditions: Ready is True when discovery and the management
	// credentials work.
	// +optional
	// +listType=map
	// +listMapKey=type
	Conditions []metav1.Condition `json:"conditions,omitempty"`

	// Provider is the name of the provider block in use.
	// +optional
	Provider string `json:"provider,omitempty"`

	// Endpoints are the endpoints in use, discovered or overridden.
	// +optional
	Endpoints *DiscoveredEndpoints `json:"endpoints,omitempty"`

	// NonCompliantClients counts the OAuthClients that use this server and
	// are refused by its namespaceSelector, namespaces or clientPolicy
	// (reasons ServerNotAllowed and PolicyViolation).
	// +optional
	NonCompliantClients int32 `json:"nonCompliantClients,omitempty"`
}

// DiscoveredEndpoints are the server endpoints the operator uses.
type DiscoveredEndpoints struct {
	// Issuer is the server's issuer identifier.
	Issuer string `json:"issuer,omitempty"`
	// Token is the token endpoint.
	Token string `json:"token,omitempty"`
	// Registration is the client registration endpoint.
	Registration string `json:"registration,omitempty"`
	// Introspection is the token introspection endpoint.
	Introspection string `json:"introspection,omitempty"`
	// Revocation is the token revocation endpoint.
	Revocation string `json:"revocation,omitempty"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:shortName=as
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Issuer",type=string,JSONPath=`.spec.issuerURL`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// AuthServer is an authorization server that OAuthClients of its namespace can
// use. Its credential Secrets are read from its own namespace only, and it
// may not log in with a token file of the operator's pod.
type AuthServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the server.
	// +kubebuilder:validation:XValidation:rule="!has(self.credentials) || ((!has(self.credentials.clientCredentials) || !has(self.credentials.clientCredentials.assertionFile)) && (!has(self.credentials.jwtBearer) || has(self.credentials.jwtBearer.privateKey)))",message="an AuthServer may not log in with a token file of the operator (clientCredentials.assertionFile, or jwtBearer without privateKey): the file is the operator's own identity, shared by every namespace; use a ClusterAuthServer",fieldPath=".credentials"
	// +kubebuilder:validation:XValidation:rule="!has(self.namespaceSelector) && !has(self.namespaces) && !has(self.onAccessLost)",message="namespaceSelector, namespaces and onAccessLost are for ClusterAuthServer only: an AuthServer serves its own namespace",fieldPath=".namespaceSelector"
	Spec AuthServerSpec `json:"spec"`
	// Status is the observed state.
	// +optional
	Status AuthServerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// AuthServerList is a list of AuthServers.
type AuthServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []AuthServer `json:"items"`
}

// +kubebuilder:object:root=true
// +kubebuilder:subresource:status
// +kubebuilder:resource:scope=Cluster,shortName=cas
// +kubebuilder:printcolumn:name="Ready",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].status`
// +kubebuilder:printcolumn:name="Reason",type=string,JSONPath=`.status.conditions[?(@.type=="Ready")].reason`
// +kubebuilder:printcolumn:name="Issuer",type=string,JSONPath=`.spec.issuerURL`
// +kubebuilder:printcolumn:name="Age",type=date,JSONPath=`.metadata.creationTimestamp`

// ClusterAuthServer is an authorization server that OAuthClients of every
// namespace can use. Its credential Secrets are read from the operator's own
// namespace only.
type ClusterAuthServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the server.
	Spec AuthServerSpec `json:"spec"`
	// Status is the observed state.
	// +optional
	Status AuthServerStatus `json:"status,omitempty"`
}

// +kubebuilder:object:root=true

// ClusterAuthServerList is a list of ClusterAuthServers.
type ClusterAuthServerList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []ClusterAuthServer `json:"items"`
}
