package oauthclient

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
)

// Marks older than recentSync are dropped when the map is next built
// anew; younger ones stay, so a sync just made still stands in for the
// server.
func TestOldSyncMarksAreDropped(t *testing.T) {
	var s syncMarks
	t0 := time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC)
	s.set("old", syncMark{generation: 1, at: t0})
	s.set("young", syncMark{generation: 1, at: t0.Add(recentSync + time.Second)})
	s.set("now", syncMark{generation: 1, at: t0.Add(2*recentSync + time.Millisecond)})
	if _, ok := s.get("old"); ok {
		t.Error("a mark two windows old is still kept")
	}
	for _, uid := range []string{"young", "now"} {
		if _, ok := s.get(types.UID(uid)); !ok {
			t.Errorf("mark %q, within the window, was dropped", uid)
		}
	}
}
