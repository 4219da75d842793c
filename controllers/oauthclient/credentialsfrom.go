package oauthclient

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// brought is what the Secret of spec.credentialsFrom holds: the
// credentials the client is to use. It is a credential: never log it.
type brought struct {
	// secretName is the source Secret.
	secretName string
	// clientID is empty without clientIDKey.
	clientID string
	// secret is the secret to use: the next one while it is there, else
	// the current one; key is where it came from.
	secret, key string
	// next: secret is an assisted rotation's second secret.
	next bool
}

// readSource reads the Secret of spec.credentialsFrom, from the
// OAuthClient's own namespace, after checking that the server can use
// brought credentials. Nothing is registered while it or a key is missing.
// It records which version of the Secret this reconcile read, so the
// source watch notices when it changes.
func (r *Reconciler) readSource(ctx context.Context, o *observation) error {
	oac, caps := o.Client, o.Caps
	cf := oac.Spec.CredentialsFrom
	if cf == nil || oac.Spec.Disabled {
		if cf == nil && caps.PreRegistered && !oac.Spec.Disabled {
			return fail(v1alpha1.ReasonInvalidMetadata,
				"spec.credentialsFrom: required: the clients of server %s (preRegistered) are created by a person at the server's dashboard; name the Secret that holds their client ID and secret", oac.Spec.ServerRef.Name)
		}
		return nil
	}
	if err := checkSource(oac, caps, o.server.Name); err != nil {
		return err
	}
	key := types.NamespacedName{Namespace: oac.Namespace, Name: cf.SecretName}
	sec := &corev1.Secret{}
	err := r.APIReader.Get(ctx, key, sec)
	if apierrors.IsNotFound(err) {
		r.sources.saw(oac, "")
		return fail(v1alpha1.ReasonCredentialsSourceMissing,
			"waiting for Secret %s (spec.credentialsFrom.secretName) in namespace %s: nothing is registered until it exists", cf.SecretName, oac.Namespace)
	}
	if err != nil {
		return fmt.Errorf("reading Secret %s (spec.credentialsFrom): %w", cf.SecretName, err)
	}
	r.sources.saw(oac, sec.ResourceVersion)
	value := func(k, field string) (string, error) {
		if v := sec.Data[k]; len(v) > 0 {
			return string(v), nil
		}
		return "", fail(v1alpha1.ReasonCredentialsSourceMissing,
			"waiting for key %q in Secret %s (spec.credentialsFrom.%s): nothing is registered until it holds a value", k, cf.SecretName, field)
	}
	b := &brought{secretName: cf.SecretName, key: cf.SecretKey()}
	if cf.ClientIDKey != "" {
		if b.clientID, err = value(cf.ClientIDKey, "clientIDKey"); err != nil {
			return err
		}
	}
	if b.secret, err = value(cf.SecretKey(), "clientSecretKey"); err != nil {
		return err
	}
	if next := sec.Data[cf.NextSecretKey()]; len(next) > 0 {
		b.secret, b.key, b.next = string(next), cf.NextSecretKey(), true
	}
	o.source = b
	return nil
}

// checkSource refuses brought credentials the server cannot take, naming
// the field, before anything is read or registered.
func checkSource(oac *v1alpha1.OAuthClient, caps provider.Capabilities, kind string) error {
	cf := oac.Spec.CredentialsFrom
	switch {
	case !caps.PreRegistered && !caps.CallerSuppliedSecret:
		return fail(v1alpha1.ReasonInvalidMetadata,
			"spec.credentialsFrom: server %s (%s) issues client secrets itself and cannot take one brought by the caller; remove spec.credentialsFrom, or use a server that can", oac.Spec.ServerRef.Name, kind)
	case caps.PreRegistered && cf.ClientIDKey == "":
		return fail(v1alpha1.ReasonInvalidMetadata,
			"spec.credentialsFrom.clientIDKey: required on server %s (preRegistered): the client ID is the one the server's dashboard shows", oac.Spec.ServerRef.Name)
	case !caps.PreRegistered && cf.ClientIDKey != "" && !caps.CallerChosenID:
		return fail(v1alpha1.ReasonInvalidMetadata,
			"spec.credentialsFrom.clientIDKey: server %s (%s) chooses client IDs itself; leave clientIDKey out", oac.Spec.ServerRef.Name, kind)
	case cf.SecretName == oac.SecretName():
		return fail(v1alpha1.ReasonInvalidMetadata,
			"spec.credentialsFrom.secretName: %q is the Secret the operator delivers to; the source must be another Secret, which the operator only reads", cf.SecretName)
	}
	return nil
}

// withBrought puts the brought credentials into a registration.
func withBrought(o *observation, spec *provider.ClientSpec) {
	if b := o.source; b != nil {
		spec.ClientSecret = b.secret
		if b.clientID != "" {
			spec.ClientID = b.clientID
		}
	}
}

// bringOwn keeps the client on the brought credentials: when the source
// holds others than the record, it sets them at the server (where the
// operator manages the client), verifies them and only then takes them;
// a client just registered, or read at the server in this reconcile, has
// its credentials verified again, so credentials that stopped working show
// as Ready=False with the server's answer. Nothing changes in the record,
// nor in the delivered Secret, while verification fails.
func (r *Reconciler) bringOwn(ctx context.Context, o *observation, rec *record.Record, registered bool) (*record.Record, error) {
	b := o.source
	if b == nil {
		return rec, nil
	}
	r.remindRotation(o.Client, rec)
	changed := rec.ClientSecret != b.secret || (b.clientID != "" && rec.ClientID != b.clientID)
	if !changed && !registered && o.Remote == nil {
		return rec, nil
	}
	if !changed || registered {
		return rec, r.verify(ctx, o, rec.ClientID, b)
	}
	next, err := r.setBrought(ctx, o, rec)
	if err != nil {
		return rec, err
	}
	if err := r.verify(ctx, o, next.ClientID, b); err != nil {
		if o.Caps.PreRegistered {
			return rec, err
		}
		return next, err // the server holds them already
	}
	t := now()
	next.Version++
	next.IssuedAt, next.LastRotation = t, t
	next.RotationReason = fmt.Sprintf("the secret in key %s of Secret %s was verified and is delivered", b.key, b.secretName)
	if b.next {
		next.RotationReason += fmt.Sprintf("; the previous secret may be disabled at the server once the restarted workloads run, and the new one moved into key %s", o.Client.Spec.CredentialsFrom.SecretKey())
	}
	rolled(o.Client, next)
	r.event(o.Client, corev1.EventTypeNormal, "CredentialsChanged", "client %s now uses version %d of the credentials: %s", next.ClientID, next.Version, next.RotationReason)
	return next, nil
}

// setBrought makes the server hold the brought credentials, and returns
// the record that names them (not yet saved).
func (r *Reconciler) setBrought(ctx context.Context, o *observation, rec *record.Record) (*record.Record, error) {
	b, p := o.source, o.server.Provider
	next := rec.Clone()
	if o.Caps.PreRegistered {
		next.ClientID, next.ClientSecret = b.clientID, b.secret
		return next, nil
	}
	if b.clientID != "" && b.clientID != rec.ClientID {
		return rec, fail(v1alpha1.ReasonInvalidMetadata,
			"spec.credentialsFrom.clientIDKey: the client ID in Secret %s changed from %s to %s; a client cannot be renamed at the server: change it back, or create a new OAuthClient", b.secretName, rec.ClientID, b.clientID)
	}
	if setter := secretSetterOf(p); setter != nil {
		res, err := setter.SetSecret(ctx, rec.ClientID, rec.Provider, b.secret)
		if err != nil {
			return rec, providerFailure(err, "setting the secret from Secret %s at client %s", b.secretName, rec.ClientID)
		}
		if res.State != nil {
			next.Provider = res.State
		}
		next.ClientSecret = b.secret
		return next, nil
	}
	if b.clientID != "" {
		return rec, fail(v1alpha1.ReasonProviderError,
			"spec.credentialsFrom: the %s adapter cannot change the secret of client %s, and a replacement cannot have the same client ID; create a new OAuthClient", o.server.Name, rec.ClientID)
	}
	// A replacement client with the new secret; the old one retires after
	// the grace period.
	if err := r.replace(ctx, o, next); err != nil {
		return rec, err
	}
	return next, nil
}

// verify obtains a token with the brought credentials: with the adapter's
// own way where it has one (a preRegistered server's configured client
// authentication), else with the client's tokenEndpointAuthMethod. A client
// that may not use client_credentials proves its credentials when the
// server authenticated it and only refused the grant.
func (r *Reconciler) verify(ctx context.Context, o *observation, clientID string, b *brought) error {
	spec := policy.Desired(o.Client)
	var err error
	if v := verifierOf(o.server.Provider); v != nil {
		err = v.Verify(ctx, clientID, b.secret, spec)
	} else {
		err = mgmtauth.Verify(o.server.HTTPClient, mgmtauth.Source{ClientCredentials: &mgmtauth.ClientCredentials{
			TokenURL: o.server.Endpoints.Token, ClientID: clientID, ClientSecret: b.secret,
			Scopes: spec.Scopes, AuthStyle: styleOf(spec.TokenEndpointAuthMethod),
		}})
	}
	if err == nil {
		return nil
	}
	if pe, ok := errors.AsType[*provider.Error](err); ok && !slices.Contains(spec.GrantTypes, "client_credentials") &&
		(pe.Code == "unauthorized_client" || pe.Code == "unsupported_grant_type") {
		return nil
	}
	if provider.KindOf(err) != provider.KindUnauthorized {
		return providerFailure(err, "verifying the credentials from Secret %s", b.secretName)
	}
	return fail(v1alpha1.ReasonCredentialsRefused, "the server refused client %s with the secret in key %s of Secret %s (spec.credentialsFrom): %v",
		clientID, b.key, b.secretName, err)
}

// styleOf is how a client with method authenticates at the token endpoint.
func styleOf(method string) v1alpha1.AuthStyle {
	switch method {
	case "client_secret_post":
		return v1alpha1.AuthStyleForm
	case "client_secret_jwt":
		return v1alpha1.AuthStyleSecretJWT
	default:
		return v1alpha1.AuthStyleBasic
	}
}

// rotationDue reports whether rotation.interval has passed since the
// brought secret in rec was first delivered, and when it is or was due.
func rotationDue(oac *v1alpha1.OAuthClient, rec *record.Record, at time.Time) (bool, time.Time) {
	interval := policy.IntervalOf(oac)
	if rec == nil || interval <= 0 || rec.IssuedAt.IsZero() {
		return false, time.Time{}
	}
	due := rec.IssuedAt.Add(interval)
	return !at.Before(due), due
}

// remindRotation records a Warning event when a brought secret's rotation
// has just become due (the condition says so for as long as it is).
func (r *Reconciler) remindRotation(oac *v1alpha1.OAuthClient, rec *record.Record) {
	if due, _ := rotationDue(oac, rec, time.Now()); due && !meta.IsStatusConditionTrue(oac.Status.Conditions, v1alpha1.ConditionRotationDue) {
		r.event(oac, corev1.EventTypeWarning, v1alpha1.ReasonRotationDue, "%s", rotationAdvice(oac))
	}
}

// rotationAdvice says what to do when a brought secret is due.
func rotationAdvice(oac *v1alpha1.OAuthClient) string {
	cf := oac.Spec.CredentialsFrom
	return fmt.Sprintf("the secret in use is older than rotation.interval: create a second secret for the client at the server and put it in key %s of Secret %s; the operator verifies it, delivers it, restarts the rollout targets and then says that the old one may be disabled (or put a new secret in key %s where the operator sets secrets at the server)",
		cf.NextSecretKey(), cf.SecretName, cf.SecretKey())
}

// rotationDueCondition is the RotationDue condition of a client with
// brought credentials; nil for others.
func rotationDueCondition(oac *v1alpha1.OAuthClient, rec *record.Record, at time.Time) *metav1.Condition {
	if oac.Spec.CredentialsFrom == nil || rec == nil {
		return nil
	}
	c := &metav1.Condition{Type: v1alpha1.ConditionRotationDue, ObservedGeneration: oac.Generation,
		Status: metav1.ConditionFalse, Reason: v1alpha1.ReasonRotationNotDue, Message: "no rotation.interval is set"}
	due, when := rotationDue(oac, rec, at)
	switch {
	case due:
		c.Status, c.Reason, c.Message = metav1.ConditionTrue, v1alpha1.ReasonRotationDue, rotationAdvice(oac)
	case !when.IsZero():
		c.Message = "the brought secret is due for rotation at " + when.UTC().Format(time.RFC3339)
	}
	return c
}

// verifierOf is p's Verifier, also through the servers' gate; nil when the
// adapter has none.
func verifierOf(p provider.Provider) provider.Verifier {
	if w, ok := p.(interface{ Verifier() provider.Verifier }); ok {
		return w.Verifier()
	}
	v, _ := p.(provider.Verifier)
	return v
}

// secretSetterOf is p's SecretSetter, also through the servers' gate; nil
// when the adapter has none.
func secretSetterOf(p provider.Provider) provider.SecretSetter {
	if w, ok := p.(interface{ SecretSetter() provider.SecretSetter }); ok {
		return w.SecretSetter()
	}
	s, _ := p.(provider.SecretSetter)
	return s
}
