package oauthclient

import (
	"context"
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// A new client's Secret is created, not looked for first. The cache holds
// only the operator's Secrets, so a name it does not know is either free or
// someone else's Secret; asking the API server which (a read that nearly
// always answers 404) would cost every new client a request. Instead its
// first delivery creates the Secret: a create never changes a Secret that
// exists, so AlreadyExists is the check, and a Secret found that way is
// judged by delivery.Claim exactly as one read beforehand would be. As the
// check now comes after the registration, a client registered for a Secret
// that turns out to be taken is deleted again (unregister): the refusal
// leaves nothing registered, as before. Its retries are no longer fresh, so
// they read the Secret first (readSecret) and register nothing.

// secretOf is the delivered Secret as observe sees it; nil when absent. For
// a fresh client (its finalizer added just now) only the cache is read, and
// unseen reports that it does not hold the Secret: writeSecret creates it.
func (r *Reconciler) secretOf(ctx context.Context, oac *v1alpha1.OAuthClient, fresh bool) (sec *corev1.Secret, unseen bool, err error) {
	if !fresh || oac.Spec.ClientID != "" {
		// With spec.clientID the client may exist at the server already and
		// be adopted, which a taken Secret must stop beforehand: an adopted
		// client is not the operator's to delete again.
		sec, err = r.readSecret(ctx, oac)
		return sec, false, err
	}
	key := types.NamespacedName{Namespace: oac.Namespace, Name: oac.SecretName()}
	sec = &corev1.Secret{}
	err = r.Client.Get(ctx, key, sec)
	if apierrors.IsNotFound(err) {
		return nil, true, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("reading Secret %s: %w", key.Name, err)
	}
	return sec, false, nil
}

// writeSecret writes want: a create where the cache did not hold the Secret
// (a Secret found that way must pass delivery.Claim before it is written),
// else an apply over the Secret as it is. It reports whether it wrote.
func (r *Reconciler) writeSecret(ctx context.Context, o *observation, want *delivery.Secret) (bool, error) {
	if !o.unseen {
		return r.secrets.Apply(ctx, o.secret, want)
	}
	existing, err := r.secrets.Create(ctx, want)
	if err != nil {
		return false, err
	}
	if existing == nil {
		return true, nil
	}
	if err := delivery.Claim(o.Client, existing, r.holderOf(ctx, o.Client, existing)); err != nil {
		return false, err
	}
	// The operator's own Secret, not in the cache yet.
	o.secret, o.unseen = existing, false
	return r.secrets.Apply(ctx, existing, want)
}

// failedDelivery is act's outcome when the Secret could not be written. A
// client registered in this reconcile for a Secret that turned out to be
// someone else's is deleted again, with its record, so nothing stays
// registered for a Secret the operator may not write. An adopted client
// existed before and stays (secretOf reads its Secret before adopting).
func (r *Reconciler) failedDelivery(ctx context.Context, o *observation, p policy.Plan, rec *record.Record, err error) (outcome, error) {
	if _, taken := errors.AsType[*delivery.ConflictError](err); !taken || p.Register == policy.RegisterNone ||
		p.Register == policy.RegisterAdopt || o.Record != nil {
		return outcome{record: rec}, err
	}
	if derr := r.unregister(ctx, o, rec); derr != nil {
		return outcome{record: rec}, fmt.Errorf("%w; deleting client %s again failed: %v", err, rec.ClientID, derr)
	}
	return outcome{}, err
}

// unregister deletes a client just registered, and then its record.
func (r *Reconciler) unregister(ctx context.Context, o *observation, rec *record.Record) error {
	if err := deleteAtServer(ctx, o.server.Provider, rec.ClientID, rec.Provider, "deleting client %s", rec.ClientID); err != nil {
		return err
	}
	return r.records.Remove(ctx, o.Client)
}
