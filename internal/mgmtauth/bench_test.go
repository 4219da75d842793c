package mgmtauth

import (
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// BenchmarkReconcileToken is what one reconcile pays for its management
// token once it is cached: look the source up (fingerprinting the Source)
// and call Token.
func BenchmarkReconcileToken(b *testing.B) {
	f := newFakeTokenServer(b, testSecret)
	c, _ := newTestCache(0)
	src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
	src.ClientCredentials.ExtraHeaders = map[string]string{"X-Api-Key": testAPIKey}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.TokenSource("k", src).Token(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(c.Requests("k")), "token-requests")
}

// BenchmarkDayOfReconciles simulates a day of reconciles, one a second, with
// one-hour tokens: it reports the token requests made (25 expected: the
// first and one per early refresh).
func BenchmarkDayOfReconciles(b *testing.B) {
	f := newFakeTokenServer(b, testSecret)
	b.ReportAllocs()
	var requests int
	for b.Loop() {
		c, clk := newTestCache(0)
		src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
		for range 24 * 60 * 60 {
			if _, err := c.TokenSource("k", src).Token(); err != nil {
				b.Fatal(err)
			}
			clk.Advance(time.Second)
		}
		requests = c.Requests("k")
	}
	b.ReportMetric(float64(requests), "token-requests/day")
}

func BenchmarkParseTokenResponse(b *testing.B) {
	body := []byte(`{"access_token":"eyJhbGciOiJSUzI1NiJ9.e30.sig","token_type":"Bearer","expires_in":3600,"scope":"read write"}`)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseTokenResponse(200, nil, body, now); err != nil {
			b.Fatal(err)
		}
	}
}
