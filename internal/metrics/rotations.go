package metrics

import "github.com/prometheus/client_golang/prometheus"

// Rotation results.
const (
	RotationSucceeded = "succeeded"
	RotationFailed    = "failed"
)

// rotations counts each OAuthClient's rotations by strategy and result: a
// failed one (the server refused or did not answer) is retried, and each
// try counts.
var rotations = prometheus.NewCounterVec(prometheus.CounterOpts{
	Name: "oauthclient_rotations_total",
	Help: "Rotations of an OAuthClient's credentials by strategy and result: succeeded, or failed (the server refused or did not answer; retried).",
}, []string{"namespace", "name", "strategy", "result"})

// Rotated counts one rotation of the OAuthClient namespace/name with
// strategy; err is its outcome.
func Rotated(namespace, name, strategy string, err error) {
	result := RotationSucceeded
	if err != nil {
		result = RotationFailed
	}
	rotations.WithLabelValues(namespace, name, strategy, result).Inc()
}

// Forget drops the counted series of an OAuthClient that is gone.
func Forget(namespace, name string) {
	rotations.DeletePartialMatch(prometheus.Labels{"namespace": namespace, "name": name})
}
