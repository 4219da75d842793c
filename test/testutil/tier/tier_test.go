package tier

import "testing"

func TestIntegrationEnabled(t *testing.T) {
	for value, want := range map[string]bool{"": false, "0": false, "no": false, "1": true, "true": true} {
		t.Setenv(Env, value)
		if got := IntegrationEnabled(); got != want {
			t.Errorf("%s=%q: IntegrationEnabled() = %v, want %v", Env, value, got, want)
		}
	}
}

func TestEnableTurnsTheTierOn(t *testing.T) {
	t.Setenv(Env, "")
	defer enabled.Store(false)
	Enable()
	if !IntegrationEnabled() {
		t.Error("IntegrationEnabled() = false after Enable")
	}
}
