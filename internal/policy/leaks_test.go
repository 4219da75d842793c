package policy

import (
	"slices"
	"testing"
	"time"
)

func TestUnaccounted(t *testing.T) {
	listed := []string{"live", "retiring", "stale", "unrecorded"}
	recorded := []Recorded{
		{Live: true, ClientIDs: []string{"live", "retiring"}},
		// The record of an OAuthClient whose finalizer was removed by hand.
		{Live: false, ClientIDs: []string{"stale"}},
		// A recorded client the server no longer lists.
		{Live: true, ClientIDs: []string{"gone-at-server"}},
	}
	got := Unaccounted(listed, recorded)
	if want := []string{"stale", "unrecorded"}; !slices.Equal(got, want) {
		t.Errorf("Unaccounted = %v, want %v", got, want)
	}
	if got := Unaccounted(nil, recorded); len(got) != 0 {
		t.Errorf("nothing listed: %v, want none", got)
	}
}

func TestConfirmLeaks(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	interval := time.Hour
	cases := []struct {
		name        string
		prev        Suspects
		unaccounted []string
		now         time.Time
		leaked      []string
		keep        Suspects
	}{
		{
			name:        "first sighting is only a suspect: its record may be being written",
			unaccounted: []string{"a"},
			now:         t0,
			keep:        Suspects{"a": t0},
		},
		{
			name:        "unaccounted for a whole interval: leaked",
			prev:        Suspects{"a": t0},
			unaccounted: []string{"a"},
			now:         t0.Add(interval),
			leaked:      []string{"a"},
			keep:        Suspects{"a": t0},
		},
		{
			name:        "seen again too soon: still a suspect",
			prev:        Suspects{"a": t0},
			unaccounted: []string{"a"},
			now:         t0.Add(interval - time.Second),
			keep:        Suspects{"a": t0},
		},
		{
			name:        "accounted for since (its record was saved): forgotten",
			prev:        Suspects{"a": t0},
			unaccounted: []string{"b"},
			now:         t0.Add(interval),
			keep:        Suspects{"b": t0.Add(interval)},
		},
		{
			name:        "several, sorted",
			prev:        Suspects{"z": t0, "m": t0},
			unaccounted: []string{"z", "new", "m"},
			now:         t0.Add(2 * interval),
			leaked:      []string{"m", "z"},
			keep:        Suspects{"z": t0, "m": t0, "new": t0.Add(2 * interval)},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			keep, leaked := ConfirmLeaks(tc.prev, tc.unaccounted, tc.now, interval)
			if !slices.Equal(leaked, tc.leaked) {
				t.Errorf("leaked = %v, want %v", leaked, tc.leaked)
			}
			if len(keep) != len(tc.keep) {
				t.Fatalf("suspects = %v, want %v", keep, tc.keep)
			}
			for id, at := range tc.keep {
				if !keep[id].Equal(at) {
					t.Errorf("suspect %s first seen %v, want %v", id, keep[id], at)
				}
			}
		})
	}
}
