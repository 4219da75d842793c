package servers

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// ClientsUsing lists the OAuthClients that refer to the server at key: of
// the cache's OAuthClients in the server's namespace (all of them for a
// ClusterAuthServer), a copy of each that names it. The cache keeps no
// index by server for this: at 10,000 clients such an index held two more
// sets of every client's key (about 2 MiB), for a list that is needed only
// when a server changes, becomes Ready or is deleted, and that walks the
// cached objects without copying the ones it skips.
func ClientsUsing(ctx context.Context, c client.Reader, key Key) ([]v1alpha1.OAuthClient, error) {
	var list v1alpha1.OAuthClientList
	opts := []client.ListOption{client.UnsafeDisableDeepCopy}
	if key.Namespace != "" {
		opts = append(opts, client.InNamespace(key.Namespace))
	}
	if err := c.List(ctx, &list, opts...); err != nil {
		return nil, fmt.Errorf("listing the OAuthClients of %s %s: %w", key.Kind, key.Name, err)
	}
	// The items are shallow copies of the cached objects: they share their
	// maps and slices with the cache. Each match is copied deep into the
	// same array, so no second array of every client is allocated (at
	// 10,000 clients one is about 7 MiB, at the moment a restart holds the
	// most).
	users := list.Items[:0]
	for i := range list.Items {
		oac := &list.Items[i]
		if oac.ServerKind() != key.Kind || oac.Spec.ServerRef.Name != key.Name {
			continue
		}
		var c v1alpha1.OAuthClient // DeepCopyInto must not write to what it reads
		oac.DeepCopyInto(&c)
		users = append(users, c)
	}
	clear(list.Items[len(users):])
	return users, nil
}
