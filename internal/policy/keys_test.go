package policy

import (
	"slices"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

func keyClient(strategy v1alpha1.RotationStrategy) *v1alpha1.OAuthClient {
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team"}}
	oac.Spec.TokenEndpointAuthMethod = v1alpha1.AuthMethodPrivateKeyJWT
	if strategy != "" {
		oac.Spec.Rotation = &v1alpha1.RotationPolicy{Strategy: strategy}
	}
	return oac
}

// A key-based client is refused before anything is registered when its
// server cannot hold key sets, or when it asks for a strategy other than
// key overlap; the message names the field.
func TestCheckKeys(t *testing.T) {
	withKeys := provider.Capabilities{KeySet: true}
	cases := []struct {
		name string
		oac  *v1alpha1.OAuthClient
		caps provider.Capabilities
		want string // "" for accepted
	}{
		{"secret client anywhere", &v1alpha1.OAuthClient{}, provider.Capabilities{}, ""},
		{"key client at a server with key sets", keyClient(""), withKeys, ""},
		{"explicit Overlap", keyClient(v1alpha1.StrategyOverlap), withKeys, ""},
		{"explicit Auto", keyClient(v1alpha1.StrategyAuto), withKeys, ""},
		{"server without key sets", keyClient(""), provider.Capabilities{OverlapSecrets: true}, "spec.tokenEndpointAuthMethod"},
		{"Replace", keyClient(v1alpha1.StrategyReplace), withKeys, "spec.rotation.strategy"},
		{"Regenerate", keyClient(v1alpha1.StrategyRegenerate), withKeys, "spec.rotation.strategy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckKeys(tc.oac, tc.caps, "okta")
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.HasPrefix(err.Error(), tc.want)):
				t.Errorf("got %v, want an error naming %s", err, tc.want)
			}
		})
	}
}

// The key set the server should hold is the current key, plus the old keys
// still in their grace period; an old key of a replaced client is not the
// current client's.
func TestKeySetFollowsTheRecord(t *testing.T) {
	cur, old, other := pair(t), pair(t), pair(t)
	rec := &record.Record{ClientID: "c1", Key: string(cur.PrivatePEM), Retiring: []record.Retiring{
		{ClientID: "c1", SecretsOnly: true, Key: string(old.PrivatePEM)},
		{ClientID: "c0", SecretsOnly: true, Key: string(other.PrivatePEM)},
		{ClientID: "c0"},
	}}
	spec, err := DesiredFor(keyClient(""), rec)
	if err != nil {
		t.Fatal(err)
	}
	if got := provider.KeyIDs(spec.JWKS); !slices.Equal(got, []string{cur.KeyID, old.KeyID}) {
		t.Errorf("key IDs %v, want current then old", got)
	}
	if strings.Contains(string(spec.JWKS), `"d"`) {
		t.Error("the desired key set holds a private member")
	}
	if spec, _ := DesiredFor(&v1alpha1.OAuthClient{}, rec); spec.JWKS != nil {
		t.Error("a secret client's registration has a key set")
	}
	rec.Key = "damaged"
	if _, err := DesiredFor(keyClient(""), rec); err == nil || strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged key: %v (must fail, without the key)", err)
	}
}

// A due rotation of a key-based client is a key overlap, and waits while
// the last one's old key is still registered.
func TestKeyClientRotatesByOverlap(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	oac := keyClient("")
	oac.Annotations = map[string]string{v1alpha1.AnnotationRotateRequestedAt: "now"}
	rec := &record.Record{ClientID: "c1", IssuedAt: t0, Version: 1}
	caps := provider.Capabilities{KeySet: true}
	p, err := Decide(Observation{Now: t0, Client: oac, Caps: caps, Record: rec})
	if err != nil || p.Rotate != v1alpha1.StrategyOverlap {
		t.Fatalf("plan %v, %v; want a rotation by Overlap", p, err)
	}
	rec.Retiring = []record.Retiring{{ClientID: "c1", RetireAt: t0.Add(time.Hour), SecretsOnly: true, Key: "old"}}
	if p, _ := Decide(Observation{Now: t0, Client: oac, Caps: caps, Record: rec}); p.Rotate != "" {
		t.Errorf("rotated again during the overlap: %v", p)
	}
}

func pair(t *testing.T) keys.Pair {
	t.Helper()
	p, err := keys.Generate(keys.ES256, 0)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
