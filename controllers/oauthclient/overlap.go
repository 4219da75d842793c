package oauthclient

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// overlap asks the server for a new secret of the same client while the
// old one stays valid, and records, in the same record that holds the new
// secret, when the old one is to be revoked: at the end of the grace
// period. An overlap still running is ended first: the server may keep
// only one previous secret, and revoking ends all of them.
func (r *Reconciler) overlap(ctx context.Context, o *observation, next *record.Record) error {
	for _, rc := range next.Retiring {
		if rc.SecretOnly && rc.ClientID == next.ClientID {
			if err := r.endOverlap(ctx, o, rc, "before the next rotation"); err != nil {
				return err
			}
		}
	}
	next.Retiring = slices.DeleteFunc(next.Retiring, func(rc record.Retiring) bool { return rc.SecretOnly && rc.ClientID == next.ClientID })
	if err := r.regenerate(ctx, o, next); err != nil {
		return err
	}
	retireAt := time.Now().Add(policy.GracePeriodOf(o.Client)).UTC().Truncate(time.Second)
	next.Retiring = append(next.Retiring, record.Retiring{ClientID: next.ClientID, RetireAt: retireAt, Provider: next.Provider, SecretOnly: true})
	return nil
}

// endOverlap revokes the previous secrets of rc's client; when says why
// now, for the event. A server that
// has forgotten the client, or has no previous secrets to revoke, is done.
func (r *Reconciler) endOverlap(ctx context.Context, o *observation, rc record.Retiring, when string) error {
	revoker, ok := o.server.Provider.(provider.SecretRevoker)
	if !ok {
		return nil
	}
	if err := revoker.RevokeRotatedSecrets(ctx, rc.ClientID, rc.Provider); err != nil && provider.KindOf(err) != provider.KindNotFound {
		return providerFailure(err, "revoking the previous secret of client %s", rc.ClientID)
	}
	r.event(o.Client, corev1.EventTypeNormal, "SecretRevoked", "revoked the previous secret of client %s %s", rc.ClientID, when)
	return nil
}
