package leaks

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// maxNamed caps the client IDs an event names (client IDs are not secrets,
// but an event's note is short).
const maxNamed = 10

// report sets the server's leaked-client count, deletes the leaked clients
// when the server says orphanCleanup: Delete, and says so in events. A
// LeakedClients event is recorded when the leaked clients differ from
// those the last one named, so a leak that stays is not an event per scan.
func (s *Scanner) report(ctx context.Context, key servers.Key, obj servers.Object, srv *servers.Server,
	st *scanState, leaked []string, states map[string]provider.State) {
	if obj.ServerSpec().OrphanCleanup == v1alpha1.OrphanCleanupDelete && len(leaked) > 0 {
		var deleted, failed []string
		for _, id := range leaked {
			if err := srv.Provider.Delete(ctx, id, states[id]); err != nil {
				s.Log.Info("deleting a leaked client failed; trying again at the next scan", "server", key, "clientID", id, "error", err.Error())
				failed = append(failed, id)
				continue
			}
			delete(st.suspects, id)
			deleted = append(deleted, id)
		}
		if len(deleted) > 0 {
			s.event(obj, corev1.EventTypeNormal, v1alpha1.EventLeakedClientsDeleted,
				"deleted %d leaked client(s) at the server (orphanCleanup: Delete): %s", len(deleted), named(deleted))
		}
		leaked = failed
	}
	metrics.Leaked(string(key.Kind), key.Namespace, key.Name, len(leaked))
	if len(leaked) > 0 && !slices.Equal(leaked, st.reported) {
		s.event(obj, corev1.EventTypeWarning, v1alpha1.EventLeakedClients,
			"%d client(s) at the server carry this operator's ownership marker but no OAuthClient accounts for them: %s; delete them at the server, or set spec.orphanCleanup: Delete",
			len(leaked), named(leaked))
	}
	st.reported = leaked
}

// named lists ids for an event, at most maxNamed of them.
func named(ids []string) string {
	if len(ids) <= maxNamed {
		return strings.Join(ids, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(ids[:maxNamed], ", "), len(ids)-maxNamed)
}

// event records an event on the server object. Notes name client IDs,
// never a secret.
func (s *Scanner) event(obj servers.Object, eventType, reason, note string, args ...any) {
	if s.Recorder != nil {
		s.Recorder.Eventf(obj, nil, eventType, reason, reason, note, args...)
	}
}
