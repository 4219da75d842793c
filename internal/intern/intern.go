// Package intern gives the one copy of a string that every holder shares:
// the informer cache keeps thousands of objects that repeat the same kinds,
// namespaces, label keys and enums, each decoded into a copy of its own.
package intern

import "unique"

// String returns the shared copy of s.
func String(s string) string { return unique.Make(s).Value() }

// Strings replaces each element of ss by its shared copy.
func Strings(ss []string) {
	for i, s := range ss {
		ss[i] = String(s)
	}
}
