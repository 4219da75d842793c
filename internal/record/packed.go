package record

import (
	"encoding/binary"
	"errors"
	"maps"
	"slices"
)

// Packed is a record as the store keeps it in memory: its Secret data
// (Encode) in one byte slice of length-prefixed keys and values, two
// thirds of the decoded Record with its maps and strings
// (BenchmarkRecordInMemory), which counts at thousands of clients.
type Packed []byte

// Pack packs r.
func Pack(r *Record) Packed {
	data := Encode(r)
	var out []byte
	for _, k := range slices.Sorted(maps.Keys(data)) {
		out = binary.AppendUvarint(out, uint64(len(k)))
		out = append(out, k...)
		out = binary.AppendUvarint(out, uint64(len(data[k])))
		out = append(out, data[k]...)
	}
	return slices.Clip(out)
}

// Unpack decodes the record, as Decode does its Secret data.
func (p Packed) Unpack() (*Record, error) {
	data := map[string][]byte{}
	for len(p) > 0 {
		k, rest, err := field(p)
		if err != nil {
			return nil, err
		}
		v, rest, err := field(rest)
		if err != nil {
			return nil, err
		}
		data[string(k)], p = v, rest
	}
	return Decode(data)
}

func field(p []byte) (value, rest []byte, err error) {
	n, size := binary.Uvarint(p)
	if size <= 0 || n > uint64(len(p)-size) { //nolint:gosec // G115: size > 0 and at most len(p), so len(p)-size is not negative
		return nil, nil, errors.New("record in memory is damaged")
	}
	end := size + int(n) //nolint:gosec // G115: n is at most len(p)-size, checked above
	return p[size:end], p[end:], nil
}
