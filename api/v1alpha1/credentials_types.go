package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// DefaultServiceAccountTokenPath is where jwtBearer reads its assertion
// when neither assertionFile nor privateKey is set: a projected
// service-account token mounted into the operator's pod.
const DefaultServiceAccountTokenPath = "/var/run/secrets/oauth-client-operator/token" //nolint:gosec // G101: a file path, not a credential

// ManagementCredentials are how the operator authenticates to the server's
// management API. Set at most one.
// +kubebuilder:validation:XValidation:rule="(has(self.initialAccessToken) ? 1 : 0) + (has(self.bearerToken) ? 1 : 0) + (has(self.sswsToken) ? 1 : 0) + (has(self.apiKey) ? 1 : 0) + (has(self.clientCredentials) ? 1 : 0) + (has(self.jwtBearer) ? 1 : 0) <= 1",message="set only one of initialAccessToken, bearerToken, sswsToken, apiKey, clientCredentials, jwtBearer"
type ManagementCredentials struct {
	// InitialAccessToken is an RFC 7591 initial access token, sent when
	// registering clients.
	// +optional
	InitialAccessToken *SecretKeySelector `json:"initialAccessToken,omitempty"`

	// BearerToken is a static token sent as "Authorization: Bearer" on
	// every management call.
	// +optional
	BearerToken *SecretKeySelector `json:"bearerToken,omitempty"`

	// SSWSToken is an Okta API token, sent as "Authorization: SSWS <token>"
	// on management calls.
	// +optional
	SSWSToken *SecretKeySelector `json:"sswsToken,omitempty"`

	// APIKey is a static key sent in a header of its own on every
	// management call, e.g. X-API-Key.
	// +optional
	APIKey *APIKeyAuth `json:"apiKey,omitempty"`

	// ClientCredentials obtains management tokens with the OAuth 2.0 client
	// credentials grant. Tokens are cached until shortly before they expire.
	// +optional
	ClientCredentials *ClientCredentialsAuth `json:"clientCredentials,omitempty"`

	// JWTBearer obtains management tokens with the JWT bearer grant
	// (RFC 7523 section 2.1), presenting a projected service-account token
	// of the operator or a JWT signed with a private key: no management
	// secret is needed. Tokens are cached until shortly before they expire.
	// +optional
	JWTBearer *JWTBearerAuth `json:"jwtBearer,omitempty"`
}

// APIKeyAuth sends a key from a Secret in a header.
type APIKeyAuth struct {
	// Header is the header name, e.g. X-API-Key. It may be Authorization,
	// for a server with a scheme of its own: the value then carries the
	// prefix (e.g. "Token <key>").
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=256
	// +kubebuilder:validation:Pattern=`^[!#$%&'*+.^_|~0-9A-Za-z-]+$`
	// +kubebuilder:validation:XValidation:rule="!(self.lowerAscii() in ['content-type', 'content-length', 'host'])",message="header must not be Content-Type, Content-Length or Host: the operator sets those"
	Header string `json:"header"`

	// ValueFrom is the Secret key holding the header value.
	ValueFrom SecretKeySelector `json:"valueFrom"`
}

// AuthStyle is how the operator's management client authenticates at the
// token endpoint, and how the token request is encoded.
// +kubebuilder:validation:Enum=Basic;Form;JSON;SecretJWT
type AuthStyle string

// The auth styles.
const (
	// AuthStyleBasic sends the client ID and secret in an HTTP Basic
	// Authorization header (client_secret_basic). The default with a
	// client secret.
	AuthStyleBasic AuthStyle = "Basic"
	// AuthStyleForm sends them as client_id and client_secret in the
	// form-encoded body (client_secret_post). With a private key or an
	// assertion file it sends client_id, client_assertion_type and
	// client_assertion in the form body: the default for those.
	AuthStyleForm AuthStyle = "Form"
	// AuthStyleJSON sends the whole request, credentials included, as a JSON
	// object (the Auth0 style).
	AuthStyleJSON AuthStyle = "JSON"
	// AuthStyleSecretJWT signs an HS256 client assertion with the client
	// secret and sends it in the form body instead of the secret
	// (client_secret_jwt, RFC 7523 section 2.2).
	AuthStyleSecretJWT AuthStyle = "SecretJWT"
)

// KeyAlgorithm is the JWS algorithm a private key signs with.
// +kubebuilder:validation:Enum=RS256;ES256
type KeyAlgorithm string

// The key algorithms.
const (
	KeyAlgorithmRS256 KeyAlgorithm = "RS256"
	KeyAlgorithmES256 KeyAlgorithm = "ES256"
)

// ExpiresInUnit is the unit of a token response's expires_in.
// +kubebuilder:validation:Enum=seconds;minutes
type ExpiresInUnit string

// The expires_in units.
const (
	ExpiresInSeconds ExpiresInUnit = "seconds"
	ExpiresInMinutes ExpiresInUnit = "minutes"
)

// TokenFilePath is the absolute path of a file in the operator's pod that
// holds a JWT, typically a projected service-account token. It is read
// anew for every token request, so the kubelet's rotation is followed.
// +kubebuilder:validation:MinLength=2
// +kubebuilder:validation:MaxLength=4096
// +kubebuilder:validation:XValidation:rule="self.startsWith('/')",message="must be an absolute path"
// +kubebuilder:validation:XValidation:rule="!self.contains('//') && !self.matches('/[.][.]?(/|$)')",message="must be a clean path, without //, /./ or /../"
// +kubebuilder:validation:XValidation:rule="!self.matches('^(/var)?/run/secrets/kubernetes[.]io/serviceaccount/')",message="must not be the operator's Kubernetes API token: mount a projected service-account token with the server's audience"
type TokenFilePath string

// PrivateKeySelector is a private key in a Secret, with how to sign with
// it.
type PrivateKeySelector struct {
	// The Secret key holding the private key: PEM (PKCS#1, PKCS#8 or SEC1)
	// or a JWK. RSA keys of 2048 to 8192 bits and EC keys on P-256 are
	// accepted; an encrypted key is not.
	SecretKeySelector `json:",inline"`

	// KeyID is sent as the kid header of each assertion, so the server
	// knows which registered key to check. Default: the JWK's kid, if any.
	// +optional
	// +kubebuilder:validation:MaxLength=256
	KeyID string `json:"keyID,omitempty"`

	// Algorithm signs the assertions. Default: RS256 for an RSA key,
	// ES256 for an EC key, or the JWK's alg.
	// +optional
	Algorithm KeyAlgorithm `json:"algorithm,omitempty"`

	// Certificate, optional, is a Secret key holding the key's PEM X.509
	// certificate. Its thumbprints are sent as x5t and x5t#S256, which is
	// how Microsoft Entra ID finds a certificate credential.
	// +optional
	Certificate *SecretKeySelector `json:"certificate,omitempty"`
}

// TokenResponseFormat describes how a token endpoint deviates from
// RFC 6749 in its responses.
type TokenResponseFormat struct {
	// ExpiresInUnit is the unit of expires_in. Default: seconds, as RFC 6749
	// says; some servers document minutes.
	// +optional
	ExpiresInUnit ExpiresInUnit `json:"expiresInUnit,omitempty"`

	// DefaultLifetime is how long a token lives when the response has no
	// expires_in. Default: until the credentials change.
	// +optional
	// +kubebuilder:validation:XValidation:rule="self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$')",message="defaultLifetime must be a duration such as 1h"
	// +kubebuilder:validation:XValidation:rule="!self.matches(r'^[-+]?(0|([0-9]+(\\.[0-9]*)?(ns|us|ms|s|m|h))+)$') || duration(self) > duration('0s')",message="defaultLifetime must be positive"
	DefaultLifetime *metav1.Duration `json:"defaultLifetime,omitempty"`
}

// ClientCredentialsAuth configures the client credentials grant for the
// operator's management tokens. The client authenticates with exactly one
// of clientSecret, privateKey (private_key_jwt) and assertionFile (a
// federated credential).
// +kubebuilder:validation:XValidation:rule="(has(self.clientSecret) ? 1 : 0) + (has(self.privateKey) ? 1 : 0) + (has(self.assertionFile) ? 1 : 0) == 1",message="set exactly one of clientSecret, privateKey, assertionFile"
// +kubebuilder:validation:XValidation:rule="!has(self.authStyle) || !(self.authStyle in ['Basic', 'SecretJWT']) || has(self.clientSecret)",message="authStyle Basic and SecretJWT need clientSecret; with privateKey or assertionFile use Form or JSON",fieldPath=".authStyle"
// +kubebuilder:validation:XValidation:rule="!has(self.assertionAudience) || !has(self.assertionFile)",message="assertionAudience is for assertions the operator signs (privateKey, SecretJWT), not for assertionFile",fieldPath=".assertionAudience"
// +kubebuilder:validation:XValidation:rule="!has(self.resources) || !has(self.extraParams) || !('resource' in self.extraParams)",message="set resources or extraParams.resource, not both",fieldPath=".resources"
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
	// +optional
	ClientSecret *SecretKeySelector `json:"clientSecret,omitempty"`

	// PrivateKey, instead of a secret, signs an RFC 7523 client assertion
	// for every token request (private_key_jwt): iss and sub are the
	// client ID, aud is assertionAudience.
	// +optional
	PrivateKey *PrivateKeySelector `json:"privateKey,omitempty"`

	// AssertionFile, instead of a secret, is a file whose JWT is sent as
	// the client assertion: a projected service-account token whose
	// audience the server trusts (Microsoft Entra ID workload identity
	// federation: api://AzureADTokenExchange). Only a ClusterAuthServer
	// may use it.
	// +optional
	AssertionFile TokenFilePath `json:"assertionFile,omitempty"`

	// AssertionAudience is the aud claim of the assertions the operator
	// signs. Default: the token URL.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	AssertionAudience string `json:"assertionAudience,omitempty"`

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

	// Resources are RFC 8707 resource indicators, each sent as a resource
	// parameter: absolute URIs without a fragment.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*:[^#]+$`
	Resources []string `json:"resources,omitempty"`

	// AuthStyle is how the client authenticates at the token endpoint:
	// HTTP Basic, form post, a JSON body, or an HS256 assertion signed with
	// the secret (SecretJWT). Default: Basic with clientSecret, Form with
	// privateKey or assertionFile.
	// +optional
	AuthStyle AuthStyle `json:"authStyle,omitempty"`

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

	// TokenResponse describes the token endpoint's deviations from
	// RFC 6749 in its responses.
	// +optional
	TokenResponse *TokenResponseFormat `json:"tokenResponse,omitempty"`
}

// JWTBearerAuth configures the JWT bearer grant (RFC 7523 section 2.1) for
// the operator's management tokens. The assertion is read from
// assertionFile, or signed with privateKey; with neither, from
// /var/run/secrets/oauth-client-operator/token.
// +kubebuilder:validation:XValidation:rule="!has(self.assertionFile) || !has(self.privateKey)",message="set one of assertionFile and privateKey"
// +kubebuilder:validation:XValidation:rule="!has(self.privateKey) || (has(self.issuer) && has(self.subject))",message="issuer and subject are required with privateKey"
// +kubebuilder:validation:XValidation:rule="has(self.privateKey) || (!has(self.issuer) && !has(self.subject) && !has(self.assertionAudience))",message="issuer, subject and assertionAudience are for an assertion signed with privateKey"
// +kubebuilder:validation:XValidation:rule="!has(self.clientSecret) || has(self.clientID)",message="clientSecret needs clientID",fieldPath=".clientSecret"
// +kubebuilder:validation:XValidation:rule="!has(self.authStyle) || !(self.authStyle in ['Basic', 'SecretJWT']) || has(self.clientSecret)",message="authStyle Basic and SecretJWT need clientSecret",fieldPath=".authStyle"
// +kubebuilder:validation:XValidation:rule="!has(self.resources) || !has(self.extraParams) || !('resource' in self.extraParams)",message="set resources or extraParams.resource, not both",fieldPath=".resources"
type JWTBearerAuth struct {
	// TokenURL is the token endpoint; the discovered one when empty.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	// +kubebuilder:validation:XValidation:rule="isURL(self)",message="must be an absolute URL"
	TokenURL string `json:"tokenURL,omitempty"`

	// AssertionFile is a file holding the JWT to present, typically a
	// projected service-account token of the operator with the audience
	// the server expects. Default, when privateKey is not set either:
	// /var/run/secrets/oauth-client-operator/token. Only a
	// ClusterAuthServer may use it.
	// +optional
	AssertionFile TokenFilePath `json:"assertionFile,omitempty"`

	// PrivateKey, instead, signs a new assertion for every token request
	// with issuer, subject and assertionAudience (the JWT profile of
	// servers such as ZITADEL).
	// +optional
	PrivateKey *PrivateKeySelector `json:"privateKey,omitempty"`

	// Issuer is the iss claim of a signed assertion.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Issuer string `json:"issuer,omitempty"`

	// Subject is the sub claim of a signed assertion.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	Subject string `json:"subject,omitempty"`

	// AssertionAudience is the aud claim of a signed assertion. Default:
	// the token URL.
	// +optional
	// +kubebuilder:validation:MaxLength=2048
	AssertionAudience string `json:"assertionAudience,omitempty"`

	// ClientID, optional, identifies a client alongside the grant, for
	// servers that want one.
	// +optional
	// +kubebuilder:validation:MaxLength=512
	ClientID string `json:"clientID,omitempty"`

	// ClientSecret, optional, authenticates that client as authStyle says.
	// +optional
	ClientSecret *SecretKeySelector `json:"clientSecret,omitempty"`

	// AuthStyle is how the client, if any, authenticates. Default: Basic
	// with clientSecret, else Form.
	// +optional
	AuthStyle AuthStyle `json:"authStyle,omitempty"`

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

	// Resources are RFC 8707 resource indicators, each sent as a resource
	// parameter: absolute URIs without a fragment.
	// +optional
	// +listType=set
	// +kubebuilder:validation:MaxItems=16
	// +kubebuilder:validation:items:MaxLength=2048
	// +kubebuilder:validation:items:Pattern=`^[A-Za-z][A-Za-z0-9+.-]*:[^#]+$`
	Resources []string `json:"resources,omitempty"`

	// ExtraParams are added to the token request body.
	// +optional
	// +kubebuilder:validation:MaxProperties=32
	ExtraParams map[string]string `json:"extraParams,omitempty"`

	// ExtraHeaders are sent on token requests and management calls.
	// Values come from Secrets.
	// +optional
	// +listType=map
	// +listMapKey=name
	// +kubebuilder:validation:MaxItems=16
	ExtraHeaders []HeaderFromSecret `json:"extraHeaders,omitempty"`

	// TokenResponse describes the token endpoint's deviations from
	// RFC 6749 in its responses.
	// +optional
	TokenResponse *TokenResponseFormat `json:"tokenResponse,omitempty"`
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

// UsesTokenFile reports whether the credentials log in with a file of the
// operator's pod (clientCredentials.assertionFile, or jwtBearer without a
// private key), which only a ClusterAuthServer may do.
func (c *ManagementCredentials) UsesTokenFile() bool {
	switch {
	case c == nil:
		return false
	case c.ClientCredentials != nil:
		return c.ClientCredentials.AssertionFile != ""
	case c.JWTBearer != nil:
		return c.JWTBearer.PrivateKey == nil
	}
	return false
}
