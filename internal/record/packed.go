package record

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
	"sync"
)

// Packed is a record as the store keeps it in memory: its Secret data
// (Encode) in one byte slice, a key and its value after another, less than
// half of the decoded Record with its maps and strings
// (BenchmarkRecordInMemory), which counts at thousands of clients. The
// keys repeat in every record, so each is kept once, in a table of the
// process (keyCodes), and a record holds its number.
type Packed []byte

// Pack packs r.
func Pack(r *Record) Packed {
	data := Encode(r)
	keys := slices.Sorted(maps.Keys(data))
	codes := make([]byte, len(keys))
	size := 0
	for i, k := range keys {
		codes[i] = keyCodes.code(k)
		size += 1 + uvarintLen(len(data[k])) + len(data[k])
		if codes[i] == literalKey {
			size += uvarintLen(len(k)) + len(k)
		}
	}
	// One allocation of the exact size: appending would leave the slack of
	// the last growth allocated with every record.
	out := make([]byte, 0, size)
	for i, k := range keys {
		out = append(out, codes[i])
		if codes[i] == literalKey {
			out = binary.AppendUvarint(out, uint64(len(k)))
			out = append(out, k...)
		}
		out = binary.AppendUvarint(out, uint64(len(data[k])))
		out = append(out, data[k]...)
	}
	return out
}

// Unpack decodes the record, as Decode does its Secret data.
func (p Packed) Unpack() (*Record, error) {
	data := map[string][]byte{}
	for len(p) > 0 {
		code, rest := p[0], p[1:]
		var key string
		if code == literalKey {
			k, after, err := field(rest)
			if err != nil {
				return nil, err
			}
			key, rest = string(k), after
		} else {
			var ok bool
			if key, ok = keyCodes.key(code); !ok {
				return nil, errDamaged
			}
		}
		v, rest, err := field(rest)
		if err != nil {
			return nil, err
		}
		data[key], p = v, rest
	}
	return Decode(data)
}

var errDamaged = errors.New("record in memory is damaged")

func field(p []byte) (value, rest []byte, err error) {
	n, size := binary.Uvarint(p)
	if size <= 0 || n > uint64(len(p)-size) { //nolint:gosec // G115: size > 0 and at most len(p), so len(p)-size is not negative
		return nil, nil, errDamaged
	}
	end := size + int(n) //nolint:gosec // G115: n is at most len(p)-size, checked above
	return p[size:end], p[end:], nil
}

// uvarintLen is how many bytes binary.AppendUvarint writes for n.
func uvarintLen(n int) int {
	size := 1
	for ; n >= 0x80; n >>= 7 {
		size++
	}
	return size
}

// literalKey marks a key written out in full: the table is full.
const literalKey = 0

// keyCodes numbers the keys records use, 1 to 255, in the order first
// packed. The keys are the record's own and its provider state's: a few
// dozen at most.
var keyCodes codeTable

type codeTable struct {
	mu    sync.RWMutex
	codes map[string]byte
	keys  []string
}

// code is k's number, given it now if it has none; literalKey when all
// are taken.
func (t *codeTable) code(k string) byte {
	t.mu.RLock()
	c, ok := t.codes[k]
	t.mu.RUnlock()
	if ok {
		return c
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.codes[k]; ok {
		return c
	}
	if len(t.keys) == 255 {
		return literalKey
	}
	if t.codes == nil {
		t.codes = map[string]byte{}
	}
	t.keys = append(t.keys, k)
	c = byte(len(t.keys)) //nolint:gosec // G115: at most 255, checked above
	t.codes[k] = c
	return c
}

// key is the key numbered c.
func (t *codeTable) key(c byte) (string, bool) {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if c == literalKey || int(c) > len(t.keys) {
		return "", false
	}
	return t.keys[c-1], true
}
