package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// EntraCloud is the Microsoft cloud a tenant lives in, which fixes the
// login and Microsoft Graph hosts.
// +kubebuilder:validation:Enum=Global;USGovernment;China
type EntraCloud string

// The Microsoft clouds.
const (
	// EntraCloudGlobal: login.microsoftonline.com and graph.microsoft.com.
	EntraCloudGlobal EntraCloud = "Global"
	// EntraCloudUSGovernment: login.microsoftonline.us and graph.microsoft.us.
	EntraCloudUSGovernment EntraCloud = "USGovernment"
	// EntraCloudChina (operated by 21Vianet): login.chinacloudapi.cn and
	// microsoftgraph.chinacloudapi.cn.
	EntraCloudChina EntraCloud = "China"
)

// EntraProvider manages clients as Microsoft Entra ID app registrations
// (each with its service principal) through Microsoft Graph v1.0. The
// AuthServer's issuerURL is the tenant's v2.0 issuer,
// https://login.microsoftonline.com/TENANT-ID/v2.0, whose token endpoint
// goes into delivered Secrets. The management login is
// spec.credentials.clientCredentials with the scope
// https://graph.microsoft.com/.default (the Graph host of the cloud), the
// operator's app authenticated by a secret, a certificate (privateKey) or
// a federated service-account token (assertionFile).
// +kubebuilder:validation:XValidation:rule="!has(self.graphURL) || !has(self.cloud)",message="set cloud or graphURL, not both",fieldPath=".graphURL"
type EntraProvider struct {
	// TenantID is the directory (tenant) ID: a GUID, or a verified domain
	// such as contoso.onmicrosoft.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)$`
	TenantID string `json:"tenantID"`

	// Cloud is the Microsoft cloud of the tenant. Default: Global. The
	// issuerURL must be on the cloud's login host.
	// +optional
	Cloud EntraCloud `json:"cloud,omitempty"`

	// GraphURL, instead of cloud, is the base URL of Microsoft Graph
	// without /v1.0, for a cloud not listed (or a test server); the
	// issuerURL's host is then not checked.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="graphURL must be an absolute http(s) URL"
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('/v1.0') && !self.endsWith('/v1.0/')",message="graphURL is the base URL: leave out /v1.0, the operator adds it"
	GraphURL string `json:"graphURL,omitempty"`

	// SecretLifetime is how long each client secret the operator adds is
	// valid (its endDateTime). Default: Entra's, two years. A tenant's app
	// management policy may allow less; the rotation policy rotates before
	// a secret expires.
	// +optional
	// +kubebuilder:validation:XValidation:rule="duration(self) >= duration('1h')",message="secretLifetime must be at least 1h"
	SecretLifetime *metav1.Duration `json:"secretLifetime,omitempty"`
}

// EntraClientOptions are settings of one client at Microsoft Entra ID
// beyond the common fields (spec.providerOptions.entra).
type EntraClientOptions struct {
	// AppRoles are the application permissions (app roles) the client is
	// granted on resource APIs. The roles of a resource are assigned while
	// spec.scopes holds that resource's RESOURCE/.default scope, which is
	// what the client sends to the token endpoint.
	// +optional
	// +listType=map
	// +listMapKey=resource
	// +kubebuilder:validation:MaxItems=16
	AppRoles []EntraAppRoles `json:"appRoles,omitempty"`
}

// EntraAppRoles are app roles of one resource API.
type EntraAppRoles struct {
	// Resource is the resource API as it appears before /.default in
	// spec.scopes: its application (client) ID or one of its identifier
	// URIs, e.g. api://orders.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=1024
	Resource string `json:"resource"`

	// Roles are the values of the resource's app roles to assign, e.g.
	// Orders.Read.
	// +listType=set
	// +kubebuilder:validation:MinItems=1
	// +kubebuilder:validation:MaxItems=32
	// +kubebuilder:validation:items:MinLength=1
	// +kubebuilder:validation:items:MaxLength=256
	Roles []string `json:"roles"`
}
