package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AuthServerSpec describes an authorization server and how the operator
// manages clients at it. AuthServer and ClusterAuthServer share it.
// +kubebuilder:validation:XValidation:rule="!isURL(self.issuerURL) || url(self.issuerURL).getScheme() == 'https' || url(self.issuerURL).getHostname() in ['localhost', '127.0.0.1', '::1'] || (has(self.allowInsecureHTTP) && self.allowInsecureHTTP)",message="issuerURL must use https (plain http is allowed only for loopback addresses or with allowInsecureHTTP: true)",fieldPath=".issuerURL"
// +kubebuilder:validation:XValidation:rule="(has(self.dynamicRegistration) ? 1 : 0) + (has(self.hydra) ? 1 : 0) == 1",message="exactly one provider block must be set: dynamicRegistration or hydra"
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

// ManagementCredentials are how the operator authenticates to the server's
// management API. Set at most one.
// +kubebuilder:validation:XValidation:rule="(has(self.initialAccessToken) ? 1 : 0) + (has(self.bearerToken) ? 1 : 0) + (has(self.clientCredentials) ? 1 : 0) <= 1",message="set only one of initialAccessToken, bearerToken, clientCredentials"
type ManagementCredentials struct {
	// InitialAccessToken is an RFC 7591 initial access token, sent when
	// registering clients.
	// +optional
	InitialAccessToken *SecretKeySelector `json:"initialAccessToken,omitempty"`

	// BearerToken is a static token sent on every management call.
	// +optional
	BearerToken *SecretKeySelector `json:"bearerToken,omitempty"`

	// ClientCredentials obtains management tokens with the OAuth 2.0 client
	// credentials grant. Tokens are cached until shortly before they expire.
	// +optional
	ClientCredentials *ClientCredentialsAuth `json:"clientCredentials,omitempty"`
}

// ClientCredentialsAuth configures the client credentials grant for the
// operator's management tokens.
type ClientCredentialsAuth struct {
	// TokenURL is the token endpoint; the discovered one when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	TokenURL string `json:"tokenURL,omitempty"`

	// ClientID of the operator's management client.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=512
	ClientID string `json:"clientID"`

	// ClientSecret of the operator's management client.
	ClientSecret SecretKeySelector `json:"clientSecret"`

	// Scopes to request.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[\x21\x23-\x5B\x5D-\x7E]+$`
	Scopes []string `json:"scopes,omitempty"`

	// Audience to request, sent as the audience parameter.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Audience string `json:"audience,omitempty"`

	// AuthStyle is how the client authenticates at the token endpoint: HTTP
	// Basic, form post, or a JSON body.
	// +optional
	// +kubebuilder:default=Basic
	// +kubebuilder:validation:Enum=Basic;Form;JSON
	AuthStyle string `json:"authStyle,omitempty"`

	// ExtraParams are added to the token request body, e.g. a tenant.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	ExtraParams map[string]string `json:"extraParams,omitempty"`

	// ExtraHeaders are sent on token requests and management calls, e.g. an
	// API key. Values come from Secrets.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	ExtraHeaders []HeaderFromSecret `json:"extraHeaders,omitempty"`
}

// HeaderFromSecret is an HTTP header whose value is read from a Secret.
type HeaderFromSecret struct {
	// Name of the header.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[!#$%&'*+.^_|~0-9A-Za-z-]+$`
	Name string `json:"name"`

	// ValueFrom is the Secret key holding the header value.
	ValueFrom SecretKeySelector `json:"valueFrom"`
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
// use. Its credential Secrets are read from its own namespace only.
type AuthServer struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// Spec describes the server.
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
