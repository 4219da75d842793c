package controllers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
)

// TestKeycloakCrashPoints stops the operator right after a step that
// changes Keycloak (a fake one), restarts it with empty memory, and checks
// that it ends as asked with working credentials and exactly the clients
// it knows of. Unlike dynamic registration, a crash between Keycloak's
// answer and the record leaves no client behind: the retried create finds
// it by its clientId. A crash after an Overlap rotation was recorded still
// revokes the old secret when the grace period ends.
func TestKeycloakCrashPoints(t *testing.T) {
	kc := startKeycloak(t)
	rotate := func(t *testing.T, ns string) { requestRotation(t, ns, "c", "crash") }
	scenarios := []struct {
		point string
		act   func(t *testing.T, ns string)
	}{
		{crashpoint.AfterRemoteCreate, nil},
		{crashpoint.AfterStateSave, nil},
		{crashpoint.AfterRotationSave, rotate},
	}
	for _, sc := range scenarios {
		t.Run(sc.point, func(t *testing.T) {
			crashpoint.Reset()
			defer crashpoint.Reset()
			ns := newNamespace(t)
			kc.authServer(t, ns, "keycloak")
			spec := v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "keycloak"}, Scopes: []string{"read"},
				Rotation: &v1alpha1.RotationPolicy{GracePeriod: &metav1.Duration{Duration: 3 * time.Second}}}
			var before string
			if sc.act != nil {
				newClient(t, ns, "c", spec)
				waitReady(t, ns, "c")
				before = string(secretOf(t, ns, "c").Data["client_secret"])
				seen.add(before)
				crashpoint.Arm(sc.point)
				sc.act(t, ns)
			} else {
				crashpoint.Arm(sc.point)
				newClient(t, ns, "c", spec)
			}
			waitFor(t, "the crash point", func() (bool, string) { return crashpoint.Hits(sc.point) == 1, "not reached" })
			go func() { time.Sleep(200 * time.Millisecond); crashpoint.Release() }()
			restartManager(t, 0)

			waitFor(t, "Ready after the crash", func() (bool, string) {
				oac := getClient(t, ns, "c")
				ready, why := isReady(oac.Status.Conditions, oac.Generation)
				return ready && (sc.act == nil || oac.Status.SecretVersion == 2), why
			})
			oac := getClient(t, ns, "c")
			s := secretOf(t, ns, "c")
			id, secret := string(s.Data["client_id"]), string(s.Data["client_secret"])
			if err := kc.works(id, secret, "read"); err != nil {
				t.Fatalf("the Secret's credentials do not work after the crash: %v", err)
			}
			prefix := string(oac.UID) + "-"
			mine := 0
			for _, c := range kc.fake.ClientIDs(kc.realm) {
				if strings.HasPrefix(c, prefix) {
					mine++
				}
			}
			if mine != 1 {
				t.Errorf("%d clients of this OAuthClient at Keycloak, want 1: %v", mine, kc.fake.ClientIDs(kc.realm))
			}
			if before != "" {
				waitFor(t, "the old secret revoked after the grace period", func() (bool, string) {
					return kc.works(id, before, "read") != nil, "the old secret still works"
				})
			}
			if err := k8s.Delete(context.Background(), oac); err != nil {
				t.Fatal(err)
			}
			waitGone(t, &v1alpha1.OAuthClient{}, ns, "c")
			if _, found := kc.fake.Client(kc.realm, id); found {
				t.Errorf("client %s is still at Keycloak after the OAuthClient was deleted", id)
			}
		})
	}
}
