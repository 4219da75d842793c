package intern

import (
	"strings"
	"testing"
	"unsafe"
)

// Two equal strings built apart come back as one copy, with their value.
func TestEqualStringsShareOneCopy(t *testing.T) {
	a, b := strings.Repeat("x", 40), strings.Repeat("x", 40)
	if bytesOf(a) == bytesOf(b) {
		t.Fatal("the test's strings already share their bytes")
	}
	ss := []string{a, b}
	Strings(ss)
	if ss[0] != a || bytesOf(ss[0]) != bytesOf(ss[1]) || bytesOf(String(a)) != bytesOf(ss[0]) {
		t.Error("equal strings do not share one copy")
	}
}

// bytesOf is where s's bytes are.
func bytesOf(s string) *byte {
	return unsafe.StringData(s) //nolint:gosec // G103: only reads the address, to see that the bytes are shared
}
