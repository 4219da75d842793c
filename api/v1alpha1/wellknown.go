package v1alpha1

// Labels, annotations and finalizers the operator puts on objects.
const (
	// LabelManagedBy marks every Secret the operator writes. The operator's
	// Secret cache holds only Secrets with this label.
	LabelManagedBy = "oauth.clientoperator.io/managed-by"
	// ManagedByValue is the value of LabelManagedBy.
	ManagedByValue = "oauth-client-operator"

	// LabelOAuthClientName, LabelOAuthClientNamespace and LabelOAuthClientUID
	// tie a Secret to the OAuthClient it belongs to.
	LabelOAuthClientName      = "oauth.clientoperator.io/oauthclient"
	LabelOAuthClientNamespace = "oauth.clientoperator.io/oauthclient-namespace"
	LabelOAuthClientUID       = "oauth.clientoperator.io/oauthclient-uid"

	// AnnotationVersion on the delivered Secret counts credential changes.
	AnnotationVersion = "oauth.clientoperator.io/version"
	// AnnotationIssuedAt on the delivered Secret is when its credentials were
	// issued (RFC 3339).
	AnnotationIssuedAt = "oauth.clientoperator.io/issued-at"
	// AnnotationClientID on the delivered Secret is the client it holds.
	AnnotationClientID = "oauth.clientoperator.io/client-id"
	// AnnotationTemplateLabels and AnnotationTemplateAnnotations on the
	// delivered Secret list, comma-separated, the label and annotation keys
	// that spec.secretTemplate put there, so that a key removed from the
	// template is removed from the Secret while keys others added stay.
	AnnotationTemplateLabels      = "oauth.clientoperator.io/template-labels"
	AnnotationTemplateAnnotations = "oauth.clientoperator.io/template-annotations"

	// Finalizer keeps an OAuthClient until its remote client is handled.
	Finalizer = "oauth.clientoperator.io/finalizer"
)

// Condition reasons for OAuthClient and AuthServer.
const (
	ReasonReady              = "Ready"
	ReasonServerNotFound     = "ServerNotFound"
	ReasonServerNotReady     = "ServerNotReady"
	ReasonServerUnavailable  = "ServerUnavailable"
	ReasonUnauthorized       = "Unauthorized"
	ReasonRateLimited        = "RateLimited"
	ReasonInvalidMetadata    = "InvalidMetadata"
	ReasonSecretConflict     = "SecretConflict"
	ReasonInvalidTemplate    = "InvalidSecretTemplate"
	ReasonDeleting           = "Deleting"
	ReasonDiscoveryFailed    = "DiscoveryFailed"
	ReasonCredentialsMissing = "CredentialsMissing"
	ReasonCredentialsRefused = "CredentialsRefused"
	ReasonProviderError      = "ProviderError"
	ReasonDisabled           = "Disabled"
)
