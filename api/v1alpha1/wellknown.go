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
	// AnnotationExpiresAt on the delivered Secret is when the server expires
	// its secret (RFC 3339); absent when the server sets no expiry.
	AnnotationExpiresAt = "oauth.clientoperator.io/expires-at"
	// AnnotationClientID on the delivered Secret is the client it holds.
	AnnotationClientID = "oauth.clientoperator.io/client-id"
	// AnnotationTemplateLabels and AnnotationTemplateAnnotations are the
	// bookkeeping annotations of operator versions that wrote the delivered
	// Secret without server-side apply. The operator removes them when it
	// takes such a Secret over (see controllers/oauthclient/writer).
	AnnotationTemplateLabels      = "oauth.clientoperator.io/template-labels"
	AnnotationTemplateAnnotations = "oauth.clientoperator.io/template-annotations"

	// AnnotationRotateRequestedAt on an OAuthClient asks for one rotation:
	// any new value rotates once; the value is remembered, so re-applying
	// the same manifest does not rotate again.
	AnnotationRotateRequestedAt = "oauth.clientoperator.io/rotate-requested-at"

	// FieldManager is the operator's field manager for server-side apply.
	FieldManager = "oauth-client-operator"

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
	// ReasonServerNotAllowed: the client's namespace may not use the
	// ClusterAuthServer (its namespaceSelector or namespaces).
	ReasonServerNotAllowed = "ServerNotAllowed"
	// ReasonPolicyViolation: the client asks for what its server's
	// clientPolicy does not allow.
	ReasonPolicyViolation = "PolicyViolation"
)
