package controllers

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
)

// claimSecret finds the delivered Secret and makes sure this OAuthClient
// may write it: the operator never touches a Secret it did not create, nor
// one that belongs to another OAuthClient. It runs before anything is
// registered, so a conflict never leaves a remote client behind.
func (s *clientSync) claimSecret(ctx context.Context) error {
	name := secretName(s.oac)
	s.oac.Status.SecretName = name
	key := types.NamespacedName{Namespace: s.oac.Namespace, Name: name}
	sec := &corev1.Secret{}
	err := s.r.Client.Get(ctx, key, sec) // the cache holds only the operator's Secrets
	if apierrors.IsNotFound(err) {
		err = s.r.APIReader.Get(ctx, key, sec)
	}
	if apierrors.IsNotFound(err) {
		s.secret = nil
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading Secret %s: %w", name, err)
	}
	if owner := sec.Labels[v1alpha1.LabelOAuthClientUID]; owner != string(s.oac.UID) {
		if owner == "" || sec.Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue {
			return fail(v1alpha1.ReasonSecretConflict,
				"spec.secretName: Secret %s exists and was not created by the operator; it is left untouched: choose another secretName or delete that Secret", name)
		}
		return fail(v1alpha1.ReasonSecretConflict,
			"spec.secretName: Secret %s already holds the credentials of OAuthClient %s; choose another secretName", name, sec.Labels[v1alpha1.LabelOAuthClientName])
	}
	s.secret = sec
	return nil
}

// checkTemplate renders the Secret template with placeholder values, so a
// template that cannot render is reported before anything is registered.
func (s *clientSync) checkTemplate(context.Context) error {
	placeholder := credentials{ClientID: "id", ClientSecret: "secret", TokenURL: "https://token", Issuer: "https://issuer", Scope: "scope"}
	if _, err := secretData(s.oac.Spec.SecretTemplate, placeholder); err != nil {
		return fail(v1alpha1.ReasonInvalidTemplate, "%v", err)
	}
	return nil
}

// writeSecret delivers the credentials: creates the Secret, or updates it
// when anything the operator manages differs. With nothing changed it
// writes nothing.
func (s *clientSync) writeSecret(ctx context.Context) error {
	want, err := desiredSecret(s.oac, s.credentials(), s.state.Version, s.state.IssuedAt)
	if err != nil {
		return fail(v1alpha1.ReasonInvalidTemplate, "%v", err)
	}
	if s.secret == nil {
		if err := s.r.Client.Create(ctx, want); err != nil {
			return fmt.Errorf("creating Secret %s: %w", want.Name, err)
		}
	} else if mergeSecret(s.secret, want) {
		if err := s.r.Client.Update(ctx, s.secret); err != nil {
			return fmt.Errorf("updating Secret %s: %w", want.Name, err)
		}
		s.event(corev1.EventTypeNormal, "SecretUpdated", "Secret %s now holds version %d of the credentials", want.Name, s.state.Version)
	}
	if err := crashpoint.Reached(crashpoint.AfterSecretWrite); err != nil {
		return err
	}
	st := &s.oac.Status
	st.ClientID = s.state.ClientID
	st.SecretVersion = s.state.Version
	return nil
}

// credentials are the values the delivered Secret carries now.
func (s *clientSync) credentials() credentials {
	return credentials{
		ClientID:     s.state.ClientID,
		ClientSecret: s.state.ClientSecret,
		TokenURL:     s.server.Endpoints.Token,
		Issuer:       s.server.Endpoints.Issuer,
		Scope:        strings.Join(s.oac.Spec.Scopes, " "),
	}
}
