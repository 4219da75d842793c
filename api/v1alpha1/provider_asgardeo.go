package v1alpha1

// AsgardeoProvider manages clients as applications through the WSO2
// Application Management API, the same on WSO2 Asgardeo (the SaaS) and on a
// self-hosted WSO2 Identity Server: {baseURL}/t/{organization}/api/server/v1.
// The AuthServer's issuerURL is the organization's token endpoint,
// {baseURL}/t/{organization}/oauth2/token, whose discovery document gives
// the token URL delivered to workloads (spec.endpoints.token overrides it).
// The operator logs in with spec.credentials.clientCredentials: a
// management application's client ID and secret (HTTP Basic) and the
// internal_* scopes listed in docs/providers/asgardeo.md.
type AsgardeoProvider struct {
	// BaseURL is the server's base URL without /t/...: https://api.asgardeo.io
	// for Asgardeo, or the Identity Server's own, e.g. https://is.example.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="baseURL must be an absolute http(s) URL"
	// +kubebuilder:validation:XValidation:rule="!self.contains('/t/') && !self.contains('/api/server')",message="baseURL is the server's base URL: leave out /t/{organization}/api/server/v1, the operator adds it"
	BaseURL string `json:"baseURL"`

	// Organization is the Asgardeo organization (root organization name) or
	// the Identity Server tenant domain. Default: carbon.super, the super
	// tenant of a self-hosted Identity Server.
	// +optional
	// +kubebuilder:default=carbon.super
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9][A-Za-z0-9._-]*$`
	Organization string `json:"organization,omitempty"`
}

// AsgardeoClientOptions are settings of one application at Asgardeo or
// WSO2 Identity Server beyond the common fields
// (spec.providerOptions.asgardeo).
type AsgardeoClientOptions struct {
	// AuthorizedAPIs are the API resources the application may get tokens
	// for, with the scopes of each (the application's API authorization).
	// When set, it replaces what spec.audience and spec.scopes would say;
	// spec.scopes may then list only scopes given here (or OIDC scopes).
	// When not set, a single spec.audience entry is the API resource's
	// identifier and spec.scopes are its scopes.
	// +optional
	// +listType=atomic
	// +kubebuilder:validation:MaxItems=32
	AuthorizedAPIs []AsgardeoAuthorizedAPI `json:"authorizedAPIs,omitempty"`

	// AccessTokenType is the format of the application's access tokens:
	// Default (opaque) or JWT. Empty keeps the server's choice.
	// +optional
	// +kubebuilder:validation:Enum=Default;JWT
	AccessTokenType string `json:"accessTokenType,omitempty"`

	// PKCEMandatory makes PKCE mandatory for the authorization code flow.
	// Empty keeps the server's choice.
	// +optional
	PKCEMandatory *bool `json:"pkceMandatory,omitempty"`
}

// AsgardeoAuthorizedAPI is one API resource authorized to an application.
// +kubebuilder:validation:XValidation:rule="(has(self.id) ? 1 : 0) + (has(self.identifier) ? 1 : 0) == 1",message="set exactly one of id and identifier"
type AsgardeoAuthorizedAPI struct {
	// ID is the API resource's ID at the server.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=255
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9._-]+$`
	ID string `json:"id,omitempty"`

	// Identifier is the API resource's identifier (its audience), e.g.
	// https://api.example.com/orders.
	// +optional
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	Identifier string `json:"identifier,omitempty"`

	// Scopes of the API resource the application may request.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=64
	// +kubebuilder:validation:items:MaxLength=256
	// +kubebuilder:validation:items:Pattern=`^[\x21\x23-\x5B\x5D-\x7E]+$`
	Scopes []string `json:"scopes"`
}

// AsgardeoManagementScopes are the scopes the asgardeo adapter's calls need
// (of the Application Management and API Resource Management APIs). They
// are requested when spec.credentials.clientCredentials.scopes is empty.
var AsgardeoManagementScopes = []string{
	"internal_application_mgt_view", "internal_application_mgt_create",
	"internal_application_mgt_update", "internal_application_mgt_delete",
	"internal_application_mgt_client_secret_create", "internal_application_mgt_client_secret_view",
	"internal_application_mgt_client_secret_delete", "internal_api_resource_view",
}

// DefaultManagementScopes are the scopes a client credentials login to
// this server asks for when spec.credentials.clientCredentials.scopes is
// empty.
func (*AsgardeoProvider) DefaultManagementScopes() []string {
	return append([]string(nil), AsgardeoManagementScopes...)
}
