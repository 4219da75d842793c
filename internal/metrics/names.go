package metrics

import "github.com/prometheus/client_golang/prometheus"

// metric is one metric this package exposes.
type metric struct {
	name string
	desc *prometheus.Desc
}

func newMetric(name, help string, labels ...string) metric {
	return metric{name: name, desc: prometheus.NewDesc(name, help, labels, nil)}
}

// The labels of every OAuthClient metric, and of every server metric.
var (
	clientLabels = []string{"namespace", "name", "server_kind", "server"}
	serverLabels = []string{"namespace", "name", "kind", "provider"}
)

var (
	clientReady = newMetric("oauthclient_ready_status",
		"The OAuthClient's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.",
		append(clientLabels, "condition")...)
	clientReadyReason = newMetric("oauthclient_ready_reason",
		"1 for the reason of the OAuthClient's Ready condition (Ready, RateLimited, Unauthorized, ...).",
		append(clientLabels, "reason")...)
	clientDisabled = newMetric("oauthclient_disabled",
		"1 when the OAuthClient is disabled (spec.disabled).", clientLabels...)
	clientVersion = newMetric("oauthclient_credential_version",
		"The version of the delivered credentials; it goes up by one at each rotation.", clientLabels...)
	clientIssued = newMetric("oauthclient_credential_issued_timestamp_seconds",
		"When the delivered credentials were issued, in Unix seconds.", clientLabels...)
	clientExpiration = newMetric("oauthclient_credential_expiration_timestamp_seconds",
		"When the authorization server expires the delivered secret, in Unix seconds; absent when it never does.", clientLabels...)
	clientLastRotation = newMetric("oauthclient_last_rotation_timestamp_seconds",
		"When the credentials were last rotated, in Unix seconds.", clientLabels...)
	clientNextRotation = newMetric("oauthclient_next_rotation_timestamp_seconds",
		"When the credentials are next due for rotation (schedule or server expiry), in Unix seconds; absent when never.", clientLabels...)
	clientRotationOverdue = newMetric("oauthclient_rotation_overdue",
		"1 when the next rotation time has passed and the credentials are still the old ones.", clientLabels...)

	serverReady = newMetric("oauthclient_server_ready_status",
		"The AuthServer's or ClusterAuthServer's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.",
		append(serverLabels, "condition")...)
	serverReadyReason = newMetric("oauthclient_server_ready_reason",
		"1 for the reason of the server's Ready condition (Ready, DiscoveryFailed, CredentialsRefused, ...).",
		append(serverLabels, "reason")...)
)

// descs are all the metrics, in the order Describe sends them.
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
