package leaks

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// listRecords reads every record and orphan note in namespace, uncached,
// so a record saved before the call is seen.
func listRecords(ctx context.Context, reader client.Reader, namespace string) ([]record.Listed, error) {
	managed, err := k8slabels.NewRequirement(v1alpha1.LabelManagedBy, selection.In,
		[]string{record.ManagedBy, record.OrphanManagedBy})
	if err != nil {
		return nil, err
	}
	var list corev1.SecretList
	if err := reader.List(ctx, &list, client.InNamespace(namespace),
		client.MatchingLabelsSelector{Selector: k8slabels.NewSelector().Add(*managed)}); err != nil {
		return nil, fmt.Errorf("listing the client records: %w", err)
	}
	out := make([]record.Listed, 0, len(list.Items))
	for i := range list.Items {
		l, err := record.Read(&list.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}
