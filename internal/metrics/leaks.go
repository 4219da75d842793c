package metrics

import "github.com/prometheus/client_golang/prometheus"

// leaked is the number of leaked clients the last scan of each server found
// (controllers/leaks): clients at the server with this operator's ownership
// marker that no OAuthClient accounts for. Finding them takes a List at the
// server, so the figure is kept between scrapes, not read at each.
var leaked = prometheus.NewGaugeVec(prometheus.GaugeOpts{
	Name: "oauthclient_leaked_clients",
	Help: "Clients at the authorization server that carry this operator's ownership marker but that no OAuthClient accounts for, as of the last scan (orphanCleanup: Delete deletes them).",
}, []string{"server_kind", "server_namespace", "server_name"})

// Leaked sets the leaked-client count of the server kind namespace/name.
func Leaked(kind, namespace, name string, n int) {
	leaked.WithLabelValues(kind, namespace, name).Set(float64(n))
}

// ForgetLeaked drops the leaked-client count of a server that is gone or
// not scanned any more.
func ForgetLeaked(kind, namespace, name string) {
	leaked.DeleteLabelValues(kind, namespace, name)
}
