package v1alpha1

// Auth0Provider manages clients (applications) of one Auth0 tenant through
// its Management API v2 (https://DOMAIN/api/v2/clients and
// /api/v2/client-grants). The AuthServer's issuerURL is the tenant's issuer
// (https://DOMAIN/, or a custom domain), whose token endpoint goes into
// delivered Secrets. The management login is a machine-to-machine
// application of the tenant: spec.credentials.clientCredentials with
// audience https://DOMAIN/api/v2/ (docs/providers/auth0.md lists the
// scopes it needs).
type Auth0Provider struct {
	// Domain is the tenant's own Auth0 domain, such as acme.eu.auth0.com,
	// where the Management API is served: a host name (with a port only
	// for a local test server), without https:// or a path. Not a custom
	// domain: Auth0 serves the Management API at the tenant domain. A
	// loopback host (localhost, 127.0.0.1) is reached over plain
	// http, every other over https.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:XValidation:rule="self.matches('^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?(:[0-9]{1,5})?$')",message="domain must be a host name such as acme.eu.auth0.com, without https:// or a path"
	Domain string `json:"domain"`
}

// Auth0ClientOptions are settings of one client at Auth0 beyond the common
// fields (spec.providerOptions.auth0).
type Auth0ClientOptions struct {
	// AppType is the Auth0 application type. Default: non_interactive for
	// a client with only the client_credentials grant, spa for a public
	// client (tokenEndpointAuthMethod none), regular_web otherwise.
	// +optional
	// +kubebuilder:validation:Enum=non_interactive;regular_web;spa;native
	AppType string `json:"appType,omitempty"`

	// ClientGrants are the APIs (Auth0 resource servers) the client may
	// get client_credentials tokens for, each with its scopes. They are
	// created, updated and deleted with the client. Without them,
	// spec.audience (one API identifier) and spec.scopes make the one
	// grant; with them, leave spec.audience empty.
	// +optional
	// +listType=map
	// +listMapKey=audience
	// +kubebuilder:validation:MaxItems=16
	ClientGrants []Auth0ClientGrant `json:"clientGrants,omitempty"`
}

// Auth0ClientGrant lets a client get tokens for one API.
type Auth0ClientGrant struct {
	// Audience is the API's identifier in Auth0 (its audience), such as
	// https://api.example.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Audience string `json:"audience"`

	// Scopes of the API the client may ask for; empty grants none of them
	// (tokens without scopes).
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=280
	Scopes []string `json:"scopes,omitempty"`
}
