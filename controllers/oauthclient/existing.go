package oauthclient

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// findExisting looks, before a client with spec.clientID is registered,
// for a client that already holds that ID at the server (o.Existing), so
// that the plan can tell this OAuthClient's own create retried after a
// crash from someone else's client (policy.Decide). Nothing is looked for
// when there is a record, or no spec.clientID.
func (r *Reconciler) findExisting(ctx context.Context, o *observation) error {
	oac := o.Client
	if o.Record != nil || oac.Spec.Disabled {
		return nil
	}
	id := oac.Spec.ClientID
	if id == "" {
		var err error
		if id, err = r.findOwn(ctx, o); id == "" || err != nil {
			return err
		}
	} else if !o.Caps.CallerChosenID {
		return nil
	}
	remote, err := o.server.Provider.Observe(ctx, id, nil)
	switch {
	case errors.Is(err, provider.ErrNotFound):
		return nil
	case err != nil:
		return providerFailure(err, "looking for an existing client %s", id)
	}
	o.Existing = &remote
	return nil
}

// findOwn looks, for an OAuthClient with spec.adoption.policy Adopt whose
// record was lost (status still names a client), for the newest client it
// made among those the server lists with this operator's ownership marker
// (policy.OwnNewest), so that it is adopted instead of a second one
// registered. It returns the client ID, "" when there is none or the
// server cannot list.
func (r *Reconciler) findOwn(ctx context.Context, o *observation) (string, error) {
	oac := o.Client
	if policy.AdoptionOf(oac) != v1alpha1.AdoptionAdopt || !o.Caps.List || o.server.Owner == "" ||
		(oac.Status.ClientID == "" && oac.Status.SecretVersion == 0) {
		return "", nil
	}
	clients, err := provider.ListAll(ctx, o.server.Provider, o.server.Owner)
	if err != nil {
		return "", providerFailure(err, "looking for this OAuthClient's client, whose record was lost")
	}
	if own := policy.OwnNewest(oac, clients); own != nil {
		return own.ClientID, nil
	}
	return "", nil
}

// adoptExisting takes over o.Existing, a client someone else made
// (spec.adoption.policy Adopt): it is brought in line with the manifest
// (which gives it this operator's ownership marker), its secret is kept
// where the server lets it be read and rotated otherwise, and it is
// recorded durably before anything depends on it.
func (r *Reconciler) adoptExisting(ctx context.Context, o *observation) (*record.Record, error) {
	oac, ex, p := o.Client, o.Existing, o.server.Provider
	res, err := p.Update(ctx, ex.ClientID, nil, policy.Desired(oac))
	if err != nil {
		return nil, providerFailure(err, "adopting client %s: bringing it in line with the manifest", ex.ClientID)
	}
	version := int64(1)
	if oac.Status.SecretVersion > 0 {
		version = oac.Status.SecretVersion + 1
	}
	rec := &record.Record{
		ClientID: ex.ClientID, IssuedAt: now(), Version: version, Provider: res.State,
		SecretExpiresAt: ex.SecretExpiresAt,
		HandledRequest:  oac.Annotations[v1alpha1.AnnotationRotateRequestedAt],
	}
	reason, how, err := r.adoptedSecret(ctx, o, rec, ex, res.Client.ClientSecret)
	if err != nil {
		return nil, err
	}
	rec.AdoptedReason = reason
	rec.AdoptedMessage = fmt.Sprintf("client %s existed at the server and was adopted on %s: %s", rec.ClientID, rec.IssuedAt.Format(time.RFC3339), how)
	rolled(oac, rec)
	if err := r.records.Save(ctx, oac, rec); err != nil {
		return nil, fmt.Errorf("recording adopted client %s: %w", rec.ClientID, err)
	}
	eventType := corev1.EventTypeNormal
	if rec.RotationReason == rotatedAtOnce {
		eventType = corev1.EventTypeWarning
	}
	r.event(oac, eventType, "Adopted", "adopted client %s at %s: %s", rec.ClientID, o.server.Endpoints.Issuer, how)
	return rec, nil
}

// setAdopted makes the Adopted condition say what the record says: True
// with what happened to the secret for an adopted client, absent for one
// the operator registered (so a client registered anew after an adopted
// one was deleted at the server no longer claims it).
func setAdopted(oac *v1alpha1.OAuthClient, conds *[]metav1.Condition, rec *record.Record) {
	if rec == nil {
		return
	}
	if rec.AdoptedReason == "" {
		meta.RemoveStatusCondition(conds, v1alpha1.ConditionAdopted)
		return
	}
	meta.SetStatusCondition(conds, metav1.Condition{
		Type: v1alpha1.ConditionAdopted, Status: metav1.ConditionTrue, ObservedGeneration: oac.Generation,
		Reason: rec.AdoptedReason, Message: rec.AdoptedMessage,
	})
}

// rotatedAtOnce is the rotation reason of an adopted client whose old
// secret stopped working at once.
const rotatedAtOnce = "adopted; the server could not keep the old secret valid"

// adoptedSecret puts the adopted client's secret into rec: the one the
// server reads back when it can (byte for byte, so workloads that hold it
// keep working), one the update issued, or else a new one, with overlap
// where the server keeps two secrets. It says which (a condition reason
// and a sentence).
func (r *Reconciler) adoptedSecret(ctx context.Context, o *observation, rec *record.Record, ex *provider.Client, fromUpdate string) (string, string, error) {
	if policy.IsPublic(o.Client) {
		return v1alpha1.ReasonSecretKept, "it is a public client, without a secret", nil
	}
	caps := o.server.Provider.Capabilities() // exact now that the server has been called
	switch {
	case fromUpdate != "":
		rec.ClientSecret = fromUpdate
		return v1alpha1.ReasonSecretRotated, "the update to the manifest's token endpoint auth method issued a new secret", nil
	case caps.SecretReadable && ex.ClientSecret != "":
		rec.ClientSecret = ex.ClientSecret
		return v1alpha1.ReasonSecretKept, fmt.Sprintf("its secret was read from the server and is delivered unchanged in Secret %s", o.Client.SecretName()), nil
	}
	strategy := policy.AdoptStrategy(caps)
	if strategy == "" {
		return "", "", fail(v1alpha1.ReasonInvalidMetadata,
			"spec.adoption: client %s cannot be adopted: the server neither lets its secret be read nor issues a new one; delete it at the server or set spec.adoption.policy to FailOnConflict", ex.ClientID)
	}
	if err := r.regenerate(ctx, o, rec); err != nil {
		return "", "", fmt.Errorf("adopting client %s: %w", ex.ClientID, err)
	}
	rec.LastRotation = rec.IssuedAt
	if strategy == v1alpha1.StrategyOverlap {
		retireAt := time.Now().Add(policy.GracePeriodOf(o.Client)).UTC().Truncate(time.Second)
		rec.Retiring = []record.Retiring{{ClientID: rec.ClientID, RetireAt: retireAt, SecretsOnly: true}}
		rec.RotationReason = "adopted; the server does not let the secret be read"
		return v1alpha1.ReasonSecretRotated, fmt.Sprintf(
			"the server does not let its secret be read, so it was rotated with Overlap: the old secret keeps working until %s, then is revoked; move workloads that use it to Secret %s",
			retireAt.Format(time.RFC3339), o.Client.SecretName()), nil
	}
	rec.RotationReason = rotatedAtOnce
	return v1alpha1.ReasonSecretRotated, fmt.Sprintf(
		"the server does not let its secret be read and cannot keep two, so it was rotated with Regenerate: the old secret stopped working at once; workloads must use Secret %s",
		o.Client.SecretName()), nil
}

// planFailure is the Ready failure for a plan that cannot be made: a
// client someone else made holds spec.clientID (ClientExists), or the
// spec asks for what the server cannot do (InvalidMetadata).
func planFailure(err error) error {
	if _, ok := errors.AsType[*policy.ExistsError](err); ok {
		return fail(v1alpha1.ReasonClientExists, "%v", err)
	}
	return fail(v1alpha1.ReasonInvalidMetadata, "%v", err)
}
