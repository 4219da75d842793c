package v1alpha1

// CredentialsFrom names a Secret in the OAuthClient's own namespace that
// holds credentials the user brings (filled by a person, External Secrets,
// Vault, ...). The operator only reads it: it registers or updates the
// client with that secret where the server lets the caller supply one,
// verifies it at the token endpoint, and delivers it. It never generates
// credentials instead, and never writes this Secret.
type CredentialsFrom struct {
	// SecretName is the Secret, in the OAuthClient's namespace, that holds
	// the credentials. It may not exist yet: the OAuthClient waits for it
	// (Ready=False, reason CredentialsSourceMissing) and nothing is
	// registered meanwhile. It must not be the OAuthClient's own delivered
	// Secret (spec.secretName).
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	SecretName string `json:"secretName"`

	// ClientIDKey is the key holding the client ID. Required on a
	// preRegistered server (the dashboard chose the ID); elsewhere optional,
	// and where the server chooses IDs itself it must be left out.
	// +optional
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	ClientIDKey string `json:"clientIDKey,omitempty"`

	// ClientSecretKey is the key holding the client secret. Default
	// client_secret.
	// +optional
	// +kubebuilder:default=client_secret
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	ClientSecretKey string `json:"clientSecretKey,omitempty"`

	// NextClientSecretKey is the key where a second secret goes during an
	// assisted rotation: when it holds a value, the operator verifies that
	// secret and, only once it works, delivers it instead of the one in
	// clientSecretKey and restarts the rollout targets; an event then says
	// that the old secret may be disabled at the server. Default
	// next_client_secret.
	// +optional
	// +kubebuilder:default=next_client_secret
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	NextClientSecretKey string `json:"nextClientSecretKey,omitempty"`
}

// SecretKey is the key of the current secret (default client_secret).
func (c *CredentialsFrom) SecretKey() string {
	if c.ClientSecretKey == "" {
		return "client_secret"
	}
	return c.ClientSecretKey
}

// NextSecretKey is the key of the second secret of an assisted rotation
// (default next_client_secret).
func (c *CredentialsFrom) NextSecretKey() string {
	if c.NextClientSecretKey == "" {
		return "next_client_secret"
	}
	return c.NextClientSecretKey
}

// Condition types and reasons of brought credentials.
const (
	// ConditionRotationDue is True when rotation.interval has passed since
	// the brought secret in use was first delivered: the operator cannot
	// rotate it, a person (or the tool that fills the source) must.
	ConditionRotationDue = "RotationDue"
	// ReasonRotationDue: rotation.interval has passed.
	ReasonRotationDue = "RotationDue"
	// ReasonRotationNotDue: the secret in use is younger than
	// rotation.interval, or no interval is set.
	ReasonRotationNotDue = "NotDue"
	// ReasonCredentialsSourceMissing: the Secret of spec.credentialsFrom,
	// or one of its keys, does not exist (yet).
	ReasonCredentialsSourceMissing = "CredentialsSourceMissing"
)
