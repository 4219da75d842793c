package metrics

// metric is one gauge this package writes at each scrape.
type metric struct {
	name, help string
}

func newMetric(name, help string) metric { return metric{name: name, help: help} }

// The labels of every OAuthClient metric, and of every server metric.
var (
	clientLabels = []string{"namespace", "name", "server_kind", "server"}
	serverLabels = []string{"namespace", "name", "kind", "provider"}
)

var (
	clientReady = newMetric("oauthclient_ready_status",
		"The OAuthClient's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.")
	clientReadyReason = newMetric("oauthclient_ready_reason",
		"1 for the reason of the OAuthClient's Ready condition (Ready, RateLimited, Unauthorized, ...).")
	clientDisabled = newMetric("oauthclient_disabled",
		"1 when the OAuthClient is disabled (spec.disabled).")
	clientVersion = newMetric("oauthclient_credential_version",
		"The version of the delivered credentials; it goes up by one at each rotation.")
	clientIssued = newMetric("oauthclient_credential_issued_timestamp_seconds",
		"When the delivered credentials were issued, in Unix seconds.")
	clientExpiration = newMetric("oauthclient_credential_expiration_timestamp_seconds",
		"When the authorization server expires the delivered secret, in Unix seconds; absent when it never does.")
	clientLastRotation = newMetric("oauthclient_last_rotation_timestamp_seconds",
		"When the credentials were last rotated, in Unix seconds.")
	clientNextRotation = newMetric("oauthclient_next_rotation_timestamp_seconds",
		"When the credentials are next due for rotation (schedule or server expiry), in Unix seconds; absent when never.")
	clientRotationOverdue = newMetric("oauthclient_rotation_overdue",
		"1 when the next rotation time has passed and the credentials are still the old ones.")

	serverReady = newMetric("oauthclient_server_ready_status",
		"The AuthServer's or ClusterAuthServer's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.")
	serverReadyReason = newMetric("oauthclient_server_ready_reason",
		"1 for the reason of the server's Ready condition (Ready, DiscoveryFailed, CredentialsRefused, ...).")
)

// descs are all the metrics read at each scrape.
var descs = []metric{
	clientReady, clientReadyReason, clientDisabled, clientVersion, clientIssued, clientExpiration,
	clientLastRotation, clientNextRotation, clientRotationOverdue, serverReady, serverReadyReason,
}

// Names are the names of every metric the collector exposes (for the tests
// of the alerts and the dashboard, which may use only these and
// controller-runtime's own).
func Names() []string {
	names := make([]string, 0, len(descs)+len(vecNames))
	for _, d := range descs {
		names = append(names, d.name)
	}
	return append(names, vecNames...)
}
