package v1alpha1

// AdoptionPolicy says what the operator does with a client that already
// holds spec.clientID at the server when this OAuthClient has no record of
// it (someone else made it, or an earlier OAuthClient of the same name).
// +kubebuilder:validation:Enum=FailOnConflict;Adopt
type AdoptionPolicy string

const (
	// AdoptionFailOnConflict leaves the existing client alone and reports
	// Ready=False with reason ClientExists.
	AdoptionFailOnConflict AdoptionPolicy = "FailOnConflict"
	// AdoptionAdopt takes the existing client over: it is brought in line
	// with the manifest, recorded, and its secret delivered (kept where the
	// server lets it be read, rotated otherwise).
	AdoptionAdopt AdoptionPolicy = "Adopt"
)

// Adoption is what to do with a client that already exists at the server.
type Adoption struct {
	// Policy is FailOnConflict (the default: report and touch nothing) or
	// Adopt (take the existing client over).
	// +optional
	// +kubebuilder:default=FailOnConflict
	Policy AdoptionPolicy `json:"policy,omitempty"`
}

// ConditionAdopted is True on an OAuthClient whose client existed at the
// server before it and was taken over (spec.adoption.policy Adopt); its
// reason says what happened to the secret.
const ConditionAdopted = "Adopted"

// Reasons of the Adopted condition and of Ready for an existing client.
const (
	// ReasonClientExists: a client already holds spec.clientID at the
	// server and spec.adoption.policy is FailOnConflict.
	ReasonClientExists = "ClientExists"
	// ReasonSecretKept: the adopted client's secret was read from the
	// server and delivered unchanged.
	ReasonSecretKept = "SecretKept"
	// ReasonSecretRotated: the server does not let the secret be read, so
	// the adopted client was given a new one.
	ReasonSecretRotated = "SecretRotated"
)
