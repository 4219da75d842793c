package controllers_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/keycloak/keycloakfake"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/okta/oktafake"
)

// TestStableClientIDAtHydra runs spec.clientID and adoption against a real
// Ory Hydra v2.3.0, whose secrets cannot be read back: the same manifest
// deleted and applied again gets the same client ID; a client someone
// else made under that ID is left untouched under FailOnConflict; Adopt
// takes it over and, as Hydra v2.3.0 can neither show the secret nor keep
// two, regenerates the secret and says so.
func TestStableClientIDAtHydra(t *testing.T) {
	ctx := context.Background()
	h, admin, ns := startCountedHydra(t)
	spec := func(id string) v1alpha1.OAuthClientSpec {
		return v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "hydra"}, ClientID: id, Scopes: []string{"read", "write"}}
	}

	t.Run("the same manifest deleted and applied again keeps its client ID", func(t *testing.T) {
		first, s := applyReady(t, ns, "billing", spec("billing"))
		if first.Status.ClientID != "billing" || string(s.Data["client_id"]) != "billing" {
			t.Fatalf("client ID %q (Secret %q), want spec.clientID billing", first.Status.ClientID, s.Data["client_id"])
		}
		if _, err := h.ClientCredentialsToken(ctx, "billing", string(s.Data["client_secret"]), "read write"); err != nil {
			t.Fatalf("the delivered credentials get no token: %v", err)
		}
		if err := k8s.Delete(ctx, first); err != nil {
			t.Fatal(err)
		}
		waitGone(t, &v1alpha1.OAuthClient{}, ns, "billing")
		if _, found, err := h.AdminClient(ctx, "billing"); err != nil || found {
			t.Fatalf("deletionPolicy Delete left client billing at Hydra (found %t, %v)", found, err)
		}

		newClient(t, ns, "billing", spec("billing"))
		again := waitReady(t, ns, "billing")
		s = secretOf(t, ns, "billing")
		if again.UID == first.UID || again.Status.ClientID != "billing" || string(s.Data["client_id"]) != "billing" {
			t.Fatalf("applied again: client ID %q (Secret %q), want billing again", again.Status.ClientID, s.Data["client_id"])
		}
		if _, err := h.ClientCredentialsToken(ctx, "billing", string(s.Data["client_secret"]), "read write"); err != nil {
			t.Fatalf("the credentials of the client applied again get no token: %v", err)
		}
		if c := meta.FindStatusCondition(again.Status.Conditions, v1alpha1.ConditionAdopted); c != nil {
			t.Errorf("a client the operator registered says it was adopted: %v", c.Message)
		}
	})

	const handMade = "hydra-hand-made-secret-7f3a"
	seen.add(handMade)
	status, _, err := h.Admin(ctx, http.MethodPost, "/admin/clients", map[string]any{
		"client_id": "legacy", "client_secret": handMade, "client_name": "made by hand",
		"grant_types": []string{"client_credentials"}, "scope": "read",
	})
	if err != nil || status != http.StatusCreated {
		t.Fatalf("creating the hand-made client at Hydra: %d %v", status, err)
	}
	before, _, err := h.AdminClient(ctx, "legacy")
	if err != nil {
		t.Fatal(err)
	}

	t.Run("FailOnConflict touches nothing", func(t *testing.T) {
		admin.Reset()
		newClient(t, ns, "legacy", spec("legacy"))
		cond := waitReason(t, ns, "legacy", v1alpha1.ReasonClientExists)
		for _, want := range []string{`"legacy"`, "spec.adoption.policy", "Adopt"} {
			if !strings.Contains(cond.Message, want) {
				t.Errorf("the condition does not say %s: %s", want, cond.Message)
			}
		}
		if w := admin.Writes(); len(w) > 0 {
			t.Errorf("the operator wrote to Hydra: %v", w)
		}
		now, _, err := h.AdminClient(ctx, "legacy")
		if err != nil || fmt.Sprint(now) != fmt.Sprint(before) {
			t.Errorf("the hand-made client changed at Hydra:\nbefore %v\nnow    %v (%v)", before, now, err)
		}
		if _, err := h.ClientCredentialsToken(ctx, "legacy", handMade, "read"); err != nil {
			t.Errorf("the hand-made secret stopped working: %v", err)
		}
		assertNoRecord(t, getClient(t, ns, "legacy"))
		assertNoSecret(t, ns, "legacy")
	})

	t.Run("Adopt regenerates a secret Hydra cannot show, and says so", func(t *testing.T) {
		setAdoption(t, ns, "legacy", v1alpha1.AdoptionAdopt)
		oac := waitReady(t, ns, "legacy")
		cond := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionAdopted)
		if cond == nil || cond.Status != metav1.ConditionTrue || cond.Reason != v1alpha1.ReasonSecretRotated ||
			!strings.Contains(cond.Message, "Regenerate") {
			t.Fatalf("Adopted condition %+v, want True, SecretRotated, naming Regenerate", cond)
		}
		if !hasEvent(t, ns, "legacy", "Warning/Adopted: adopted client legacy") {
			t.Errorf("no Warning event says the client was adopted: %v", eventsFor(t, ns, "legacy"))
		}
		s := secretOf(t, ns, "legacy")
		if string(s.Data["client_id"]) != "legacy" || string(s.Data["client_secret"]) == handMade {
			t.Fatalf("Secret holds client %q and the hand-made secret: %t", s.Data["client_id"], string(s.Data["client_secret"]) == handMade)
		}
		if _, err := h.ClientCredentialsToken(ctx, "legacy", string(s.Data["client_secret"]), "read write"); err != nil {
			t.Errorf("the delivered credentials get no token with the manifest's scopes: %v", err)
		}
		if _, err := h.ClientCredentialsToken(ctx, "legacy", handMade, "read"); err == nil {
			t.Errorf("the hand-made secret still works after Regenerate")
		}
		got, _, err := h.AdminClient(ctx, "legacy")
		if err != nil || got["client_name"] != ns+"/legacy" || !strings.HasPrefix(fmt.Sprint(got["owner"]), v1alpha1.ManagedByValue+"/") {
			t.Errorf("adopted client at Hydra: name %v, owner %v (%v); want the manifest's and the operator's marker", got["client_name"], got["owner"], err)
		}
		recordVersion(t, oac) // the adoption is recorded
	})
}

// TestAdoptionAtKeycloak runs adoption against the fake Keycloak, whose
// secrets can be read: Adopt keeps the secret byte for byte, so the
// credentials a workload already holds keep working; the operator's own
// create of a spec.clientID that a crash interrupted is taken over, not
// reported as a conflict.
func TestAdoptionAtKeycloak(t *testing.T) {
	kc := startKeycloak(t)
	ns := createNamespace(t)
	kc.authServer(t, ns, "keycloak")
	const handMade = "keycloak-hand-made-secret-91b2"
	seen.add(handMade)
	kcCreateClient(t, kc, map[string]any{
		"clientId": "reports", "name": "made by hand", "secret": handMade, "publicClient": false,
		"serviceAccountsEnabled": true, "standardFlowEnabled": false, "clientAuthenticatorType": "client-secret",
	})
	if err := kc.works("reports", handMade, ""); err != nil {
		t.Fatalf("the hand-made client gets no token: %v", err)
	}

	t.Run("Adopt keeps a readable secret byte for byte", func(t *testing.T) {
		newClient(t, ns, "reports", v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, ClientID: "reports", Scopes: []string{"read"},
			Adoption: &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdopt},
		})
		oac := waitReady(t, ns, "reports")
		s := secretOf(t, ns, "reports")
		if string(s.Data["client_id"]) != "reports" || !bytes.Equal(s.Data["client_secret"], []byte(handMade)) {
			t.Fatalf("Secret holds client %q, the hand-made secret: %t", s.Data["client_id"], string(s.Data["client_secret"]) == handMade)
		}
		if err := kc.works("reports", handMade, "read"); err != nil {
			t.Errorf("the workload's credentials stopped working, or lack the manifest's scope: %v", err)
		}
		cond := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionAdopted)
		if cond == nil || cond.Reason != v1alpha1.ReasonSecretKept || !strings.Contains(cond.Message, "unchanged") {
			t.Errorf("Adopted condition %+v, want SecretKept (conditions %+v, events %v)", cond, oac.Status.Conditions, eventsFor(t, ns, "reports"))
		}
		v, _ := kc.fake.Client(kc.realm, "reports")
		attrs, _ := v.Rep["attributes"].(map[string]any)
		if v.Rep["name"] != ns+"/reports" || !strings.HasPrefix(fmt.Sprint(attrs["oauth.clientoperator.io/owner"]), v1alpha1.ManagedByValue+"/") {
			t.Errorf("adopted client at Keycloak: name %v, attributes %v; want the manifest's name and the operator's marker", v.Rep["name"], attrs)
		}
		if !hasEvent(t, ns, "reports", "Normal/Adopted") {
			t.Errorf("no event says the client was adopted: %v", eventsFor(t, ns, "reports"))
		}
	})

	t.Run("after the record is lost, Adopt finds its own client by List instead of registering another", func(t *testing.T) {
		newClient(t, ns, "lost", v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, Scopes: []string{"read"},
			Adoption: &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdopt},
		})
		oac := waitReady(t, ns, "lost")
		id := oac.Status.ClientID
		secret := string(secretOf(t, ns, "lost").Data["client_secret"])
		rec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}}
		if err := k8s.Delete(context.Background(), rec); err != nil {
			t.Fatal(err)
		}
		restartManager(t, 0)
		waitFor(t, "the client adopted again", func() (bool, string) {
			oac := getClient(t, ns, "lost")
			ready, why := isReady(oac.Status.Conditions, oac.Generation)
			return ready && meta.IsStatusConditionTrue(oac.Status.Conditions, v1alpha1.ConditionAdopted), why
		})
		oac = getClient(t, ns, "lost")
		if oac.Status.ClientID != id || string(secretOf(t, ns, "lost").Data["client_secret"]) != secret {
			t.Errorf("after the record loss: client %q (want %q), the same secret: %t", oac.Status.ClientID, id,
				string(secretOf(t, ns, "lost").Data["client_secret"]) == secret)
		}
		mine := 0
		for _, c := range kc.fake.ClientIDs(kc.realm) {
			if strings.HasPrefix(c, string(oac.UID)+"-") {
				mine++
			}
		}
		if mine != 1 {
			t.Errorf("%d clients of this OAuthClient at Keycloak, want 1: %v", mine, kc.fake.ClientIDs(kc.realm))
		}
		recordVersion(t, oac)
	})

	t.Run("a taken Secret stops the adoption before the client is touched", func(t *testing.T) {
		const handMadeLedger = "keycloak-hand-made-ledger-secret-5d0e"
		seen.add(handMadeLedger)
		kcCreateClient(t, kc, map[string]any{
			"clientId": "ledger", "name": "made by hand", "secret": handMadeLedger, "publicClient": false,
			"serviceAccountsEnabled": true, "standardFlowEnabled": false, "clientAuthenticatorType": "client-secret",
		})
		mustCreate(t, &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: "ledger"}, StringData: map[string]string{"note": "not the operator's"}})
		newClient(t, ns, "ledger", v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, ClientID: "ledger", Scopes: []string{"read"},
			Adoption: &v1alpha1.Adoption{Policy: v1alpha1.AdoptionAdopt},
		})
		waitReason(t, ns, "ledger", v1alpha1.ReasonSecretConflict)
		v, ok := kc.fake.Client(kc.realm, "ledger")
		if !ok {
			t.Fatal("the hand-made client is gone from Keycloak")
		}
		if v.Rep["name"] != "made by hand" {
			t.Errorf("the hand-made client was changed: name %v", v.Rep["name"])
		}
		if err := kc.works("ledger", handMadeLedger, ""); err != nil {
			t.Errorf("the hand-made client's secret stopped working: %v", err)
		}
	})

	t.Run("its own create interrupted by a crash is taken over, not a conflict", func(t *testing.T) {
		crashpoint.Reset()
		defer crashpoint.Reset()
		crashNS := newNamespace(t)
		kc.authServer(t, crashNS, "kc")
		crashpoint.Arm(crashpoint.AfterRemoteCreate)
		newClient(t, crashNS, "c", v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "kc"}, ClientID: "crashed", Scopes: []string{"read"}})
		waitFor(t, "the crash point", func() (bool, string) { return crashpoint.Hits(crashpoint.AfterRemoteCreate) == 1, "not reached" })
		go func() { time.Sleep(200 * time.Millisecond); crashpoint.Release() }()
		restartManager(t, 0)
		oac := waitReady(t, crashNS, "c")
		s := secretOf(t, crashNS, "c")
		if oac.Status.ClientID != "crashed" {
			t.Fatalf("client ID %q, want crashed", oac.Status.ClientID)
		}
		if err := kc.works("crashed", string(s.Data["client_secret"]), "read"); err != nil {
			t.Errorf("the credentials after the crash do not work: %v", err)
		}
		if c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionAdopted); c != nil {
			t.Errorf("the operator's own client was reported adopted: %s", c.Message)
		}
	})
}

// TestAdoptionRotatesWithOverlapAtFakeOkta adopts a client whose secret
// cannot be read at a server that keeps two secrets (the fake Okta): the
// client an earlier OAuthClient left behind (deletionPolicy Orphan) is a
// conflict for a new OAuthClient with the same spec.clientID until it asks
// to adopt; then it gets a new secret while the old one keeps working for
// the grace period, and the old one is revoked when it ends.
func TestAdoptionRotatesWithOverlapAtFakeOkta(t *testing.T) {
	ctx := context.Background()
	const apiToken = "okta-adoption-api-token-17"
	seen.add(apiToken)
	fake, srv := startFakeOkta(t, apiToken)
	tokenURL := srv.URL + "/oauth2/default/v1/token"
	works := func(id, secret string) error {
		return oktafake.ClientCredentials(ctx, nil, tokenURL, id, secret, "read")
	}
	ns := oktaNamespace(t, srv, apiToken)
	spec := v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Name: "okta"}, ClientID: "shared-app", ClientName: "shared", Scopes: []string{"read"},
		DeletionPolicy: v1alpha1.DeletionPolicyOrphan, Rotation: rotation(0, 5*time.Second),
	}
	newClient(t, ns, "first", spec)
	waitReady(t, ns, "first")
	old := string(secretOf(t, ns, "first").Data["client_secret"])
	if err := k8s.Delete(ctx, getClient(t, ns, "first")); err != nil {
		t.Fatal(err)
	}
	waitGone(t, &v1alpha1.OAuthClient{}, ns, "first")
	if err := works("shared-app", old); err != nil {
		t.Fatalf("the orphaned client does not work: %v", err)
	}

	writes := fake.Writes()
	newClient(t, ns, "second", spec)
	waitReason(t, ns, "second", v1alpha1.ReasonClientExists)
	if fake.Writes() != writes {
		t.Errorf("FailOnConflict wrote to Okta (%d writes)", fake.Writes()-writes)
	}
	assertNoRecord(t, getClient(t, ns, "second"))

	setAdoption(t, ns, "second", v1alpha1.AdoptionAdopt)
	oac := waitReady(t, ns, "second")
	cond := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionAdopted)
	if cond == nil || cond.Reason != v1alpha1.ReasonSecretRotated || !strings.Contains(cond.Message, "Overlap") {
		t.Fatalf("Adopted condition %+v, want SecretRotated naming Overlap", cond)
	}
	s := secretOf(t, ns, "second")
	current := string(s.Data["client_secret"])
	if string(s.Data["client_id"]) != "shared-app" || current == old {
		t.Fatalf("Secret holds client %q, a new secret: %t", s.Data["client_id"], current != old)
	}
	if err := works("shared-app", current); err != nil {
		t.Errorf("the new secret does not work: %v", err)
	}
	if err := works("shared-app", old); err != nil && fake.Secrets("shared-app") == 2 {
		t.Errorf("the old secret stopped working while both are at Okta: %v", err)
	}
	waitFor(t, "the old secret revoked after the grace period", func() (bool, string) {
		return works("shared-app", old) != nil && fake.Secrets("shared-app") == 1, fmt.Sprintf("%d secrets", fake.Secrets("shared-app"))
	})
	if err := works("shared-app", current); err != nil {
		t.Errorf("the new secret stopped working: %v", err)
	}
}

// TestClientIDWhereTheServerChoosesIDs: spec.clientID at a dynamic
// registration server (which chooses client IDs itself) is refused with a
// condition naming the field, and nothing is registered; admission refuses
// changing spec.clientID and an explicit Replace strategy beside it.
func TestClientIDWhereTheServerChoosesIDs(t *testing.T) {
	ctx := context.Background()
	ns := createNamespace(t)
	createDevServer(t, ns, v1alpha1.AuthServerSpec{IssuerURL: auth.Issuer})
	waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", v1alpha1.ReasonReady)
	newClient(t, ns, "chosen", v1alpha1.OAuthClientSpec{ClientID: "my-own-id", Scopes: []string{"read"}})
	cond := waitReason(t, ns, "chosen", v1alpha1.ReasonInvalidMetadata)
	if !strings.HasPrefix(cond.Message, "spec.clientID:") {
		t.Errorf("the condition does not name spec.clientID: %s", cond.Message)
	}
	oac := getClient(t, ns, "chosen")
	if oac.Status.ClientID != "" {
		t.Errorf("a client was registered: %s", oac.Status.ClientID)
	}
	assertNoRecord(t, oac)
	assertNoSecret(t, ns, "chosen")

	oac.Spec.ClientID = "another-id"
	if err := k8s.Update(ctx, oac); err == nil || !strings.Contains(err.Error(), "spec.clientID is immutable") {
		t.Errorf("changing spec.clientID: %v, want refused naming spec.clientID", err)
	}
	bad := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "replaced", Namespace: ns}, Spec: v1alpha1.OAuthClientSpec{
		ServerRef: v1alpha1.ServerReference{Name: "dev"}, ClientID: "x",
		Rotation: &v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace},
	}}
	if err := k8s.Create(ctx, bad); err == nil || !strings.Contains(err.Error(), "spec.rotation.strategy Replace") {
		t.Errorf("spec.clientID with strategy Replace: %v, want refused naming spec.rotation.strategy", err)
	}
	for _, id := range []string{"has space", "-leading-dash", "a/b", strings.Repeat("x", 101)} {
		bad := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "bad-id", Namespace: ns}, Spec: v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: "dev"}, ClientID: id}}
		if err := k8s.Create(ctx, bad); err == nil || !strings.Contains(err.Error(), "spec.clientID") {
			t.Errorf("spec.clientID %q: %v, want refused naming spec.clientID", id, err)
		}
	}
}

// setAdoption sets spec.adoption.policy of an OAuthClient.
func setAdoption(t *testing.T, ns, name string, policy v1alpha1.AdoptionPolicy) {
	t.Helper()
	oac := getClient(t, ns, name)
	oac.Spec.Adoption = &v1alpha1.Adoption{Policy: policy}
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
}

// assertNoRecord fails when the operator keeps a record of oac.
func assertNoRecord(t *testing.T, oac *v1alpha1.OAuthClient) {
	t.Helper()
	var s corev1.Secret
	err := k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}, &s)
	if !apierrors.IsNotFound(err) {
		t.Errorf("the operator recorded a client for %s (%v)", oac.Name, err)
	}
}

// assertNoSecret fails when a Secret name exists in ns.
func assertNoSecret(t *testing.T, ns, name string) {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: name}, &s); !apierrors.IsNotFound(err) {
		t.Errorf("Secret %s exists (%v)", name, err)
	}
}

// kcCreateClient creates a client at the fake Keycloak's realm through its
// admin API, as an administrator would by hand.
func kcCreateClient(t *testing.T, kc *keycloakEnv, rep map[string]any) {
	t.Helper()
	body, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, kc.base+"/admin/realms/"+kc.realm+"/clients", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+kc.fake.AdminToken(keycloakfake.RoleManageClients))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("creating client %v at Keycloak: %s", rep["clientId"], resp.Status)
	}
}
