package store

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
	"github.com/oauth-client-operator/oauth-client-operator/internal/scheme"
)

// fakeAPI is controller-runtime's fake client behind funcs. The store
// writes by plain creates and updates, so the deduced type converter
// serves; the default one parses the schema of every built-in type first
// (about a second), for server-side apply, which the store does not use.
func fakeAPI(funcs interceptor.Funcs) client.WithWatch {
	return fake.NewClientBuilder().WithScheme(scheme.New()).
		WithTypeConverters(managedfields.NewDeducedTypeConverter()).
		WithInterceptorFuncs(funcs).Build()
}

// A record whose save fails (say, a rotated registration access token the
// server already switched to) is kept and saved by the next load, never
// forgotten.
func TestUnsavedRecordIsSavedLater(t *testing.T) {
	ctx := context.Background()
	failing := true
	c := fakeAPI(interceptor.Funcs{
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			if failing {
				return errors.New("etcd is having a bad day")
			}
			return c.Update(ctx, obj, opts...)
		},
	})
	store := New(c, c, "op")
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "t", UID: "u1"}}

	if err := store.save(ctx, oac, &record.Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "first"}}); err != nil {
		t.Fatal(err)
	}
	rotated := &record.Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "second"}}
	if err := store.save(ctx, oac, rotated); err == nil {
		t.Fatal("the failing update did not fail")
	}
	failing = false
	got, err := store.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("load = %+v, %v; want the unsaved token", got, err)
	}
	fresh := New(c, c, "op") // a new process reads the API server
	got, err = fresh.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("the API server holds %+v, %v; want the token saved by the later load", got, err)
	}
}

func TestNoneYetSparesTheReadUntilARecordIsSaved(t *testing.T) {
	ctx := context.Background()
	gets := 0
	c := fakeAPI(interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			gets++
			return c.Get(ctx, key, obj, opts...)
		},
	})
	store := New(c, c, "op")
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
	if err := store.Save(ctx, oac, &record.Record{ClientID: "c", Version: 1}); err != nil {
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
