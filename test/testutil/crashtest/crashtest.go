// Package crashtest runs a crash-point suite's scenario for every crash
// point, in process (controllers) or by SIGKILL (test/e2e).
package crashtest

import (
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
)

// EachPoint runs run as a subtest named after each point of
// crashpoint.All, with that point's scenario. A point without a scenario
// fails t, so that a new crash point cannot go untested.
func EachPoint[S any](t *testing.T, scenarios map[string]S, run func(t *testing.T, point string, sc S)) {
	t.Helper()
	for _, point := range crashpoint.All {
		sc, ok := scenarios[point]
		if !ok {
			t.Fatalf("crash point %s has no scenario", point)
		}
		t.Run(point, func(t *testing.T) { run(t, point, sc) })
	}
}
