package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// TestKilledAfterCreateAtHydraLeavesNoClient kills the manager binary right
// after Hydra created a client and before the operator recorded it, at
// registration and at a Replace rotation. With dynamic registration that
// window leaves one unknown client behind (TestManagerKilledAtEveryCrashPoint);
// at Hydra the operator chooses the client ID, so the next manager asks for
// the same ID, finds the client it made, and takes it over: zero leaked
// clients.
func TestKilledAfterCreateAtHydraLeavesNoClient(t *testing.T) {
	h := setup(t)
	hy := hydra.StartT(t, hydra.Options{})
	operatorNS := h.newNamespace(t, "e2e-hydra-crash-operator", false)
	for point, rotate := range map[string]bool{crashpoint.AfterRemoteCreate: false, crashpoint.AfterReplaceCreate: true} {
		t.Run(point, func(t *testing.T) {
			t.Parallel()
			ns := h.newNamespace(t, "e2e-hydra-crash", false)
			h.create(t, &v1alpha1.AuthServer{
				ObjectMeta: metav1.ObjectMeta{Name: "dev", Namespace: ns},
				Spec: v1alpha1.AuthServerSpec{IssuerURL: hy.Issuer,
					ProviderBlocks: v1alpha1.ProviderBlocks{Hydra: &v1alpha1.HydraProvider{AdminURL: hy.AdminURL}}},
			})
			opts := func(name, crashAt string) managerOptions {
				return managerOptions{name: name, operatorNamespace: operatorNS, namespaces: ns, crashAt: crashAt}
			}
			spec := v1alpha1.OAuthClientSpec{Scopes: []string{"read"},
				Rotation: &v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace, GracePeriod: &metav1.Duration{Duration: 0}}}
			var managers []*managerProc
			if rotate {
				prepare := h.startManager(t, opts("prepare", ""))
				managers = append(managers, prepare)
				h.newClient(t, ns, spec)
				waitFor(t, "c Ready before the crash", func() (bool, string) { return h.clientReady(ns, "c") })
				prepare.stop(t)
			}
			crashing := h.startManager(t, opts("crashing", point))
			managers = append(managers, crashing)
			if rotate {
				requestRotation(t, h, ns)
			} else {
				h.waitServerReady(t, ns)
				h.newClient(t, ns, spec)
			}
			crashing.waitKilled(t, "at "+point)
			managers = append(managers, h.startManager(t, opts("after", "")))

			want := 1
			waitFor(t, "c Ready after the crash", func() (bool, string) {
				ready, why := h.clientReady(ns, "c")
				if ready && rotate {
					oac, _, err := h.getClient(ns, "c")
					if err != nil || oac.Status.SecretVersion < 2 {
						return false, fmt.Sprintf("not rotated yet (%v)", err)
					}
				}
				return ready, why
			})
			data := h.secretData(t, ns, "c")
			id, secret := string(data["client_id"]), string(data["client_secret"])
			if _, err := hy.ClientCredentialsToken(context.Background(), id, secret, "read"); err != nil {
				t.Errorf("the delivered credentials obtain no token at Hydra: %v", err)
			}
			waitFor(t, fmt.Sprintf("%d client of %s/c at Hydra", want, ns), func() (bool, string) {
				ids, err := hydraClientsNamed(hy, ns+"/c")
				return err == nil && len(ids) == want, fmt.Sprintf("%v (%v)", ids, err)
			})
			checkNoSecretLogged(t, []string{secret}, managers...)
		})
	}
}

// hydraClientsNamed lists the IDs of Hydra's clients named name.
func hydraClientsNamed(hy *hydra.Server, name string) ([]string, error) {
	status, body, err := hy.Admin(context.Background(), http.MethodGet, "/admin/clients?page_size=500&client_name="+strings.ReplaceAll(name, "/", "%2F"), nil)
	if err != nil || status != http.StatusOK {
		return nil, fmt.Errorf("listing Hydra's clients: %d %v", status, err)
	}
	return clientIDsIn(body)
}

// clientIDsIn reads the client IDs of a Hydra client list.
func clientIDsIn(body []byte) ([]string, error) {
	var list []struct {
		ClientID string `json:"client_id"`
	}
	if err := json.Unmarshal(body, &list); err != nil {
		return nil, fmt.Errorf("reading Hydra's client list: %w", err)
	}
	ids := make([]string, 0, len(list))
	for _, c := range list {
		ids = append(ids, c.ClientID)
	}
	return ids, nil
}
