package store

import (
	"context"
	"errors"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// A record whose save fails (say, a rotated registration access token the
// server already switched to) is kept and saved by the next load, never
// forgotten.
func TestUnsavedRecordIsSavedLater(t *testing.T) {
	ctx := context.Background()
	c := newFakeAPI()
	store := New(c, "op")
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "t", UID: "u1"}}

	if err := store.save(ctx, oac, &record.Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "first"}}); err != nil {
		t.Fatal(err)
	}
	rotated := &record.Record{ClientID: "c", Version: 1, Provider: provider.State{"registration_access_token": "second"}}
	c.failUpdates = errors.New("etcd is having a bad day")
	if err := store.save(ctx, oac, rotated); err == nil {
		t.Fatal("the failing update did not fail")
	}
	c.failUpdates = nil
	got, err := store.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("load = %+v, %v; want the unsaved token", got, err)
	}
	fresh := New(c, "op") // a new process reads the API server
	got, err = fresh.Load(ctx, oac)
	if err != nil || got.Provider["registration_access_token"] != "second" {
		t.Fatalf("the API server holds %+v, %v; want the token saved by the later load", got, err)
	}
}

func TestNoneYetSparesTheReadUntilARecordIsSaved(t *testing.T) {
	ctx := context.Background()
	c := newFakeAPI()
	store := New(c, "op")
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "x", Namespace: "t", UID: "u2"}}

	store.NoneYet(oac.UID)
	for range 3 {
		if got, err := store.Load(ctx, oac); got != nil || err != nil {
			t.Fatalf("load = %+v, %v; want none", got, err)
		}
	}
	if c.gets != 0 {
		t.Errorf("%d reads of the API server for a client known to have no record", c.gets)
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
