// Package tier sorts tests into two tiers. The unit tier is everything a
// plain `go test ./internal/...` runs: in-process fakes on loopback, pure
// functions, no child processes; it finishes in seconds. The integration
// tier starts real servers and processes (Ory Hydra, the npm oidc-provider,
// the manager binary): it runs only when TEST_INTEGRATION=1, which `make
// test` (and so CI) sets.
package tier

import (
	"os"
	"sync/atomic"
	"testing"
)

// Env is the environment variable that turns the integration tier on.
const Env = "TEST_INTEGRATION"

// enabled is set by Enable.
var enabled atomic.Bool

// Enable turns the integration tier on for this test binary. A TestMain
// that starts real servers itself (an envtest suite) calls it: its whole
// package is of the integration tier, so `go test ./controllers` runs all
// of it.
func Enable() { enabled.Store(true) }

// IntegrationEnabled reports whether the integration tier runs: Env is "1"
// or "true", or Enable was called.
func IntegrationEnabled() bool {
	v := os.Getenv(Env)
	return v == "1" || v == "true" || enabled.Load()
}

// Integration skips t unless the integration tier runs, saying how to run it.
// Call it first in a test that starts a real server or process.
func Integration(t testing.TB) {
	t.Helper()
	if !IntegrationEnabled() {
		t.Skipf("integration tier (a real server or process): set %s=1 to run it; make test does", Env)
	}
}
