package policy

import (
	"slices"
	"time"
)

// Recorded is what one private record accounts for: the current and the
// retiring client IDs of one OAuthClient. Live is false when that
// OAuthClient is gone (its finalizer was removed by hand, say): such a
// record accounts for nothing.
type Recorded struct {
	Live      bool
	ClientIDs []string
}

// Unaccounted returns the listed client IDs that no live record names, in
// the order listed.
func Unaccounted(listed []string, recorded []Recorded) []string {
	accounted := map[string]bool{}
	for _, r := range recorded {
		if !r.Live {
			continue
		}
		for _, id := range r.ClientIDs {
			accounted[id] = true
		}
	}
	var out []string
	for _, id := range listed {
		if !accounted[id] {
			out = append(out, id)
		}
	}
	return out
}

// Suspects are client IDs found unaccounted for, each with the time of the
// scan that first found it so.
type Suspects map[string]time.Time

// ConfirmLeaks decides which unaccounted clients are leaked. A client is
// created at the server a moment before its record is saved, so one scan
// may list a client whose record is still being written: a client is
// leaked only when it was already unaccounted for at least minAge ago (the
// scan interval) and still is now. It returns the suspects to keep for the
// next scan (those unaccounted for now, with their first sighting) and the
// leaked client IDs, sorted.
func ConfirmLeaks(prev Suspects, unaccounted []string, now time.Time, minAge time.Duration) (Suspects, []string) {
	next := make(Suspects, len(unaccounted))
	var leaked []string
	for _, id := range unaccounted {
		first, ok := prev[id]
		if !ok {
			first = now
		}
		next[id] = first
		if now.Sub(first) >= minAge {
			leaked = append(leaked, id)
		}
	}
	slices.Sort(leaked)
	return next, slices.Compact(leaked)
}
