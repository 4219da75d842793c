package delivery

import (
	"encoding/json"
	"fmt"
	"runtime"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// A Secret as the cache keeps it (DropData) holds no values, and is the
// same data as what it held, and only that.
func TestCachedSecretKeepsOnlyADigestOfItsData(t *testing.T) {
	data := map[string][]byte{"client_id": []byte("id"), "client_secret": []byte("s3cret")}
	cached := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Annotations: map[string]string{"a": "b"}}, Data: map[string][]byte{
		"client_id": []byte("id"), "client_secret": []byte("s3cret"),
	}}
	DropData(cached)
	if cached.Data != nil {
		t.Fatalf("the cache keeps data %v", cached.Data)
	}
	for name, tc := range map[string]struct {
		data map[string][]byte
		same bool
	}{
		"the same":           {data, true},
		"a value changed":    {map[string][]byte{"client_id": []byte("id"), "client_secret": []byte("other")}, false},
		"a key more":         {map[string][]byte{"client_id": []byte("id"), "client_secret": []byte("s3cret"), "x": nil}, false},
		"a key less":         {map[string][]byte{"client_id": []byte("id")}, false},
		"bytes moved across": {map[string][]byte{"client_id": []byte("idclient_secret"), "": []byte("s3cret")}, false},
	} {
		if got := sameData(cached, tc.data); got != tc.same {
			t.Errorf("%s: sameData = %v, want %v", name, got, tc.same)
		}
	}
	fromAPI := &corev1.Secret{Data: data}
	if !sameData(fromAPI, data) || sameData(fromAPI, map[string][]byte{"client_id": []byte("id")}) {
		t.Error("a Secret read from the API server is compared by its data")
	}
}

// BenchmarkCachedSecret reports the heap one delivered Secret takes in the
// cache (bytes/Secret, over 10,000 of them decoded afresh): with only the
// managed fields trimmed (KeepOwnManagedFields), and with its data dropped
// too (DropData).
func BenchmarkCachedSecret(b *testing.B) {
	for _, drop := range []bool{false, true} {
		name := map[bool]string{false: "managed-fields-trimmed", true: "data-dropped-too"}[drop]
		b.Run(name, func(b *testing.B) {
			var perSecret float64
			for b.Loop() {
				const n = 10000
				keep := make([]*corev1.Secret, n)
				before := heapAlloc()
				for i := range keep {
					keep[i] = decoded(b, i)
					KeepOwnManagedFields(keep[i])
					if drop {
						DropData(keep[i])
					}
				}
				perSecret = float64(heapAlloc()-before) / n
				runtime.KeepAlive(keep)
			}
			b.ReportMetric(perSecret, "bytes/Secret")
		})
	}
}

// decoded is the i-th client's delivered Secret as an informer decodes it:
// built as the operator applies it, with its apply entry, through JSON.
func decoded(b *testing.B, i int) *corev1.Secret {
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

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
