package servers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// refIndex indexes OAuthClients by "Kind/Name" of their server.
const refIndex = "spec.serverRef"

// AddIndex adds the index ClientsUsing needs to the manager's cache.
func AddIndex(ctx context.Context, indexer client.FieldIndexer) error {
	return indexer.IndexField(ctx, &v1alpha1.OAuthClient{}, refIndex, func(obj client.Object) []string {
		oac := obj.(*v1alpha1.OAuthClient)
		return []string{string(oac.ServerKind()) + "/" + oac.Spec.ServerRef.Name}
	})
}

// ClientsUsing lists the OAuthClients that refer to the server at key.
func ClientsUsing(ctx context.Context, c client.Reader, key Key) ([]v1alpha1.OAuthClient, error) {
	var list v1alpha1.OAuthClientList
	opts := []client.ListOption{client.MatchingFields{refIndex: string(key.Kind) + "/" + key.Name}}
	if key.Namespace != "" {
		opts = append(opts, client.InNamespace(key.Namespace))
	}
	if err := c.List(ctx, &list, opts...); err != nil {
		return nil, fmt.Errorf("listing the OAuthClients of %s %s: %w", key.Kind, key.Name, err)
	}
	return list.Items, nil
}
