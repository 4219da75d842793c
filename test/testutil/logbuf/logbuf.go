// Package logbuf holds the small writers the test rigs put behind a child
// process's output: a buffer keeping its last bytes for error messages, and
// a writer sending each line to the test log.
package logbuf

import (
	"bytes"
	"strings"
	"sync"
	"testing"
)

// Tail keeps the last max bytes written to it, for error messages. It is
// safe for concurrent use.
type Tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

// NewTail returns a Tail keeping the last n bytes.
func NewTail(n int) *Tail { return &Tail{max: n} }

func (b *Tail) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = b.buf[over:]
	}
	return len(p), nil
}

// String returns the kept bytes, without surrounding white space.
func (b *Tail) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(string(b.buf))
}

// LastBytes returns the last n bytes of b, without surrounding white space.
func LastBytes(b []byte, n int) string {
	if len(b) > n {
		b = b[len(b)-n:]
	}
	return strings.TrimSpace(string(b))
}

// TestLog sends each line written to it to t's log, after prefix and ": ".
type TestLog struct {
	t      testing.TB
	prefix string
	mu     sync.Mutex
	line   []byte
}

// NewTestLog returns a TestLog writing to t's log, each line after prefix.
func NewTestLog(t testing.TB, prefix string) *TestLog {
	return &TestLog{t: t, prefix: prefix}
}

func (w *TestLog) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.line = append(w.line, p...)
	for {
		i := bytes.IndexByte(w.line, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.t.Logf("%s: %s", w.prefix, w.line[:i])
		w.line = w.line[i+1:]
	}
}
