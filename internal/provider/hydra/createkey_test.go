package hydra_test

import (
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// TestCreateKeyIsReportedBack: the create key a client was made with is
// stored in its metadata and read back by Observe and List, beside the
// description, and an update of the description keeps it; a client made
// without one reports none.
func TestCreateKeyIsReportedBack(t *testing.T) {
	t.Parallel()
	r := newRig(t)
	p := r.provider(t, "key-owner")
	s := withID(spec("keyed", "read"), "keyed-1")
	s.CreateKey, s.Description = "uid-1-1", "first"
	if _, err := p.Create(t.Context(), s); err != nil {
		t.Fatal(err)
	}
	got, err := p.Observe(t.Context(), "keyed-1", nil)
	if err != nil {
		t.Fatal(err)
	}
	if got.Spec.CreateKey != "uid-1-1" || got.Spec.Description != "first" {
		t.Errorf("observed create key %q, description %q; want uid-1-1, first", got.Spec.CreateKey, got.Spec.Description)
	}
	if d := p.Diff(withID(spec("keyed", "read"), "keyed-1"), got); len(d) != 1 || d[0] != provider.DiffDescription {
		t.Errorf("the create key must not be drift: %v", d)
	}
	update := withID(spec("keyed", "read"), "keyed-1")
	update.Description = "second"
	if _, err := p.Update(t.Context(), "keyed-1", nil, update); err != nil {
		t.Fatal(err)
	}
	listed, _, err := p.List(t.Context(), "key-owner", "")
	if err != nil || len(listed) != 1 {
		t.Fatalf("List = %d clients, %v", len(listed), err)
	}
	if listed[0].Spec.CreateKey != "uid-1-1" || listed[0].Spec.Description != "second" {
		t.Errorf("after an update, listed create key %q, description %q; want uid-1-1, second", listed[0].Spec.CreateKey, listed[0].Spec.Description)
	}

	if _, err := p.Create(t.Context(), withID(spec("unkeyed", "read"), "unkeyed-1")); err != nil {
		t.Fatal(err)
	}
	if got, err := p.Observe(t.Context(), "unkeyed-1", nil); err != nil || got.Spec.CreateKey != "" {
		t.Errorf("a client made without a create key reports %q (%v)", got.Spec.CreateKey, err)
	}
}
