package record

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/scheme"
)

func TestRoundTrip(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	cases := []*Record{
		{ClientID: "a", Version: 1, Provider: provider.State{}},
		{
			ClientID: "b", ClientSecret: "s", IssuedAt: t0, Version: 3, SecretExpiresAt: t0.Add(48 * time.Hour),
			Provider:       provider.State{"registration_access_token": "rat", "registration_client_uri": "https://x/reg/b"},
			HandledRequest: "now", LastRotation: t0, RotationReason: "requested", RolledVersion: 2,
			AdoptedReason: "SecretKept", AdoptedMessage: "client c1 existed at the server and was adopted",
			Retiring: []Retiring{{ClientID: "old", RetireAt: t0.Add(time.Hour), Provider: provider.State{"registration_access_token": "r0"}}},
		},
		{
			ClientID: "k", Version: 2, Provider: provider.State{}, Key: "-----BEGIN PRIVATE KEY-----\nnew\n-----END PRIVATE KEY-----\n",
			Retiring: []Retiring{{ClientID: "k", RetireAt: t0, SecretsOnly: true, Key: "-----BEGIN PRIVATE KEY-----\nold\n-----END PRIVATE KEY-----\n"}},
		},
	}
	for _, want := range cases {
		got, err := Decode(Encode(want))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip changed the record:\n got %+v\nwant %+v", got, want)
		}
		if !Equal(got, want) {
			t.Errorf("Equal says a round-tripped record differs")
		}
	}
	if _, err := Decode(map[string][]byte{"version": []byte("1")}); err == nil {
		t.Error("a record without client_id was accepted")
	}
	if _, err := Decode(map[string][]byte{"client_id": []byte("a"), "version": []byte("x")}); err == nil {
		t.Error("a record with a damaged version was accepted")
	}
}

// A record whose save fails (say, a rotated registration access token the
// server already switched to) is kept and saved by the next load, never
// forgotten.
func TestUnsavedRecordIsSavedLater(t *testing.T) {
	ctx := context.Background()
	failing := true
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithInterceptorFuncs(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if failing {
				return errors.New("etcd is having a bad day")
			}
			return c.Update(ctx, obj, opts...)
		},
	}).Build()
	store := NewStore(c, c, "op")
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "t", UID: "u1"}}

	if err := store.save(ctx, oac, &Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "first"}}); err != nil {
		t.Fatal(err)
	}
	rotated := &Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "second"}}
	if err := store.save(ctx, oac, rotated); err == nil {
		t.Fatal("the failing update did not fail")
	}
	failing = false
	got, err := store.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("load = %+v, %v; want the unsaved token", got, err)
	}
	fresh := NewStore(c, c, "op") // a new process reads the API server
	got, err = fresh.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("the API server holds %+v, %v; want the token saved by the later load", got, err)
	}
}

func TestNoneYetSparesTheReadUntilARecordIsSaved(t *testing.T) {
	ctx := context.Background()
	gets := 0
	c := fake.NewClientBuilder().WithScheme(scheme.New()).WithInterceptorFuncs(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			gets++
			return c.Get(ctx, key, obj, opts...)
		},
	}).Build()
	store := NewStore(c, c, "op")
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "t", UID: "u2"}}

	store.NoneYet(oac.UID)
	for range 3 {
		if got, err := store.Load(ctx, oac); got != nil || err != nil {
			t.Fatalf("load = %+v, %v; want none", got, err)
		}
	}
	if gets != 0 {
		t.Errorf("%d reads of the API server for a client known to have no record", gets)
	}
	if err := store.Save(ctx, oac, &Record{ClientID: "c", Version: 1}); err != nil {
		t.Fatal(err)
	}
	if got, err := store.Load(ctx, oac); err != nil || got == nil || got.ClientID != "c" {
		t.Fatalf("after a save: load = %+v, %v; want the record", got, err)
	}
	store.Forget(oac.UID)
	if got, err := store.Load(ctx, oac); err != nil || got == nil {
		t.Fatalf("after Forget the API server is read: %+v, %v", got, err)
	}
}
