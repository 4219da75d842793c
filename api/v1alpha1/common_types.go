package v1alpha1

// SecretKeySelector points at one key of a Secret. The Secret is read from the
// namespace of the AuthServer, or from the operator's namespace for a
// ClusterAuthServer; there is no namespace field on purpose.
type SecretKeySelector struct {
	// Name of the Secret.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`
	Name string `json:"name"`

	// Key within the Secret's data.
	// +kubebuilder:validation:MinLength=1
	// +kubebuilder:validation:MaxLength=253
	// +kubebuilder:validation:Pattern=`^[-._a-zA-Z0-9]+$`
	Key string `json:"key"`
}

// Condition types and reasons shared by the kinds of this API. Conditions
// follow kstatus: Ready is True only when everything works.
const (
	// ConditionReady is True when the resource does what it asks for.
	ConditionReady = "Ready"
)
