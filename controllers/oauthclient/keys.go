package oauthclient

import (
	"context"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Key-based clients (private_key_jwt): the operator makes the key pair,
// the server holds only public keys, the Secret the private one. The order
// of every step keeps one rule: a public key is at the server only while
// the record holds its private half.

// newKey makes the key pair the client's spec.keys asks for.
func newKey(oac *v1alpha1.OAuthClient) (keys.Pair, error) {
	alg, bits := policy.KeyAlgorithm(oac)
	pair, err := keys.Generate(alg, bits)
	if err != nil {
		return keys.Pair{}, fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
	}
	return pair, nil
}

// desiredWithKeys is the registration the server should hold for rec:
// the manifest's, with the public keys whose private halves rec holds.
func desiredWithKeys(oac *v1alpha1.OAuthClient, rec *record.Record) (provider.ClientSpec, error) {
	spec, err := policy.DesiredFor(oac, rec)
	if err != nil {
		return spec, fail(v1alpha1.ReasonProviderError, "%v", err)
	}
	return spec, nil
}

// ensureKey gives a key-based client whose record has no key yet (its
// tokenEndpointAuthMethod was just changed to private_key_jwt) a key pair,
// recorded before the update that registers its public key.
func (r *Reconciler) ensureKey(ctx context.Context, o *observation, rec *record.Record) (*record.Record, error) {
	if !policy.IsKeyBased(o.Client) || rec.Key != "" {
		return rec, nil
	}
	pair, err := newKey(o.Client)
	if err != nil {
		return rec, err
	}
	next := rec.Clone()
	next.Key = string(pair.PrivatePEM)
	next.Version++
	next.IssuedAt = now()
	rolled(o.Client, next)
	if err := r.records.Save(ctx, o.Client, next); err != nil {
		return rec, err
	}
	return next, nil
}

// rotateKey rotates a key-based client by key overlap: a new key pair is
// recorded first (the old one kept, retiring at the end of the grace
// period), then the server's key set becomes old+new. The Secret switches
// to the new key afterwards; the old public key is removed by dropOldKey.
// A crash after the record is saved leaves the server with the old key
// only, which the next reconcile sees as drift of the key set and adds
// the new one.
func (r *Reconciler) rotateKey(ctx context.Context, o *observation, rec *record.Record, p policy.Plan) (*record.Record, error) {
	oac := o.Client
	pair, err := newKey(oac)
	if err != nil {
		return rec, err
	}
	next := rec.Clone()
	retireAt := time.Now().Add(policy.GracePeriodOf(oac)).UTC().Truncate(time.Second)
	if next.Key != "" {
		next.Retiring = append(next.Retiring, record.Retiring{ClientID: next.ClientID, RetireAt: retireAt, SecretsOnly: true, Key: next.Key})
	}
	next.Key = string(pair.PrivatePEM)
	t := now()
	next.Version++
	next.IssuedAt, next.LastRotation = t, t
	next.RotationReason = p.RotateReason
	next.HandledRequest = oac.Annotations[v1alpha1.AnnotationRotateRequestedAt]
	rolled(oac, next)
	if err := r.records.Save(ctx, oac, next); err != nil {
		metrics.Rotated(oac.Namespace, oac.Name, string(p.Rotate), err)
		return rec, err
	}
	if err := crashpoint.Reached(crashpoint.AfterKeySave); err != nil {
		return next, err
	}
	spec, err := desiredWithKeys(oac, next)
	if err == nil {
		var res provider.Result
		if res, err = o.server.Provider.Update(ctx, next.ClientID, next.Provider, spec); err == nil && res.State != nil {
			next.Provider = res.State
		}
		if err != nil {
			err = providerFailure(err, "adding the new public key of client %s", next.ClientID)
		}
	}
	metrics.Rotated(oac.Namespace, oac.Name, string(p.Rotate), err)
	if err != nil {
		return next, err
	}
	r.event(oac, corev1.EventTypeNormal, "Rotated", "rotated the key pair by key overlap (new key %s; the old key is removed after the grace period): %s", pair.KeyID, p.RotateReason)
	return next, nil
}

// dropOldKey ends a key rotation's grace period: the client's key set
// becomes the keys rec still holds without rc's, and only then is rc
// taken off the record (saved at once, with any new state the server
// returned). An entry of a client since replaced is just dropped.
func (r *Reconciler) dropOldKey(ctx context.Context, o *observation, rec *record.Record, rc record.Retiring) (*record.Record, error) {
	next := rec.Clone()
	next.Retiring = slices.DeleteFunc(next.Retiring, func(x record.Retiring) bool {
		return x.ClientID == rc.ClientID && x.Key == rc.Key && x.RetireAt.Equal(rc.RetireAt)
	})
	if rc.ClientID != rec.ClientID {
		return next, nil
	}
	spec, err := desiredWithKeys(o.Client, next)
	if err != nil {
		return rec, err
	}
	res, err := o.server.Provider.Update(ctx, next.ClientID, next.Provider, spec)
	if err != nil {
		return rec, providerFailure(err, "removing the old public key of client %s", next.ClientID)
	}
	if res.State != nil {
		next.Provider = res.State
	}
	if err := r.records.Save(ctx, o.Client, next); err != nil {
		return rec, err
	}
	if err := crashpoint.Reached(crashpoint.AfterRetireDelete); err != nil {
		return next, err
	}
	r.event(o.Client, corev1.EventTypeNormal, "Revoked", "removed the old public key of client %s after its grace period", next.ClientID)
	return next, nil
}

// withKey adds rec's private key to the delivered credentials of a
// key-based client. A key that cannot be read is an error, never in it.
func withKey(oac *v1alpha1.OAuthClient, rec *record.Record, c *delivery.Credentials) error {
	if !policy.IsKeyBased(oac) || rec.Key == "" {
		return nil
	}
	pair, err := keys.Parse([]byte(rec.Key))
	if err != nil {
		return fail(v1alpha1.ReasonProviderError, "the recorded private key of client %s: %v", rec.ClientID, err)
	}
	jwk, err := pair.PrivateJWK()
	if err != nil {
		return fail(v1alpha1.ReasonProviderError, "the recorded private key of client %s: %v", rec.ClientID, err)
	}
	c.PrivateKeyPEM, c.PrivateKeyJWK, c.KeyID = rec.Key, string(jwk), pair.KeyID
	c.ClientSecret = ""
	return nil
}
