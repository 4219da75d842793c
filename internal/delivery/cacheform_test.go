package delivery

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/heapsize"
)

// A Secret as a read from the cache gives it (CacheForm, then Secret) holds
// no data and no managed fields, and UpToDate says of it what it says of
// the Secret it came from: an edit of a value, a key more or less, a
// changed label or annotation of the operator's all show; what other tools
// add does not.
func TestCachedSecretIsJudgedLikeTheSecret(t *testing.T) {
	want, full := built(t, 1), decodedSecret(t, 1)
	if !UpToDate(full, want) || !UpToDate(CacheForm(full).Secret(), want) {
		t.Fatal("a Secret that holds exactly what the operator applied is not up to date")
	}
	cached := CacheForm(full).Secret()
	if cached.Data != nil || cached.ManagedFields != nil {
		t.Fatalf("the cache keeps data %v and managed fields %v", cached.Data, cached.ManagedFields)
	}
	if full.Data == nil || full.ManagedFields == nil {
		t.Fatal("CacheForm changed the Secret it was given")
	}
	for name, tc := range map[string]struct {
		edit     func(*corev1.Secret)
		upToDate bool
	}{
		"a value changed": {func(s *corev1.Secret) { s.Data["client_secret"] = []byte("other") }, false},
		"a data key more": {func(s *corev1.Secret) { s.Data["x"] = nil }, false},
		"a data key less": {func(s *corev1.Secret) { delete(s.Data, "client_secret") }, false},
		"bytes moved across keys": {func(s *corev1.Secret) {
			s.Data["client_id"] = append(s.Data["client_id"], s.Data["client_secret"]...)
			delete(s.Data, "client_secret")
		}, false},
		"its label changed":          {func(s *corev1.Secret) { s.Labels[v1alpha1.LabelOAuthClientName] = "other" }, false},
		"its label removed":          {func(s *corev1.Secret) { delete(s.Labels, v1alpha1.LabelOAuthClientName) }, false},
		"its annotation changed":     {func(s *corev1.Secret) { s.Annotations[v1alpha1.AnnotationVersion] = "9" }, false},
		"the owner reference gone":   {func(s *corev1.Secret) { s.OwnerReferences = nil }, false},
		"another tool's label added": {func(s *corev1.Secret) { s.Labels["team"] = "a" }, true},
		"another tool's annotation":  {func(s *corev1.Secret) { s.Annotations["note"] = "b" }, true},
	} {
		s := decodedSecret(t, 1)
		tc.edit(s)
		if got := UpToDate(s, want); got != tc.upToDate {
			t.Errorf("%s: UpToDate of the Secret = %v, want %v", name, got, tc.upToDate)
		}
		if got := UpToDate(CacheForm(s).Secret(), want); got != tc.upToDate {
			t.Errorf("%s: UpToDate of its cached form = %v, want %v", name, got, tc.upToDate)
		}
	}
	unknown := decodedSecret(t, 1)
	unknown.ManagedFields = nil
	if UpToDate(unknown, want) || UpToDate(CacheForm(unknown).Secret(), want) {
		t.Error("a Secret without the operator's managed fields is up to date")
	}
}

// The cached form keeps what the operator reads: owner labels and
// reference, and its own annotations (the metrics read issued-at), not
// other tools' annotations.
func TestCachedSecretKeepsWhatTheOperatorReads(t *testing.T) {
	full := decodedSecret(t, 1)
	full.Annotations["note"] = "b"
	// A read from the cache copies what it holds: the copy is a Secret.
	cached, ok := CacheForm(full).DeepCopyObject().(*corev1.Secret)
	if !ok {
		t.Fatal("a copy of the cached form is not a *corev1.Secret")
	}
	if cached.Labels[v1alpha1.LabelOAuthClientUID] != full.Labels[v1alpha1.LabelOAuthClientUID] ||
		cached.Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue ||
		cached.Annotations[v1alpha1.AnnotationIssuedAt] == "" ||
		!hasOwner(cached, full.OwnerReferences[0].UID) || cached.ResourceVersion != full.ResourceVersion {
		t.Errorf("the cached form lost what the operator reads: %+v", cached.ObjectMeta)
	}
	if _, ok := cached.Annotations["note"]; ok {
		t.Error("the cached form keeps another tool's annotation")
	}
}

// BenchmarkCachedSecret reports the heap one delivered Secret takes in the
// cache (bytes/Secret, over 10,000 of them decoded afresh): as decoded, and
// in the cached form.
func BenchmarkCachedSecret(b *testing.B) {
	for _, form := range []bool{false, true} {
		name := map[bool]string{false: "as-decoded", true: "cache-form"}[form]
		b.Run(name, func(b *testing.B) {
			var perSecret float64
			for b.Loop() {
				perSecret = heapsize.PerObject(10000, func(i int) any {
					s := decodedSecret(b, i)
					if form {
						return CacheForm(s)
					}
					return s
				})
			}
			b.ReportMetric(perSecret, "bytes/Secret")
		})
	}
}

// built is the i-th client's delivered Secret as the operator wants it.
func built(b testing.TB, i int) *Secret {
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{
		Name: fmt.Sprintf("c-%05d", i), Namespace: "bench", UID: types.UID(fmt.Sprintf("1b1c7d2e-4f3a-4b2c-9d8e-7f6a5b4c%04d", i)),
	}}
	oac.Spec.Scopes = []string{"read"}
	want, err := Build(oac, Credentials{ //nolint:gosec // G101: made-up values for a benchmark
		ClientID: fmt.Sprintf("Xk3j2kLm9Qp0aZx8Yw7Vu6Ts5Rq%05d", i), ClientSecret: fmt.Sprintf("secret-secret-secret-secret-secret-%05d", i),
		TokenURL: "http://127.0.0.1:30000/token", Issuer: "http://127.0.0.1:30000", Scope: "read",
	}, 1, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	if err != nil {
		b.Fatal(err)
	}
	return want
}

// decodedSecret is the i-th client's delivered Secret as an informer
// decodes it: built as the operator applies it, with its apply entry,
// through JSON.
func decodedSecret(b testing.TB, i int) *corev1.Secret {
	want := built(b, i)
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{UID: want.Owner.UID}}
	fields := map[string]any{"f:type": map[string]any{}}
	keys := func(m map[string]string) map[string]any {
		out := map[string]any{}
		for k := range m {
			out["f:"+k] = map[string]any{}
		}
		return out
	}
	data := map[string]any{}
	for k := range want.Data {
		data["f:"+k] = map[string]any{}
	}
	fields["f:data"] = data
	fields["f:metadata"] = map[string]any{"f:labels": keys(want.Labels), "f:annotations": keys(want.Annotations),
		"f:ownerReferences": map[string]any{fmt.Sprintf(`k:{"uid":"%s"}`, oac.UID): map[string]any{}}}
	raw, err := json.Marshal(fields)
	if err != nil {
		b.Fatal(err)
	}
	now := metav1.Now()
	s := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name: want.Name, Namespace: want.Namespace, UID: oac.UID + "-s", ResourceVersion: "123456", CreationTimestamp: now,
			Labels: want.Labels, Annotations: want.Annotations, OwnerReferences: []metav1.OwnerReference{want.Owner},
			ManagedFields: []metav1.ManagedFieldsEntry{{Manager: v1alpha1.FieldManager, Operation: metav1.ManagedFieldsOperationApply,
				APIVersion: "v1", Time: &now, FieldsType: "FieldsV1", FieldsV1: metav1.NewFieldsV1(string(raw))}},
		},
		Type: corev1.SecretTypeOpaque, Data: want.Data,
	}
	wire, err := json.Marshal(s)
	if err != nil {
		b.Fatal(err)
	}
	out := &corev1.Secret{}
	if err := json.Unmarshal(wire, out); err != nil {
		b.Fatal(err)
	}
	return out
}
