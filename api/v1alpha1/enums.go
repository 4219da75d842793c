package v1alpha1

// DeletionPolicy says what happens to the remote client and the delivered
// Secret when an OAuthClient is deleted.
// +kubebuilder:validation:Enum=Delete;Orphan
type DeletionPolicy string

const (
	// DeletionPolicyDelete removes the client at the server and the Secret.
	DeletionPolicyDelete DeletionPolicy = "Delete"
	// DeletionPolicyOrphan keeps both and detaches the Secret.
	DeletionPolicyOrphan DeletionPolicy = "Orphan"
)

// RotationStrategy is how credentials are replaced.
// +kubebuilder:validation:Enum=Auto;Regenerate;Overlap;Replace
type RotationStrategy string

const (
	// StrategyAuto picks the best zero-downtime strategy the server allows:
	// Overlap where it keeps two secrets, else Replace.
	StrategyAuto RotationStrategy = "Auto"
	// StrategyRegenerate has the server issue a new secret for the same
	// client; the old one stops working at once.
	StrategyRegenerate RotationStrategy = "Regenerate"
	// StrategyOverlap adds a second secret and revokes the old one after
	// the grace period.
	StrategyOverlap RotationStrategy = "Overlap"
	// StrategyReplace registers a new client, switches the Secret, and
	// deletes the old client after the grace period.
	StrategyReplace RotationStrategy = "Replace"
)

// ServerKind is the kind of server an OAuthClient refers to.
// +kubebuilder:validation:Enum=AuthServer;ClusterAuthServer
type ServerKind string

const (
	// KindAuthServer is a namespaced server, usable from its own namespace.
	KindAuthServer ServerKind = "AuthServer"
	// KindClusterAuthServer is a cluster-wide server.
	KindClusterAuthServer ServerKind = "ClusterAuthServer"
	// KindOAuthClient is the kind of OAuthClient objects.
	KindOAuthClient = "OAuthClient"
)

// WorkloadKind is a kind of workload the operator can restart.
// +kubebuilder:validation:Enum=Deployment;StatefulSet;DaemonSet
type WorkloadKind string

// Workload kinds.
const (
	WorkloadDeployment  WorkloadKind = "Deployment"
	WorkloadStatefulSet WorkloadKind = "StatefulSet"
	WorkloadDaemonSet   WorkloadKind = "DaemonSet"
)
