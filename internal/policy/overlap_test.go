package policy

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// TestOverlapWaitsForTheLastOverlapToEnd: a rotation due while the last
// Overlap rotation's old secrets are still valid waits until they are
// revoked (a server keeps only so many secrets); other strategies do not.
func TestOverlapWaitsForTheLastOverlapToEnd(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	overlap := provider.Capabilities{RegenerateSecret: true, OverlapSecrets: true, MaxSecrets: 2}
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team",
		Annotations: map[string]string{v1alpha1.AnnotationRotateRequestedAt: "now"}}}
	pending := record.Retiring{ClientID: "c1", RetireAt: t0.Add(time.Minute), SecretsOnly: true}
	cases := []struct {
		name     string
		retiring []record.Retiring
		strategy v1alpha1.RotationStrategy
		want     v1alpha1.RotationStrategy
	}{
		{"no overlap running", nil, v1alpha1.StrategyAuto, v1alpha1.StrategyOverlap},
		{"an overlap running", []record.Retiring{pending}, v1alpha1.StrategyAuto, ""},
		{"an overlap ending now", []record.Retiring{{ClientID: "c1", RetireAt: t0, SecretsOnly: true}}, v1alpha1.StrategyOverlap, ""},
		{"a replaced client retiring", []record.Retiring{{ClientID: "c0", RetireAt: t0.Add(time.Minute)}}, v1alpha1.StrategyAuto, v1alpha1.StrategyOverlap},
		{"Replace does not wait", []record.Retiring{pending}, v1alpha1.StrategyReplace, v1alpha1.StrategyReplace},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := oac.DeepCopy()
			o.Spec.Rotation = &v1alpha1.RotationPolicy{Strategy: c.strategy}
			rec := &record.Record{ClientID: "c1", ClientSecret: "s", IssuedAt: t0, Version: 2, RolledVersion: 2, Retiring: c.retiring}
			p, err := Decide(Observation{Now: t0, Client: o, Record: rec, Caps: overlap})
			if err != nil {
				t.Fatal(err)
			}
			if p.Rotate != c.want {
				t.Errorf("Rotate = %q, want %q (plan: %s)", p.Rotate, c.want, p)
			}
		})
	}
}
