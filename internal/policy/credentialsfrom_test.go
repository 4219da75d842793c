package policy

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Brought credentials (spec.credentialsFrom) are never rotated by the
// operator: a due interval or a rotation request plans nothing, and a
// rotation time in the past does not wake the client again and again.
func TestBroughtCredentialsAreNotRotated(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := &record.Record{ClientID: "c1", ClientSecret: "s1", IssuedAt: now.Add(-48 * time.Hour), Version: 1, RolledVersion: 1}
	oac := &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team",
			Annotations: map[string]string{v1alpha1.AnnotationRotateRequestedAt: "now"}},
		Spec: v1alpha1.OAuthClientSpec{
			Rotation:        &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 24 * time.Hour}},
			CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "src"},
		},
	}
	p, err := Decide(Observation{Now: now, Client: oac, Record: rec})
	if err != nil || p.Rotate != "" {
		t.Errorf("Decide = %s, %v; want no rotation", p, err)
	}
	if w := Wake(oac, rec); !w.IsZero() {
		t.Errorf("Wake = %v for a due brought secret; want none (the condition says it is due)", w)
	}
	future := rec.Clone()
	future.IssuedAt = time.Now()
	if w := Wake(oac, future); w.IsZero() {
		t.Error("Wake is zero before the brought secret is due; want the due time, to set the condition then")
	}

	generated := oac.DeepCopy()
	generated.Spec.CredentialsFrom = nil
	if p, _ := Decide(Observation{Now: now, Client: generated, Record: rec}); p.Rotate == "" {
		t.Error("without credentialsFrom the same client is not rotated; the test proves nothing")
	}
}

// A client waiting for its source Secret is not retried with backoff: the
// source watch wakes it when the Secret appears.
func TestSourceMissingWaitsForTheSourceWatch(t *testing.T) {
	after, backoff := ClientRetry(v1alpha1.ReasonCredentialsSourceMissing, nil)
	if backoff || after != MaxRetry {
		t.Errorf("ClientRetry = %v, backoff %v; want %v without backoff", after, backoff, MaxRetry)
	}
}
