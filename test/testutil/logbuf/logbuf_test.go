package logbuf

import (
	"fmt"
	"testing"
)

func TestTailKeepsTheLastBytes(t *testing.T) {
	b := NewTail(5)
	for _, s := range []string{"  ab", "cdefg", "hi \n"} {
		if n, err := b.Write([]byte(s)); err != nil || n != len(s) {
			t.Fatalf("Write(%q) = %d, %v", s, n, err)
		}
	}
	if got := b.String(); got != "ghi" {
		t.Fatalf("String() = %q, want %q", got, "ghi")
	}
}

func TestLastBytes(t *testing.T) {
	if got := LastBytes([]byte(" hello world \n"), 7); got != "world" {
		t.Fatalf("LastBytes = %q", got)
	}
	if got := LastBytes([]byte(" short "), 100); got != "short" {
		t.Fatalf("LastBytes = %q", got)
	}
}

type fakeTB struct {
	testing.TB
	lines []string
}

func (f *fakeTB) Logf(format string, args ...any) {
	f.lines = append(f.lines, fmt.Sprintf(format, args...))
}

func TestTestLogSendsWholeLines(t *testing.T) {
	f := &fakeTB{}
	w := NewTestLog(f, "srv")
	_, _ = w.Write([]byte("one\ntw"))
	_, _ = w.Write([]byte("o\nthree"))
	if len(f.lines) != 2 || f.lines[0] != "srv: one" || f.lines[1] != "srv: two" {
		t.Fatalf("logged %q", f.lines)
	}
}
