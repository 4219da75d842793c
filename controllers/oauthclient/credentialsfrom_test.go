package oauthclient

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// checkSource refuses brought credentials a server cannot take, naming the
// field, before the source is even read.
func TestCheckSourceNamesTheField(t *testing.T) {
	client := func(cf v1alpha1.CredentialsFrom) *v1alpha1.OAuthClient {
		return &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team"},
			Spec: v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "idp"}, CredentialsFrom: &cf}}
	}
	managed := provider.Capabilities{CallerSuppliedSecret: true, CallerChosenID: true}
	cases := []struct {
		name string
		cf   v1alpha1.CredentialsFrom
		caps provider.Capabilities
		want string // "" accepts
	}{
		{"a server that issues secrets", v1alpha1.CredentialsFrom{SecretName: "src"}, provider.Capabilities{}, "spec.credentialsFrom:"},
		{"a caller-supplied secret", v1alpha1.CredentialsFrom{SecretName: "src"}, managed, ""},
		{"a chosen ID where the caller may choose", v1alpha1.CredentialsFrom{SecretName: "src", ClientIDKey: "id"}, managed, ""},
		{"a chosen ID where the server chooses", v1alpha1.CredentialsFrom{SecretName: "src", ClientIDKey: "id"},
			provider.Capabilities{CallerSuppliedSecret: true}, "spec.credentialsFrom.clientIDKey"},
		{"preRegistered without the ID", v1alpha1.CredentialsFrom{SecretName: "src"}, provider.Capabilities{PreRegistered: true}, "spec.credentialsFrom.clientIDKey"},
		{"preRegistered with the ID", v1alpha1.CredentialsFrom{SecretName: "src", ClientIDKey: "id"}, provider.Capabilities{PreRegistered: true}, ""},
		{"the delivered Secret by default name", v1alpha1.CredentialsFrom{SecretName: "app"}, managed, "spec.credentialsFrom.secretName"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkSource(client(tc.cf), tc.caps, "x")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || reasonOf(err) != v1alpha1.ReasonInvalidMetadata):
				t.Errorf("err = %v, want InvalidMetadata naming %s", err, tc.want)
			}
		})
	}
}

// The RotationDue condition tells when a brought secret is due, and what
// to do once it is; clients that generate their credentials have none.
func TestRotationDueCondition(t *testing.T) {
	issued := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	rec := &record.Record{ClientID: "c1", IssuedAt: issued, Version: 1}
	oac := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{
		Rotation:        &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: time.Hour}},
		CredentialsFrom: &v1alpha1.CredentialsFrom{SecretName: "src"},
	}}
	before := rotationDueCondition(oac, rec, issued.Add(59*time.Minute))
	if before.Status != metav1.ConditionFalse || !strings.Contains(before.Message, "2026-03-01T13:00:00Z") {
		t.Errorf("before: %+v", before)
	}
	after := rotationDueCondition(oac, rec, issued.Add(time.Hour))
	if after.Status != metav1.ConditionTrue || after.Reason != v1alpha1.ReasonRotationDue ||
		!strings.Contains(after.Message, "next_client_secret") || !strings.Contains(after.Message, "Secret src") {
		t.Errorf("after: %+v", after)
	}
	noInterval := oac.DeepCopy()
	noInterval.Spec.Rotation = nil
	if c := rotationDueCondition(noInterval, rec, issued.Add(1000*time.Hour)); c.Status != metav1.ConditionFalse {
		t.Errorf("without an interval: %+v", c)
	}
	generated := oac.DeepCopy()
	generated.Spec.CredentialsFrom = nil
	if c := rotationDueCondition(generated, rec, issued.Add(2*time.Hour)); c != nil {
		t.Errorf("a client without credentialsFrom has %+v", c)
	}
}

// Brought credentials are verified the way the client authenticates.
func TestStyleFollowsTheAuthMethod(t *testing.T) {
	for method, want := range map[string]string{"": "Basic", "client_secret_basic": "Basic", "client_secret_post": "Form", "client_secret_jwt": "SecretJWT"} {
		if got := string(styleOf(method)); got != want {
			t.Errorf("styleOf(%q) = %s, want %s", method, got, want)
		}
	}
}
