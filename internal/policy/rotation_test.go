package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

func TestDecideRotation(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	cases := []struct {
		name       string
		in         RotationInput
		due        bool
		reasonHas  string
		wantNextAt time.Time
	}{
		{"no policy, nothing requested", RotationInput{Now: t0.Add(400 * day), IssuedAt: t0}, false, "", time.Time{}},
		{"interval not yet passed", RotationInput{Now: t0.Add(29 * day), IssuedAt: t0, Interval: 30 * day}, false, "", t0.Add(30 * day)},
		{"interval passed exactly", RotationInput{Now: t0.Add(30 * day), IssuedAt: t0, Interval: 30 * day}, true, "scheduled", t0.Add(30 * day)},
		{"interval long passed", RotationInput{Now: t0.Add(90 * day), IssuedAt: t0, Interval: 30 * day}, true, "scheduled", t0.Add(30 * day)},
		{"new annotation value", RotationInput{Now: t0, IssuedAt: t0, Requested: "2026-01-01T10:00:00Z"}, true, "requested by annotation", time.Time{}},
		{"annotation value already handled", RotationInput{Now: t0, IssuedAt: t0, Requested: "a", Handled: "a"}, false, "", time.Time{}},
		{"annotation removed after handling", RotationInput{Now: t0, IssuedAt: t0, Requested: "", Handled: "a"}, false, "", time.Time{}},
		{"request wins over schedule", RotationInput{Now: t0.Add(31 * day), IssuedAt: t0, Interval: 30 * day, Requested: "b", Handled: "a"}, true, "requested", t0.Add(30 * day)},
		{"server expiry approaching", RotationInput{Now: t0.Add(day - 30*time.Minute), IssuedAt: t0, SecretExpiresAt: t0.Add(day)}, true, "expires the secret", t0.Add(day - time.Hour)},
		{"server expiry earlier than interval", RotationInput{Now: t0, IssuedAt: t0, Interval: 30 * day, SecretExpiresAt: t0.Add(day)}, false, "", t0.Add(day - time.Hour)},
		{"disabled never rotates", RotationInput{Now: t0.Add(90 * day), IssuedAt: t0, Interval: 30 * day, Requested: "x", Disabled: true}, false, "", time.Time{}},
		{"unknown issue time does not rotate on schedule", RotationInput{Now: t0, Interval: time.Hour}, false, "", time.Time{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			d := DecideRotation(tc.in)
			if d.Due != tc.due {
				t.Fatalf("due = %v (%q), want %v", d.Due, d.Reason, tc.due)
			}
			if !strings.Contains(d.Reason, tc.reasonHas) {
				t.Errorf("reason %q lacks %q", d.Reason, tc.reasonHas)
			}
			if !d.Next.Equal(tc.wantNextAt) {
				t.Errorf("next = %v, want %v", d.Next, tc.wantNextAt)
			}
		})
	}
}

func TestPickStrategy(t *testing.T) {
	none := provider.Capabilities{}
	all := provider.Capabilities{RegenerateSecret: true, OverlapSecrets: true}
	regen := provider.Capabilities{RegenerateSecret: true}
	cases := []struct {
		requested v1alpha1.RotationStrategy
		caps      provider.Capabilities
		want      v1alpha1.RotationStrategy
		errHas    string
	}{
		{"", none, v1alpha1.StrategyReplace, ""},
		{v1alpha1.StrategyAuto, none, v1alpha1.StrategyReplace, ""},
		{v1alpha1.StrategyAuto, regen, v1alpha1.StrategyReplace, ""}, // regenerating in place has downtime
		{v1alpha1.StrategyAuto, all, v1alpha1.StrategyOverlap, ""},
		{v1alpha1.StrategyReplace, all, v1alpha1.StrategyReplace, ""},
		{v1alpha1.StrategyRegenerate, regen, v1alpha1.StrategyRegenerate, ""},
		{v1alpha1.StrategyRegenerate, none, "", "cannot regenerate"},
		{v1alpha1.StrategyOverlap, regen, "", "cannot keep two secrets"},
		{"Sometimes", all, "", "unknown strategy"},
	}
	for _, tc := range cases {
		got, err := PickStrategy(tc.requested, tc.caps)
		if tc.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tc.errHas) || !strings.Contains(err.Error(), "spec.rotation.strategy") {
				t.Errorf("%s with %+v: error %v, want one naming the field and containing %q", tc.requested, tc.caps, err, tc.errHas)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("%s with %+v = %q, %v; want %q", tc.requested, tc.caps, got, err, tc.want)
		}
	}
}

func TestDueRetirements(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	list := []record.Retiring{
		{ClientID: "past", RetireAt: now.Add(-time.Minute)},
		{ClientID: "now", RetireAt: now},
		{ClientID: "later", RetireAt: now.Add(2 * time.Hour)},
		{ClientID: "soon", RetireAt: now.Add(time.Hour)},
	}
	due, waiting, next := DueRetirements(now, list)
	if len(due) != 2 || due[0].ClientID != "past" || due[1].ClientID != "now" {
		t.Errorf("due = %+v", due)
	}
	if len(waiting) != 2 || !next.Equal(now.Add(time.Hour)) {
		t.Errorf("waiting = %+v, next = %v", waiting, next)
	}
}

// A secret that lives less than an hour is replaced a quarter of its
// lifetime before it expires, not the moment it is issued.
func TestShortLivedSecretIsNotDueAtOnce(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	in := RotationInput{Now: t0, IssuedAt: t0, SecretExpiresAt: t0.Add(30 * time.Minute)}
	if d := DecideRotation(in); d.Due || !d.Next.Equal(t0.Add(22*time.Minute+30*time.Second)) {
		t.Errorf("just issued: due %v, next %v; want not due, next at 22m30s", d.Due, d.Next)
	}
	in.Now = t0.Add(23 * time.Minute)
	if d := DecideRotation(in); !d.Due {
		t.Error("within the last quarter of its life: not due")
	}
}
