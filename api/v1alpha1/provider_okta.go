package v1alpha1

// OktaProvider manages clients as OpenID Connect apps of an Okta org
// through its management API (/api/v1/apps), and the scopes each client
// may ask for as an access policy of its own on a custom authorization
// server. The AuthServer's issuerURL is that authorization server's issuer
// (https://ORG.okta.com/oauth2/default for the default one), whose token
// endpoint goes into delivered Secrets. Log in with an API token
// (spec.credentials.sswsToken) or, better, with a service app:
// spec.credentials.clientCredentials with privateKey, tokenURL
// https://ORG.okta.com/oauth2/v1/token and the scopes okta.apps.read,
// okta.apps.manage, okta.authorizationServers.read and
// okta.authorizationServers.manage.
type OktaProvider struct {
	// OrgURL is the org's base URL, without a path: for example
	// https://example.okta.com or https://example.oktapreview.com.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self) && (self.startsWith('https://') || self.startsWith('http://'))",message="orgURL must be an absolute http(s) URL"
	// +kubebuilder:validation:XValidation:rule="self.matches('^https?://[^/?#]+/?$')",message="orgURL is the org's base URL, without a path: https://ORG.okta.com"
	OrgURL string `json:"orgURL"`

	// AuthorizationServerID is the custom authorization server that
	// issues the delivered clients' tokens, and on which each client gets
	// its access policy. Default: default.
	// +optional
	// +kubebuilder:default=default
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=64
	// +kubebuilder:validation:Pattern=`^[A-Za-z0-9_-]+$`
	AuthorizationServerID string `json:"authorizationServerID,omitempty"`
}
