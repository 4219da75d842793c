package oauthclient

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// holderOf is the name of the OAuthClient of sec's namespace whose UID
// sec's labels carry, when that is not oac; "" when none is (or sec is nil
// or oac's own).
func (r *Reconciler) holderOf(ctx context.Context, oac *v1alpha1.OAuthClient, sec *corev1.Secret) string {
	if sec == nil {
		return ""
	}
	uid := sec.Labels[v1alpha1.LabelOAuthClientUID]
	if uid == "" || uid == string(oac.UID) {
		return ""
	}
	var list v1alpha1.OAuthClientList
	if err := r.Client.List(ctx, &list, client.InNamespace(oac.Namespace)); err != nil {
		return ""
	}
	for _, other := range list.Items {
		if string(other.UID) == uid {
			return other.Name
		}
	}
	return ""
}
