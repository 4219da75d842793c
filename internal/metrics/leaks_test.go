package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// The leaked-client count is kept per server until the server is
// forgotten.
func TestLeakedClientsPerServer(t *testing.T) {
	Leaked("AuthServer", "team-a", "hydra", 3)
	Leaked("ClusterAuthServer", "", "shared", 0)
	if got := testutil.ToFloat64(leaked.WithLabelValues("AuthServer", "team-a", "hydra")); got != 3 {
		t.Errorf("team-a/hydra: %v leaked, want 3", got)
	}
	Leaked("AuthServer", "team-a", "hydra", 1)
	if got := testutil.ToFloat64(leaked.WithLabelValues("AuthServer", "team-a", "hydra")); got != 1 {
		t.Errorf("after a cleanup: %v leaked, want 1", got)
	}
	ForgetLeaked("AuthServer", "team-a", "hydra")
	ForgetLeaked("ClusterAuthServer", "", "shared")
	if n := testutil.CollectAndCount(leaked); n != 0 {
		t.Errorf("%d series after both servers were forgotten, want 0", n)
	}
}
