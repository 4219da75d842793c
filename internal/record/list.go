package record

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

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

// List reads every record and orphan note in namespace, uncached, so a
// record saved before the call is seen.
func List(ctx context.Context, reader client.Reader, namespace string) ([]Listed, error) {
	managed, err := k8slabels.NewRequirement(v1alpha1.LabelManagedBy, selection.In,
		[]string{v1alpha1.ManagedByValue + stateSuffix, v1alpha1.ManagedByValue + orphanedSuffix})
	if err != nil {
		return nil, err
	}
	var list corev1.SecretList
	if err := reader.List(ctx, &list, client.InNamespace(namespace),
		client.MatchingLabelsSelector{Selector: k8slabels.NewSelector().Add(*managed)}); err != nil {
		return nil, fmt.Errorf("listing the client records: %w", err)
	}
	out := make([]Listed, 0, len(list.Items))
	for i := range list.Items {
		s := &list.Items[i]
		l := Listed{
			Secret:    s.Name,
			Namespace: s.Labels[v1alpha1.LabelOAuthClientNamespace],
			Name:      s.Labels[v1alpha1.LabelOAuthClientName],
			UID:       types.UID(s.Labels[v1alpha1.LabelOAuthClientUID]),
			Orphaned:  s.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue+orphanedSuffix,
			State:     map[string]provider.State{},
		}
		if l.Orphaned {
			if id := string(s.Data[keyClientID]); id != "" {
				l.ClientIDs = []string{id}
			}
			out = append(out, l)
			continue
		}
		r, err := Decode(s.Data)
		if err != nil {
			// Its client IDs are unknown: better no scan than a live
			// client taken for a leaked one.
			return nil, fmt.Errorf("client record Secret %s/%s is damaged: %w", namespace, s.Name, err)
		}
		l.ClientIDs = append(l.ClientIDs, r.ClientID)
		l.State[r.ClientID] = r.Provider
		for _, rc := range r.Retiring {
			l.ClientIDs = append(l.ClientIDs, rc.ClientID)
			if !rc.SecretsOnly {
				l.State[rc.ClientID] = rc.Provider
			}
		}
		out = append(out, l)
	}
	return out, nil
}
