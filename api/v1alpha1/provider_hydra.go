package v1alpha1

// HydraProvider manages clients through Ory Hydra's admin API
// (/admin/clients). The AuthServer's issuerURL is Hydra's public issuer
// (urls.self.issuer), whose token endpoint goes into delivered Secrets. A
// self-hosted admin port has no authentication of its own: keep it off the
// network and leave spec.credentials empty. For Ory Network, give the
// project API key as spec.credentials.bearerToken.
type HydraProvider struct {
	// AdminURL is the base URL of the admin API, without /admin: for
	// example http://hydra-admin.hydra:4445, or
	// https://PROJECT.projects.oryapis.com for Ory Network.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="adminURL must be an absolute http(s) URL"
	// +kubebuilder:validation:XValidation:rule="!self.endsWith('/admin') && !self.endsWith('/admin/')",message="adminURL is the base URL: leave out /admin, the operator adds /admin/clients"
	AdminURL string `json:"adminURL"`
}

// HydraClientOptions are settings of one client at Hydra beyond the common
// fields (spec.providerOptions.hydra).
type HydraClientOptions struct {
	// AccessTokenStrategy is the format of the client's access tokens: jwt
	// or opaque. Empty keeps Hydra's default (strategies.access_token).
	// +optional
	// +kubebuilder:validation:Enum=jwt;opaque
	AccessTokenStrategy string `json:"accessTokenStrategy,omitempty"`

	// ClientURI is a web page about the client, shown on consent screens.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="clientURI must be an absolute URL"
	ClientURI string `json:"clientURI,omitempty"`

	// LogoURI is the client's logo, shown on consent screens.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="logoURI must be an absolute URL"
	LogoURI string `json:"logoURI,omitempty"`
}
