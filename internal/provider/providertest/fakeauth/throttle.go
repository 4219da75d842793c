package fakeauth

import (
	"net/http"
	"strconv"
)

// Throttle is a fake's switch to refuse its next requests as rate limited:
// how many are left to refuse and the Retry-After they carry. The zero
// value refuses none. It has no lock: the fake's own lock guards it.
type Throttle struct{ left, retryAfter int }

// Set makes the next n requests refused, each with Retry-After: retryAfter
// (seconds).
func (t *Throttle) Set(n, retryAfter int) { t.left, t.retryAfter = n, retryAfter }

// Take reports whether this request is one to refuse, and then sets its
// Retry-After header; the fake answers 429 with its server's own body.
func (t *Throttle) Take(w http.ResponseWriter) bool {
	if t.left <= 0 {
		return false
	}
	t.left--
	w.Header().Set("Retry-After", strconv.Itoa(t.retryAfter))
	return true
}
