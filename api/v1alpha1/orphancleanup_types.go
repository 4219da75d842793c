package v1alpha1

// OrphanCleanup says what the operator does with leaked clients: clients at
// the server that carry this operator instance's ownership marker but that
// no OAuthClient accounts for any more (for example after a finalizer was
// removed by hand). Only servers that can list their clients are scanned.
// +kubebuilder:validation:Enum=Report;Delete
type OrphanCleanup string

const (
	// OrphanCleanupReport reports leaked clients (the metric
	// oauthclient_leaked_clients and a Warning event LeakedClients on the
	// server object) and leaves them at the server.
	OrphanCleanupReport OrphanCleanup = "Report"
	// OrphanCleanupDelete reports leaked clients and deletes them at the
	// server (event LeakedClientsDeleted).
	OrphanCleanupDelete OrphanCleanup = "Delete"
)

// Events about leaked clients, on the AuthServer or ClusterAuthServer.
const (
	// EventLeakedClients names clients found leaked at the server.
	EventLeakedClients = "LeakedClients"
	// EventLeakedClientsDeleted names leaked clients deleted at the server
	// (orphanCleanup: Delete).
	EventLeakedClientsDeleted = "LeakedClientsDeleted"
)
