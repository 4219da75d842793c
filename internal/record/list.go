package record

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Listed is one record, or one orphan note, as the leaked-client scan
// reads it: the OAuthClient it belongs to and the client IDs it accounts
// for.
type Listed struct {
	// Secret is the name of the record's Secret, for messages.
	Secret string
	// Namespace, Name and UID identify the OAuthClient, from the labels.
	Namespace, Name string
	UID             types.UID
	// Orphaned: a note that deletionPolicy Orphan left ClientIDs at the
	// server on purpose (OrphanedName), not a record.
	Orphaned bool
	// ClientIDs are the current client and the retiring ones.
	ClientIDs []string
	// State is the registration state of each of ClientIDs, where the
	// record holds one (a leaked client is deleted with it).
	State map[string]provider.State
}

// Read reads s, a record Secret or an orphan note, as the scan lists it.
func Read(s *corev1.Secret) (Listed, error) {
	l := Listed{
		Secret:    s.Name,
		Namespace: s.Labels[v1alpha1.LabelOAuthClientNamespace],
		Name:      s.Labels[v1alpha1.LabelOAuthClientName],
		UID:       types.UID(s.Labels[v1alpha1.LabelOAuthClientUID]),
		Orphaned:  s.Labels[v1alpha1.LabelManagedBy] == OrphanManagedBy,
		State:     map[string]provider.State{},
	}
	if l.Orphaned {
		if id := string(s.Data[keyClientID]); id != "" {
			l.ClientIDs = []string{id}
		}
		return l, nil
	}
	r, err := Decode(s.Data)
	if err != nil {
		// Its client IDs are unknown: better no scan than a live
		// client taken for a leaked one.
		return Listed{}, fmt.Errorf("client record Secret %s/%s is damaged: %w", s.Namespace, s.Name, err)
	}
	l.ClientIDs = append(l.ClientIDs, r.ClientID)
	l.State[r.ClientID] = r.Provider
	for _, rc := range r.Retiring {
		l.ClientIDs = append(l.ClientIDs, rc.ClientID)
		if !rc.SecretsOnly {
			l.State[rc.ClientID] = rc.Provider
		}
	}
	return l, nil
}
