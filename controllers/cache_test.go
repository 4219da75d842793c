package controllers

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/heapsize"
)

// appliedManifest is an OAuthClient as `kubectl apply` leaves it: with
// the last-applied annotation and no other.
func appliedManifest(i int) []byte {
	manifest := fmt.Sprintf(`{"apiVersion":"oauth.clientoperator.io/v1alpha1","kind":"OAuthClient","metadata":{"name":"c-%05d","namespace":"team"},"spec":{"serverRef":{"name":"dev"},"scopes":["read"]}}`, i)
	q, _ := json.Marshal(manifest)
	return fmt.Appendf(nil, `{"apiVersion":"oauth.clientoperator.io/v1alpha1","kind":"OAuthClient","metadata":{"name":"c-%05d","namespace":"team","uid":"1b1c7d2e-4f3a-4b2c-9d8e-7f6a5b4c%04d","resourceVersion":"%d","generation":1,"annotations":{%q:%s}},"spec":{"serverRef":{"kind":"AuthServer","name":"dev"},"scopes":["read"]}}`,
		i, i, 1000+i, lastAppliedAnnotation, q)
}

func TestCachedOAuthClientDropsTheLastAppliedCopy(t *testing.T) {
	oac := &v1alpha1.OAuthClient{}
	if err := json.Unmarshal(appliedManifest(1), oac); err != nil {
		t.Fatal(err)
	}
	oac.Annotations["team.example/owner"] = "billing"
	out, err := cachedOAuthClient(oac)
	if err != nil {
		t.Fatal(err)
	}
	got := out.(*v1alpha1.OAuthClient).Annotations
	if _, ok := got[lastAppliedAnnotation]; ok || got["team.example/owner"] != "billing" {
		t.Errorf("cached annotations %v: want the owner's annotation and no last-applied copy", got)
	}

	only := &v1alpha1.OAuthClient{}
	if err := json.Unmarshal(appliedManifest(2), only); err != nil {
		t.Fatal(err)
	}
	out, _ = cachedOAuthClient(only)
	if a := out.(*v1alpha1.OAuthClient).Annotations; a != nil {
		t.Errorf("an OAuthClient whose only annotation was the last-applied copy keeps a map (%v): about 300 bytes each", a)
	}
}

// BenchmarkCachedAppliedOAuthClient reports the heap one kubectl-applied
// OAuthClient takes in the cache (bytes/OAuthClient, over 10,000).
func BenchmarkCachedAppliedOAuthClient(b *testing.B) {
	var per float64
	for b.Loop() {
		per = heapsize.PerObject(10000, func(i int) any {
			oac := &v1alpha1.OAuthClient{}
			if err := json.Unmarshal(appliedManifest(i), oac); err != nil {
				b.Fatal(err)
			}
			cached, _ := cachedOAuthClient(oac)
			return cached
		})
	}
	b.ReportMetric(per, "bytes/OAuthClient")
}
