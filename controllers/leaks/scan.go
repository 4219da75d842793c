package leaks

import (
	"context"
	"fmt"
	"maps"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// scan lists one server's clients and reports the leaked ones.
//
// A client being registered is never reported: the OAuthClient controller
// creates a client at the server, then saves its record (and deletes the
// client again when the save fails). So the server is listed first and
// the records are read after, which sees every record saved before the
// listing; a client listed whose record is still being saved is only a
// suspect, and it counts as leaked only when a scan at least one interval
// later still lists it and still finds no live record naming it
// (policy.ConfirmLeaks). By then its registration has long ended: saved,
// or the client deleted again.
func (s *Scanner) scan(ctx context.Context, key servers.Key, srv *servers.Server, st *scanState, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, max(s.Interval, 5*time.Minute))
	defer cancel()
	listed, err := provider.ListAll(ctx, srv.Provider, srv.Owner)
	if err != nil {
		return fmt.Errorf("listing the clients: %w", err)
	}
	recorded, err := s.recorded(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(listed))
	for i, c := range listed {
		ids[i] = c.ClientID
	}
	var leaked []string
	st.suspects, leaked = policy.ConfirmLeaks(st.suspects, policy.Unaccounted(ids, decisions(recorded)), now, s.Interval)

	obj := servers.NewObject(key.Kind)
	if err := s.Client.Get(ctx, types.NamespacedName{Namespace: key.Namespace, Name: key.Name}, obj); err != nil {
		if apierrors.IsNotFound(err) {
			s.forget(key)
			return nil
		}
		return fmt.Errorf("reading the server: %w", err)
	}
	s.report(ctx, key, obj, srv, st, leaked, statesOf(recorded))
	return nil
}

// recordedClients is one record with whether it still accounts for its
// clients.
type recordedClients struct {
	record.Listed
	live bool
}

// recorded reads every record and whether its OAuthClient still exists.
// An orphan note always accounts for its client (deletionPolicy Orphan
// left it on purpose). A record whose OAuthClient the cache does not hold
// is confirmed gone by the API server, so a cache that lags never makes a
// live client look leaked.
func (s *Scanner) recorded(ctx context.Context) ([]recordedClients, error) {
	listed, err := listRecords(ctx, s.APIReader, s.OperatorNamespace)
	if err != nil {
		return nil, err
	}
	var clients v1alpha1.OAuthClientList
	if err := s.Client.List(ctx, &clients, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing the OAuthClients: %w", err)
	}
	cached := make(map[types.UID]bool, len(clients.Items))
	for i := range clients.Items {
		cached[clients.Items[i].UID] = true
	}
	out := make([]recordedClients, 0, len(listed))
	for _, l := range listed {
		live := l.Orphaned || l.UID == "" || cached[l.UID]
		if !live {
			if live, err = s.exists(ctx, l); err != nil {
				return nil, err
			}
		}
		out = append(out, recordedClients{Listed: l, live: live})
	}
	return out, nil
}

// exists asks the API server whether the record's OAuthClient exists.
func (s *Scanner) exists(ctx context.Context, l record.Listed) (bool, error) {
	var oac v1alpha1.OAuthClient
	err := s.APIReader.Get(ctx, types.NamespacedName{Namespace: l.Namespace, Name: l.Name}, &oac)
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("reading OAuthClient %s/%s of record %s: %w", l.Namespace, l.Name, l.Secret, err)
	}
	return oac.UID == l.UID, nil
}

// decisions are the records as the policy sees them.
func decisions(recorded []recordedClients) []policy.Recorded {
	out := make([]policy.Recorded, len(recorded))
	for i, r := range recorded {
		out[i] = policy.Recorded{Live: r.live, ClientIDs: r.ClientIDs}
	}
	return out
}

// statesOf is the registration state of each client in a record whose
// OAuthClient is gone, to delete it with.
func statesOf(recorded []recordedClients) map[string]provider.State {
	out := map[string]provider.State{}
	for _, r := range recorded {
		if r.live {
			continue
		}
		maps.Copy(out, r.State)
	}
	return out
}
