package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// TestDecide covers the plan for each situation a reconcile can meet.
func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	rec := &record.Record{ClientID: "c1", ClientSecret: "s1", IssuedAt: t0, Version: 1, RolledVersion: 1}
	spec := v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: "dev"}}
	client := func(mod func(*v1alpha1.OAuthClient)) *v1alpha1.OAuthClient {
		oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team"}, Spec: *spec.DeepCopy()}
		if mod != nil {
			mod(oac)
		}
		return oac
	}
	matching := func(oac *v1alpha1.OAuthClient) *provider.Client {
		return &provider.Client{ClientID: "c1", Spec: Desired(oac), Enabled: true}
	}
	withRec := func(mod func(*record.Record)) *record.Record {
		r := rec.Clone()
		mod(r)
		return r
	}
	everything := provider.Capabilities{RegenerateSecret: true, OverlapSecrets: true, NativeDisable: true}
	interval := func(d time.Duration) func(*v1alpha1.OAuthClient) {
		return func(oac *v1alpha1.OAuthClient) {
			oac.Spec.Rotation = &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: d}}
		}
	}

	cases := []struct {
		name string
		obs  Observation
		want Plan
	}{
		{"fresh client", Observation{Client: client(nil)}, Plan{Register: RegisterNew}},
		{"record lost after registration", Observation{Client: client(func(o *v1alpha1.OAuthClient) { o.Status.ClientID = "old" })},
			Plan{Register: RegisterRecordLost}},
		{"up to date", Observation{Client: client(nil), Record: rec, Remote: matching(client(nil))}, Plan{}},
		{"matched moments ago, so not read", Observation{Client: client(nil), Record: rec}, Plan{}},
		{"drifted", Observation{Client: client(nil), Record: rec, Remote: &provider.Client{ClientID: "c1", Enabled: true,
			Spec: provider.ClientSpec{ClientName: "team/app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read", "admin"}}},
			Drift: []string{"scopes"}},
			Plan{Update: []string{"scopes"}}},
		{"deleted at the server", Observation{Client: client(nil), Record: rec, Gone: true}, Plan{Register: RegisterGone}},
		{"switched off at the server", Observation{Client: client(nil), Record: rec, Caps: everything,
			Remote: &provider.Client{ClientID: "c1", Spec: Desired(client(nil))}}, Plan{Enable: true, Rotate: ""}},
		{"secret changed at the server", Observation{Client: client(nil), Record: rec,
			Remote: &provider.Client{ClientID: "c1", ClientSecret: "changed", Spec: Desired(client(nil)), Enabled: true}}, Plan{AdoptSecret: true}},
		{"rotation due by schedule", Observation{Now: t0.Add(31 * day), Client: client(interval(30 * day)), Record: rec},
			Plan{Rotate: v1alpha1.StrategyReplace, RotateReason: "scheduled"}},
		{"rotation not yet due", Observation{Now: t0.Add(29 * day), Client: client(interval(30 * day)), Record: rec}, Plan{}},
		{"rotation due by annotation", Observation{Now: t0, Record: rec, Caps: everything,
			Client: client(func(o *v1alpha1.OAuthClient) {
				o.Annotations = map[string]string{v1alpha1.AnnotationRotateRequestedAt: "now"}
			})},
			Plan{Rotate: v1alpha1.StrategyOverlap, RotateReason: "requested by annotation"}},
		{"annotation already handled", Observation{Now: t0, Record: withRec(func(r *record.Record) { r.HandledRequest = "now" }),
			Client: client(func(o *v1alpha1.OAuthClient) {
				o.Annotations = map[string]string{v1alpha1.AnnotationRotateRequestedAt: "now"}
			})},
			Plan{}},
		{"rotation due by server expiry, as recorded", Observation{Now: t0.Add(day - 30*time.Minute), Client: client(nil),
			Record: withRec(func(r *record.Record) { r.SecretExpiresAt = t0.Add(day) })},
			Plan{Rotate: v1alpha1.StrategyReplace, RotateReason: "expires the secret"}},
		{"rotation due by server expiry, as read", Observation{Now: t0.Add(day - 30*time.Minute), Client: client(nil), Record: rec,
			Remote: &provider.Client{ClientID: "c1", Spec: Desired(client(nil)), Enabled: true, SecretExpiresAt: t0.Add(day)}},
			Plan{Rotate: v1alpha1.StrategyReplace, RotateReason: "expires the secret"}},
		{"public clients never rotate", Observation{Now: t0.Add(31 * day), Record: rec,
			Client: client(func(o *v1alpha1.OAuthClient) { interval(30 * day)(o); o.Spec.TokenEndpointAuthMethod = "none" })}, Plan{}},
		{"grace period over", Observation{Now: t0.Add(time.Hour), Client: client(nil),
			Record: withRec(func(r *record.Record) {
				r.Retiring = []record.Retiring{{ClientID: "old", RetireAt: t0.Add(time.Minute)}, {ClientID: "older", RetireAt: t0.Add(2 * time.Hour)}}
			})},
			Plan{Retire: []record.Retiring{{ClientID: "old", RetireAt: t0.Add(time.Minute)}}, Keep: []record.Retiring{{ClientID: "older", RetireAt: t0.Add(2 * time.Hour)}}}},
		{"disabled, server has a switch, still on", Observation{Client: client(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true }),
			Caps: everything, Record: rec, Remote: matching(client(nil))}, Plan{Disable: DisableNative, SwitchOff: true}},
		{"disabled, already off", Observation{Client: client(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true }),
			Caps: everything, Record: rec, Remote: &provider.Client{ClientID: "c1"}}, Plan{Disable: DisableNative}},
		{"disabled, server has no switch", Observation{Client: client(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true }), Record: rec},
			Plan{Disable: DisableByDelete}},
		{"disabled clients are not rotated", Observation{Now: t0.Add(31 * day), Record: rec,
			Client: client(func(o *v1alpha1.OAuthClient) { interval(30 * day)(o); o.Spec.Disabled = true })}, Plan{Disable: DisableByDelete}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if tc.obs.Now.IsZero() {
				tc.obs.Now = t0
			}
			got, err := Decide(tc.obs)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(got.RotateReason, tc.want.RotateReason) {
				t.Errorf("rotate reason %q lacks %q", got.RotateReason, tc.want.RotateReason)
			}
			got.RotateReason, tc.want.RotateReason = "", ""
			if got.String() != tc.want.String() || !slices.Equal(got.Update, tc.want.Update) ||
				!slices.EqualFunc(got.Keep, tc.want.Keep, sameRetiring) || !slices.EqualFunc(got.Retire, tc.want.Retire, sameRetiring) ||
				got.SwitchOff != tc.want.SwitchOff {
				t.Errorf("plan = %s (%+v)\nwant   %s (%+v)", got, got, tc.want, tc.want)
			}
		})
	}
}

func sameRetiring(a, b record.Retiring) bool {
	return a.ClientID == b.ClientID && a.RetireAt.Equal(b.RetireAt)
}

// A strategy the server cannot do is refused with an error naming the field.
func TestDecideRefusesImpossibleStrategy(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	oac := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{Rotation: &v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyOverlap}}}
	oac.Annotations = map[string]string{v1alpha1.AnnotationRotateRequestedAt: "x"}
	_, err := Decide(Observation{Now: t0, Client: oac, Record: &record.Record{ClientID: "c", IssuedAt: t0}})
	if err == nil || !strings.Contains(err.Error(), "spec.rotation.strategy") {
		t.Fatalf("err = %v; want one naming spec.rotation.strategy", err)
	}
}

// The next rotation time depends on the record and the spec only, so it is
// the same whether or not a reconcile read the remote client (the reconcile
// right after a registration does not).
func TestNextRotationIsStable(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	oac := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{Rotation: &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 30 * 24 * time.Hour}}}}
	rec := &record.Record{ClientID: "c", IssuedAt: t0, SecretExpiresAt: t0.Add(48 * time.Hour)}
	want := t0.Add(47 * time.Hour)
	for i := range 3 {
		if got := NextRotation(oac, rec); !got.Equal(want) {
			t.Fatalf("call %d: next rotation %v, want %v (server expiry less the margin)", i, got, want)
		}
	}
	if got := Wake(oac, rec); !got.Equal(want) {
		t.Errorf("wake = %v, want %v", got, want)
	}
	oac.Spec.Disabled = true
	if got := NextRotation(oac, rec); !got.IsZero() {
		t.Errorf("a disabled client has next rotation %v", got)
	}
}

// Every typed provider error maps to the reason a user sees, and to how
// soon the client is tried again.
func TestReasonsAndRetries(t *testing.T) {
	cases := []struct {
		err     error
		reason  string
		after   time.Duration
		backoff bool
	}{
		{provider.Errorf(provider.KindInvalidMetadata, "bad scope"), v1alpha1.ReasonInvalidMetadata, MaxRetry, false},
		{provider.Errorf(provider.KindUnauthorized, "no"), v1alpha1.ReasonUnauthorized, 0, true},
		{provider.Errorf(provider.KindUnsupported, "no"), v1alpha1.ReasonProviderError, MaxRetry, false},
		{provider.Errorf(provider.KindTransient, "down"), v1alpha1.ReasonServerUnavailable, 0, true},
		{&provider.Error{Kind: provider.KindRateLimited, RetryAfter: 7 * time.Second}, v1alpha1.ReasonRateLimited, 7 * time.Second, false},
		{&provider.Error{Kind: provider.KindRateLimited, RetryAfter: time.Hour}, v1alpha1.ReasonRateLimited, MaxRetry, false},
	}
	for _, tc := range cases {
		reason := ReasonOfProviderError(tc.err)
		after, backoff := ClientRetry(reason, tc.err)
		if reason != tc.reason || after != tc.after || backoff != tc.backoff {
			t.Errorf("%v: reason %s, retry after %v (backoff %v); want %s, %v (%v)", tc.err, reason, after, backoff, tc.reason, tc.after, tc.backoff)
		}
	}
	for _, reason := range []string{v1alpha1.ReasonServerNotFound, v1alpha1.ReasonServerNotReady} {
		if after, backoff := ClientRetry(reason, nil); after != time.Minute || backoff {
			t.Errorf("%s: retry after %v (backoff %v); want a minute", reason, after, backoff)
		}
	}
}

// A providerOptions block of another kind of server is refused, naming it;
// the block of the server's own kind reaches the adapter.
func TestProviderOptions(t *testing.T) {
	opts := &v1alpha1.HydraClientOptions{AccessTokenStrategy: "jwt"}
	oac := &v1alpha1.OAuthClient{Spec: v1alpha1.OAuthClientSpec{ProviderOptions: &v1alpha1.ProviderOptions{Hydra: opts}}}
	if err := CheckOptions(oac, "hydra"); err != nil {
		t.Errorf("hydra options at a hydra server: %v", err)
	}
	if got := Desired(oac).Options; got != opts {
		t.Errorf("Desired carries options %v, want the hydra block", got)
	}
	err := CheckOptions(oac, "dynamicRegistration")
	if err == nil || !strings.Contains(err.Error(), "spec.providerOptions.hydra") {
		t.Errorf("hydra options at a dynamicRegistration server: %v; want an error naming spec.providerOptions.hydra", err)
	}
	if err := CheckOptions(&v1alpha1.OAuthClient{}, "dynamicRegistration"); err != nil || Desired(&v1alpha1.OAuthClient{}).Options != nil {
		t.Errorf("no options: %v", err)
	}
}
