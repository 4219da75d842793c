package v1alpha1

// PreRegisteredProvider is for a server without a management API: a
// person creates each client in the server's dashboard and puts its ID
// and secret into a Secret that the OAuthClient names in
// spec.credentialsFrom. The operator creates, changes and deletes nothing
// at the server; it verifies the credentials by obtaining a token at the
// token endpoint, delivers them, and reminds when rotation is due.
type PreRegisteredProvider struct {
	// ClientAuthentication is how a client authenticates at the server's
	// token endpoint when the operator verifies its credentials.
	// +optional
	ClientAuthentication *ClientAuthentication `json:"clientAuthentication,omitempty"`
}

// ClientAuthentication is how a client authenticates at a token endpoint.
// +kubebuilder:validation:XValidation:rule="!has(self.extraParams) || self.extraParams.all(k, !(k in ['grant_type', 'client_id', 'client_secret', 'scope', 'audience', 'refresh_token', 'client_assertion', 'client_assertion_type', 'assertion']))",message="extraParams must not set grant_type, client_id, client_secret, scope, audience, refresh_token or the assertion parameters: the operator sets those",fieldPath=".extraParams"
type ClientAuthentication struct {
	// Style is how the client ID and secret are sent: Basic (HTTP Basic,
	// client_secret_basic), Form (in the form body, client_secret_post) or
	// JSON (the whole request as one JSON object). Default Basic.
	// +optional
	Style ClientAuthStyle `json:"style,omitempty"`

	// ExtraParams are added to the token request body, e.g. a tenant or a
	// resource the server requires. Not for secrets.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	ExtraParams map[string]string `json:"extraParams,omitempty"`

	// ExtraHeaders are added to the token request, e.g. a tenant header.
	// Their values are plain text in the AuthServer: not for secrets.
	// +optional
	// +kubebuilder:validation:MaxProperties=16
	// +kubebuilder:validation:XValidation:rule="self.all(k, k.matches('^[!#$%&\\'*+.^_|~0-9A-Za-z-]+$') && !(k.lowerAscii() in ['authorization', 'content-type', 'content-length', 'host']))",message="header names must be tokens, and not Authorization, Content-Type, Content-Length or Host: the operator sets those"
	ExtraHeaders map[string]string `json:"extraHeaders,omitempty"`
}

// ClientAuthStyle is how a client's ID and secret are sent to the token
// endpoint when its credentials are verified.
// +kubebuilder:validation:Enum=Basic;Form;JSON
type ClientAuthStyle string

// The client authentication styles.
const (
	// ClientAuthBasic sends them as HTTP Basic (client_secret_basic).
	ClientAuthBasic ClientAuthStyle = "Basic"
	// ClientAuthForm sends them in the form body (client_secret_post).
	ClientAuthForm ClientAuthStyle = "Form"
	// ClientAuthJSON sends the whole request as one JSON object.
	ClientAuthJSON ClientAuthStyle = "JSON"
)
