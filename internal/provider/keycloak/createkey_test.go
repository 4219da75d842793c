package keycloak_test

import (
	"testing"
)

// TestCreateKeyIsReportedBack: the create key a client was made with is
// stored in an attribute, read back by Observe, kept by an update, and
// not drift.
func TestCreateKeyIsReportedBack(t *testing.T) {
	_, p := startWithAdapter(t)
	s := machine("keyed")
	s.ClientID, s.CreateKey = "keyed-1", "uid-1-1"
	res, err := p.Create(ctx(t), s)
	if err != nil {
		t.Fatal(err)
	}
	update := machine("keyed, renamed")
	if _, err := p.Update(ctx(t), "keyed-1", res.State, update); err != nil {
		t.Fatal(err)
	}
	got, err := p.Observe(ctx(t), "keyed-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.CreateKey != "uid-1-1" || got.Spec.ClientName != "keyed, renamed" {
		t.Errorf("observed create key %q, name %q; want uid-1-1 after the update", got.Spec.CreateKey, got.Spec.ClientName)
	}
	if d := p.Diff(update, got); len(d) != 0 {
		t.Errorf("the create key must not be drift: %v", d)
	}
}
