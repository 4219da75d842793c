package hydra_test

import (
	"encoding/json"
	"errors"
	"testing"

	hydrasrv "github.com/oauth-client-operator/oauth-client-operator/test/testutil/hydra"
)

// startHydra starts a real Hydra for t (hack/hydra.sh); -short skips the
// test instead.
func startHydra(t *testing.T) *hydrasrv.Server {
	t.Helper()
	if testing.Short() {
		t.Skip("starts a real Hydra")
	}
	return hydrasrv.StartT(t, hydrasrv.Options{})
}

// parseSecret reads client_secret from a client object.
func parseSecret(body []byte) (string, error) {
	var c struct {
		Secret string `json:"client_secret"`
	}
	if err := json.Unmarshal(body, &c); err != nil || c.Secret == "" {
		return "", errors.New("no client_secret in Hydra's answer")
	}
	return c.Secret, nil
}
