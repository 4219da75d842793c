package oauthclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
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

// outcome is what the effects of a reconcile left behind, for status.
type outcome struct {
	// record is the record as it is now; nil when there is none.
	record *record.Record
	// delivered: the Secret holds record's credentials now.
	delivered bool
	// disabled explains how the client was disabled, when it was.
	disabled string
}

// act carries out a plan for a live client. A credential only the server
// holds is recorded before anything depends on it: after a registration or
// a rotation the record is saved before the Secret is written; other
// changes to the record are saved once, at the end.
func (r *Reconciler) act(ctx context.Context, o *observation, p policy.Plan) (outcome, error) {
	oac := o.Client
	rec, saved := o.Record, o.Record
	save := func(next *record.Record) error {
		if record.Equal(next, saved) {
			return nil
		}
		if err := r.records.Save(ctx, oac, next); err != nil {
			return err
		}
		saved = next
		return nil
	}
	out := func(err error) (outcome, error) { return outcome{record: rec}, err }

	var err error
	if p.Register != policy.RegisterNone {
		if rec, err = r.register(ctx, o, p.Register); err != nil {
			return out(err)
		}
		saved = rec
	} else {
		if p.Enable {
			if err := o.server.Provider.SetEnabled(ctx, rec.ClientID, rec.Provider, true); err != nil {
				return out(providerFailure(err, "enabling client %s", rec.ClientID))
			}
			r.event(oac, corev1.EventTypeNormal, "Enabled", "enabled client %s at the server", rec.ClientID)
		}
		if rec, err = r.ensureKey(ctx, o, rec); err != nil {
			return out(err)
		}
		if rec, err = r.correct(ctx, o, rec, p); err != nil {
			return out(err)
		}
		if p.Rotate != "" {
			// What the server said so far (a new registration access token)
			// is kept before the next call to it.
			if err := save(rec); err != nil {
				return out(err)
			}
			if rec, err = r.rotate(ctx, o, rec, p); err != nil {
				return out(err)
			}
			if err := save(rec); err != nil {
				return out(err)
			}
			if err := crashpoint.Reached(crashpoint.AfterRotationSave); err != nil {
				return out(err)
			}
		}
	}
	if rec, err = r.bringOwn(ctx, o, rec, p.Register != policy.RegisterNone); err != nil {
		return out(err)
	}
	if err := save(rec); err != nil {
		return out(err)
	}
	if err := r.deliver(ctx, o, rec); err != nil {
		return r.failedDelivery(ctx, o, p, rec, err)
	}
	if p.Register != policy.RegisterNone || o.Remote != nil {
		r.markSynced(oac, rec)
	}
	if rec, err = r.rollout(ctx, oac, rec); err != nil {
		return outcome{record: rec, delivered: true}, err
	}
	if rec, err = r.retire(ctx, o, rec, p.Retire); err != nil {
		return outcome{record: rec, delivered: true}, err
	}
	return outcome{record: rec, delivered: true}, save(rec)
}

// register creates a new remote client and records it durably before
// anything else happens. If the record cannot be written the new client is
// deleted again, so no credential exists that nobody holds.
func (r *Reconciler) register(ctx context.Context, o *observation, why policy.Register) (*record.Record, error) {
	oac, old := o.Client, o.Record
	if why == policy.RegisterAdopt {
		return r.adoptExisting(ctx, o)
	}
	switch why {
	case policy.RegisterRecordLost:
		r.event(oac, corev1.EventTypeWarning, "StateLost",
			"the operator's record of client %s is gone; registering a new client", oac.Status.ClientID)
	case policy.RegisterGone:
		// The server may say "unknown" for a client it still holds (RFC
		// 7592 servers answer 401 both for a deleted client and for a
		// voided registration access token), so the event says what to check.
		r.event(oac, corev1.EventTypeWarning, "ClientRecreated",
			"client %s cannot be read at the server any more (%s); registering a new client. If %s still exists there, delete it at the server: the operator can no longer manage it",
			old.ClientID, o.goneWhy, old.ClientID)
	}
	version := int64(1)
	switch {
	case old != nil:
		version = old.Version + 1
	case oac.Status.SecretVersion > 0:
		version = oac.Status.SecretVersion + 1
	}
	p := o.server.Provider
	spec := desiredFor(o, version)
	var pair keys.Pair
	if policy.IsKeyBased(oac) {
		var err error
		if pair, err = newKey(oac); err != nil {
			return old, err
		}
		spec.JWKS = keys.Set(pair)
	}
	res, err := p.Create(ctx, spec)
	if err != nil {
		return old, providerFailure(err, "")
	}
	if err := crashpoint.Reached(crashpoint.AfterRemoteCreate); err != nil {
		return old, err
	}
	if !policy.IsPublic(oac) && !policy.IsKeyBased(oac) {
		if err := r.keepOnlyWithSecret(ctx, p, res, "client"); err != nil {
			return old, err
		}
	}
	rec := &record.Record{
		ClientID: res.Client.ClientID, ClientSecret: res.Client.ClientSecret,
		IssuedAt: now(), Version: version, Provider: res.State, SecretExpiresAt: res.Client.SecretExpiresAt,
		// A rotation request present at registration is already satisfied.
		HandledRequest: oac.Annotations[v1alpha1.AnnotationRotateRequestedAt],
		Key:            string(pair.PrivatePEM),
	}
	if old != nil {
		// Replaced clients of the lost one still retire on time.
		rec.Retiring = old.Retiring
	}
	rolled(oac, rec)
	if err := r.records.Save(ctx, oac, rec); err != nil {
		if derr := p.Delete(ctx, rec.ClientID, rec.Provider); derr != nil {
			return old, fmt.Errorf("recording new client %s failed (%v) and deleting it again failed too: %w", rec.ClientID, err, derr)
		}
		return old, fmt.Errorf("recording new client %s failed, so it was deleted again: %w", rec.ClientID, err)
	}
	if err := crashpoint.Reached(crashpoint.AfterStateSave); err != nil {
		return rec, err
	}
	if why != policy.RegisterNew {
		// A new client's first registration sends no event: its Ready
		// condition says "client ... is registered", and an event is one
		// more API write per client.
		r.event(oac, corev1.EventTypeNormal, "Registered", "registered client %s at %s", rec.ClientID, o.server.Endpoints.Issuer)
	}
	return rec, nil
}

// correct brings the record and the server in line with each other: it
// takes the server's secret when it holds another one, records the
// server's expiry, and updates the fields that drifted.
func (r *Reconciler) correct(ctx context.Context, o *observation, rec *record.Record, p policy.Plan) (*record.Record, error) {
	if o.Remote == nil {
		return rec, nil
	}
	oac := o.Client
	next := rec.Clone()
	next.SecretExpiresAt = o.Remote.SecretExpiresAt
	if p.AdoptSecret {
		r.adopt(oac, next, o.Remote.ClientSecret, "the server reports a different secret")
	}
	if len(p.Update) == 0 {
		return next, nil
	}
	spec, err := desiredWithKeys(oac, next)
	if err != nil {
		return next, err
	}
	res, err := o.server.Provider.Update(ctx, next.ClientID, next.Provider, spec)
	if err != nil {
		return next, providerFailure(err, "updating client %s (%s differ)", next.ClientID, strings.Join(p.Update, ", "))
	}
	if res.State != nil {
		next.Provider = res.State
	}
	r.adopt(oac, next, res.Client.ClientSecret, "the server changed them on update")
	r.event(oac, corev1.EventTypeNormal, "Updated", "updated client %s at the server: %s", next.ClientID, strings.Join(p.Update, ", "))
	return next, nil
}

// adopt takes a secret the server issued (none: nothing changes).
func (r *Reconciler) adopt(oac *v1alpha1.OAuthClient, rec *record.Record, secret, why string) {
	if secret == "" || secret == rec.ClientSecret {
		return
	}
	rec.ClientSecret = secret
	rec.Version++
	rec.IssuedAt = now()
	rolled(oac, rec)
	r.event(oac, corev1.EventTypeNormal, "SecretChanged", "client %s has a new secret: %s", rec.ClientID, why)
}

// rotate replaces the credentials with the plan's strategy.
func (r *Reconciler) rotate(ctx context.Context, o *observation, rec *record.Record, p policy.Plan) (*record.Record, error) {
	if policy.IsKeyBased(o.Client) {
		return r.rotateKey(ctx, o, rec, p)
	}
	next := rec.Clone()
	var err error
	switch p.Rotate {
	case v1alpha1.StrategyReplace:
		err = r.replace(ctx, o, next)
	default: // Regenerate and Overlap: the server issues a new secret for the same client
		err = r.regenerate(ctx, o, next)
	}
	metrics.Rotated(o.Client.Namespace, o.Client.Name, string(p.Rotate), err)
	if err != nil {
		return rec, err
	}
	if p.Rotate == v1alpha1.StrategyOverlap {
		// The old secrets stay valid for the grace period, then go.
		retireAt := time.Now().Add(policy.GracePeriodOf(o.Client)).UTC().Truncate(time.Second)
		next.Retiring = append(next.Retiring, record.Retiring{ClientID: next.ClientID, RetireAt: retireAt, SecretsOnly: true})
	}
	t := now()
	next.Version++
	next.IssuedAt, next.LastRotation = t, t
	next.RotationReason = p.RotateReason
	next.HandledRequest = o.Client.Annotations[v1alpha1.AnnotationRotateRequestedAt]
	rolled(o.Client, next)
	r.event(o.Client, corev1.EventTypeNormal, "Rotated", "rotated the credentials with strategy %s: %s", p.Rotate, p.RotateReason)
	return next, nil
}

// replace registers a new client for next and keeps the old one valid for
// the grace period. The old client is recorded as retiring in the same
// record that holds the new one, so a crash cannot lose track of it.
func (r *Reconciler) replace(ctx context.Context, o *observation, next *record.Record) error {
	p := o.server.Provider
	res, err := p.Create(ctx, desiredFor(o, next.Version+1))
	if err != nil {
		return providerFailure(err, "registering the replacement client")
	}
	if err := crashpoint.Reached(crashpoint.AfterReplaceCreate); err != nil {
		return err
	}
	if err := r.keepOnlyWithSecret(ctx, p, res, "replacement client"); err != nil {
		return err
	}
	retireAt := time.Now().Add(policy.GracePeriodOf(o.Client)).UTC().Truncate(time.Second)
	next.Retiring = append(next.Retiring, record.Retiring{ClientID: next.ClientID, RetireAt: retireAt, Provider: next.Provider})
	next.ClientID, next.ClientSecret, next.Provider = res.Client.ClientID, res.Client.ClientSecret, res.State
	next.SecretExpiresAt = res.Client.SecretExpiresAt
	return nil
}

// desiredFor is the registration to create for the version-th credentials:
// the manifest's, with a client ID of the operator's choosing where the
// server lets the caller choose (so a create retried after a crash is found
// again instead of made twice), and the same value as the create key for
// adapters that find a retried create by metadata.
func desiredFor(o *observation, version int64) provider.ClientSpec {
	spec := policy.Desired(o.Client)
	spec.CreateKey = policy.ChosenClientID(o.Client, version)
	if o.Caps.CallerChosenID {
		spec.ClientID = policy.ClientIDFor(o.Client, version)
	}
	withBrought(o, &spec)
	return spec
}

// regenerate asks the server for a new secret of the same client.
func (r *Reconciler) regenerate(ctx context.Context, o *observation, next *record.Record) error {
	res, err := o.server.Provider.RotateSecret(ctx, next.ClientID, next.Provider)
	if err != nil {
		return providerFailure(err, "rotating the secret of client %s", next.ClientID)
	}
	if res.Client.ClientSecret == "" {
		return fail(v1alpha1.ReasonServerUnavailable, "the server rotated client %s without returning a secret", next.ClientID)
	}
	next.ClientSecret = res.Client.ClientSecret
	next.SecretExpiresAt = res.Client.SecretExpiresAt
	if res.State != nil {
		next.Provider = res.State
	}
	return nil
}

// deliver writes the Secret for rec; with nothing changed it writes nothing.
func (r *Reconciler) deliver(ctx context.Context, o *observation, rec *record.Record) error {
	oac := o.Client
	creds := credentials(o, rec)
	if err := withKey(oac, rec, &creds); err != nil {
		return err
	}
	want, err := delivery.Build(oac, creds, rec.Version, rec.IssuedAt, rec.SecretExpiresAt)
	if err != nil {
		return fail(v1alpha1.ReasonInvalidTemplate, "%v", err)
	}
	wrote, err := r.writeSecret(ctx, o, want)
	if err != nil {
		return err
	}
	if wrote && o.secret != nil {
		r.event(oac, corev1.EventTypeNormal, "SecretUpdated", "Secret %s now holds version %d of the credentials", want.Name, rec.Version)
	}
	return crashpoint.Reached(crashpoint.AfterSecretWrite)
}

// credentials are the values the delivered Secret carries for rec.
func credentials(o *observation, rec *record.Record) delivery.Credentials {
	return delivery.Credentials{
		ClientID:     rec.ClientID,
		ClientSecret: rec.ClientSecret,
		TokenURL:     o.server.Endpoints.Token,
		Issuer:       o.server.Endpoints.Issuer,
		Scope:        strings.Join(o.Client.Spec.Scopes, " "),
	}
}

// retire deletes the replaced clients whose grace period has ended (and
// revokes an overlap's old secrets), and takes them off the record. Entries
// this reconcile added (a rotation's) stay.
func (r *Reconciler) retire(ctx context.Context, o *observation, rec *record.Record, due []record.Retiring) (*record.Record, error) {
	if len(due) == 0 {
		return rec, nil
	}
	for _, rc := range due {
		if rc.Key != "" {
			var err error
			if rec, err = r.dropOldKey(ctx, o, rec, rc); err != nil {
				return rec, err
			}
			continue
		}
		if rc.SecretsOnly {
			if err := r.revokeOld(ctx, o, rec, rc); err != nil {
				return rec, err
			}
			continue
		}
		if err := deleteAtServer(ctx, o.server.Provider, rc.ClientID, rc.Provider, "retiring replaced client %s", rc.ClientID); err != nil {
			return rec, err
		}
		if err := crashpoint.Reached(crashpoint.AfterRetireDelete); err != nil {
			return rec, err
		}
		r.event(o.Client, corev1.EventTypeNormal, "Retired", "deleted replaced client %s after its grace period", rc.ClientID)
	}
	next := rec.Clone()
	next.Retiring = slices.DeleteFunc(next.Retiring, func(rc record.Retiring) bool {
		return slices.ContainsFunc(due, func(d record.Retiring) bool {
			return d.ClientID == rc.ClientID && d.SecretsOnly == rc.SecretsOnly && d.RetireAt.Equal(rc.RetireAt)
		})
	})
	return next, nil
}

// revokeOld ends an Overlap rotation's grace period: the client's secrets
// other than the recorded one are revoked (nothing to do when the client
// has been replaced since).
func (r *Reconciler) revokeOld(ctx context.Context, o *observation, rec *record.Record, rc record.Retiring) error {
	revoker, ok := o.server.Provider.(provider.SecretRevoker)
	if !ok || rc.ClientID != rec.ClientID {
		return nil
	}
	if err := revoker.RevokeRotatedSecrets(ctx, rec.ClientID, rec.Provider); err != nil && provider.KindOf(err) != provider.KindNotFound {
		return providerFailure(err, "revoking the old secrets of client %s", rec.ClientID)
	}
	r.event(o.Client, corev1.EventTypeNormal, "Revoked", "revoked the old secrets of client %s after their grace period", rec.ClientID)
	return nil
}

// keepOnlyWithSecret checks that the server issued a secret with a client it
// just registered (what: "client" or "replacement client"). When it did
// not, the client is deleted again: a confidential client nobody holds a
// secret for must not stay behind.
func (r *Reconciler) keepOnlyWithSecret(ctx context.Context, p provider.Provider, res provider.Result, what string) error {
	if res.Client.ClientSecret != "" {
		return nil
	}
	_ = p.Delete(ctx, res.Client.ClientID, res.State)
	return fail(v1alpha1.ReasonServerUnavailable, "the server registered %s %s without issuing a secret; it was deleted again", what, res.Client.ClientID)
}

// deleteAtServer deletes a client at the server; one already gone counts
// as deleted. A failure is described by doing and args, as providerFailure
// does.
func deleteAtServer(ctx context.Context, p provider.Provider, clientID string, state provider.State, doing string, args ...any) error {
	err := p.Delete(ctx, clientID, state)
	if err == nil || errors.Is(err, provider.ErrNotFound) {
		return nil
	}
	return providerFailure(err, doing, args...)
}

// deleteRetiring deletes every replaced client at once (on deletion or
// disabling of the OAuthClient).
func deleteRetiring(ctx context.Context, p provider.Provider, rec *record.Record) error {
	for _, rc := range rec.Retiring {
		if rc.SecretsOnly {
			continue // old secrets of the client itself, which goes too
		}
		if err := deleteAtServer(ctx, p, rc.ClientID, rc.Provider, "deleting replaced client %s", rc.ClientID); err != nil {
			return err
		}
	}
	return nil
}

// rolled marks rec's credentials as rolled out when there is nothing to
// restart for them (the first credentials, or no rolloutTargets), so the
// write that records them says so instead of another write after rollout.
func rolled(oac *v1alpha1.OAuthClient, rec *record.Record) {
	if rec.Version == 1 || len(oac.Spec.RolloutTargets) == 0 {
		rec.RolledVersion = rec.Version
	}
}

// now is the current time as records keep it.
func now() time.Time { return time.Now().UTC().Truncate(time.Second) }
