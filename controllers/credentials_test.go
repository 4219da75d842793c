package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// The tests in this file run the manager with a resync an hour away, so a
// changed credential Secret can only be noticed by the credential check.

func TestFixedRegistrationTokenTakesEffectWithoutAResync(t *testing.T) {
	withTimings(t, time.Hour, time.Second)
	ns := createNamespace(t)
	const wrong = "not-the-initial-access-token"
	seen.add(wrong)
	createDevServerWithToken(t, ns, wrong, v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer})
	// An initial access token cannot be checked without registering, so the
	// server is Ready and the client says what the server answered.
	waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReason(t, ns, "billing", v1alpha1.ReasonUnauthorized)

	setSecretValue(t, ns, "dev-registration", "token", initialAccessToken)
	oac := waitReady(t, ns, "billing")
	if _, err := token(t, secretOf(t, ns, "billing"), "read"); err != nil {
		t.Fatalf("the credentials delivered after the fix do not work: %v", err)
	}
	if oac.Status.SecretVersion != 1 {
		t.Errorf("secretVersion %d, want 1: the client was registered once", oac.Status.SecretVersion)
	}
}

func TestClientCredentialsManagementFollowsItsSecret(t *testing.T) {
	withTimings(t, time.Hour, time.Second)
	ctx := context.Background()
	// A second server with open registration: management tokens come from
	// the client credentials grant, and registration needs no initial
	// access token.
	open := authserver.StartT(t, authserver.Options{})
	mgmt, err := open.Register(ctx, map[string]any{
		"grant_types": []string{"client_credentials"}, "response_types": []string{}, "redirect_uris": []string{},
		"token_endpoint_auth_method": "client_secret_basic", "scope": "read",
	})
	if err != nil {
		t.Fatal(err)
	}
	mgmtID, firstSecret := mgmt["client_id"].(string), mgmt["client_secret"].(string)
	seen.add(firstSecret)

	ns := createNamespace(t)
	createSecret(t, ns, "mgmt", map[string]string{"secret": firstSecret})
	readyServer(t, ns, "dev", v1alpha1.AuthServerSpec{
		IssuerURL:      open.Issuer,
		ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
		Credentials: &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			ClientID:     mgmtID,
			ClientSecret: &v1alpha1.SecretKeySelector{Name: "mgmt", Key: "secret"},
			Scopes:       []string{"read"},
		}},
	})
	newClient(t, ns, "billing", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "billing")
	tokens := func() int {
		counts, err := open.RequestCounts(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return counts["POST /token"]
	}
	before := tokens()

	// A wrong secret in the Secret: the server says the credentials are
	// refused, and why, without showing the secret.
	const wrong = "a-wrong-management-secret"
	seen.add(wrong)
	setSecretValue(t, ns, "mgmt", "secret", wrong)
	cond := waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonCredentialsRefused)
	if !strings.Contains(cond.Message, "invalid_client") || strings.Contains(cond.Message, wrong) {
		t.Errorf("the message should give the server's error and not the secret: %s", cond.Message)
	}

	// The secret is rotated at the server and in the Secret: the server is
	// Ready again with a token from the new secret, and new clients work.
	secondSecret := "the-rotated-management-secret-0123456789"
	seen.add(secondSecret)
	if err := open.AdminPatchClient(ctx, mgmtID, map[string]any{"client_secret": secondSecret}); err != nil {
		t.Fatal(err)
	}
	setSecretValue(t, ns, "mgmt", "secret", secondSecret)
	waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	if got := tokens(); got <= before {
		t.Errorf("no new management token was fetched after the change (%d token requests, %d before)", got, before)
	}
	newClient(t, ns, "ledger", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "ledger")
}

// setSecretValue sets one key of a Secret, as a user rotating it would.
func setSecretValue(t *testing.T, ns, name, key, value string) {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); err != nil {
		t.Fatal(err)
	}
	s.Data[key] = []byte(value)
	if err := k8s.Update(context.Background(), &s); err != nil {
		t.Fatal(err)
	}
}
