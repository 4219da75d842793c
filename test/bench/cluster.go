package main

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Namespaces the harness uses.
const (
	operatorNamespace  = "oauth-client-operator-system"
	benchNamespace     = "bench"           // the OAuthClients the operator serves
	baselineNamespace  = "bench-baseline"  // the baseline's objects, gone before the manager starts
	unrelatedNamespace = "bench-unrelated" // Secrets the operator has no business with
	ccNamespace        = "bench-cc"        // the client-credentials AuthServer and its clients
	serverName         = "dev"
)

func createNamespaces(ctx context.Context, k client.Client, names ...string) error {
	for _, name := range names {
		if err := k.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}); err != nil {
			return fmt.Errorf("creating namespace %s: %w", name, err)
		}
	}
	return nil
}

// createAuthServer creates an AuthServer whose management credentials are in
// a Secret of the same namespace, and waits until it is Ready.
func createAuthServer(ctx context.Context, k client.Client, ns, name, issuer string, secretData map[string]string,
	creds v1alpha1.ManagementCredentials) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: name + "-credentials", Namespace: ns}, StringData: secretData}
	if err := k.Create(ctx, sec); err != nil {
		return fmt.Errorf("creating the AuthServer's credentials Secret: %w", err)
	}
	as := &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL:      issuer,
			ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			Credentials:    &creds,
		},
	}
	if err := k.Create(ctx, as); err != nil {
		return fmt.Errorf("creating AuthServer %s/%s: %w", ns, name, err)
	}
	return waitAuthServerReady(ctx, k, as)
}

// waitAuthServerReady waits up to a minute until as is Ready.
func waitAuthServerReady(ctx context.Context, k client.Client, as *v1alpha1.AuthServer) error {
	ns, name := as.Namespace, as.Name
	deadline := time.Now().Add(time.Minute)
	for {
		if err := k.Get(ctx, client.ObjectKeyFromObject(as), as); err != nil {
			return fmt.Errorf("reading AuthServer %s/%s: %w", ns, name, err)
		}
		c := meta.FindStatusCondition(as.Status.Conditions, v1alpha1.ConditionReady)
		if c != nil && c.Status == metav1.ConditionTrue && c.ObservedGeneration == as.Generation {
			return nil
		}
		if time.Now().After(deadline) {
			why := "no Ready condition"
			if c != nil {
				why = c.Reason + ": " + c.Message
			}
			return fmt.Errorf("AuthServer %s/%s not Ready after a minute: %s", ns, name, why)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// iatCredentials are initial-access-token credentials read from the
// AuthServer's Secret under key "token".
func iatCredentials(secretName string) v1alpha1.ManagementCredentials {
	return v1alpha1.ManagementCredentials{
		InitialAccessToken: &v1alpha1.SecretKeySelector{Name: secretName, Key: "token"},
	}
}

// newOAuthClient is the manifest every benchmark client uses: the defaults
// (client_credentials, client_secret_basic) and one scope.
func newOAuthClient(ns, name string) *v1alpha1.OAuthClient {
	return &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: serverName},
			Scopes:    []string{"read"},
		},
	}
}

// createClients creates the named OAuthClients in ns with workers
// goroutines and records each create in tr.
func createClients(ctx context.Context, k client.Client, tr *tracker, ns string, names []string, workers int) error {
	return parallel(ctx, len(names), workers, func(ctx context.Context, i int) error {
		if err := k.Create(ctx, newOAuthClient(ns, names[i])); err != nil {
			return fmt.Errorf("creating OAuthClient %s/%s: %w", ns, names[i], err)
		}
		tr.markCreated(ns, names[i], time.Now())
		return nil
	})
}

// clientNames returns prefix-00000 ... for n clients.
func clientNames(prefix string, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("%s-%05d", prefix, i)
	}
	return names
}

// keysOf returns "ns/name" for each name.
func keysOf(ns string, names []string) []string {
	keys := make([]string, len(names))
	for i, n := range names {
		keys[i] = key(ns, n)
	}
	return keys
}
