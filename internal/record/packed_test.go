package record

import (
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/heapsize"
)

// BenchmarkRecordInMemory reports the heap one record takes in the store's
// memory (bytes/record, over 10,000 dynamic-registration records): decoded,
// as the store kept it before, and Packed, as it keeps it now.
func BenchmarkRecordInMemory(b *testing.B) {
	for _, form := range []string{"decoded", "Packed"} {
		b.Run(form, func(b *testing.B) {
			var per float64
			for b.Loop() {
				per = heapsize.PerObject(10000, func(i int) any {
					r := dynRegRecord(i)
					if form == "Packed" {
						return Pack(r)
					}
					return *r.Clone()
				})
			}
			b.ReportMetric(per, "bytes/record")
		})
	}
}

func dynRegRecord(i int) *Record {
	return &Record{
		ClientID: fmt.Sprintf("Z9Z9K4UWNEar4YcQE9pX0l1qyiBRmQ6UzjvwJbi%05d", i), ClientSecret: fmt.Sprintf("secret-secret-secret-secret-secret-secret-%05d", i),
		IssuedAt: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Version: 1,
		Provider: provider.State{
			"registration_access_token": fmt.Sprintf("rat-rat-rat-rat-rat-rat-rat-rat-rat-rat-%05d", i),
			"registration_client_uri":   fmt.Sprintf("http://127.0.0.1:30000/reg/Z9Z9K4UWNEar4YcQE9pX0l1qyiBRmQ6UzjvwJbi%05d", i),
		},
	}
}

// Past 255 distinct keys the table gives no more numbers, and a record
// holds such keys written out, which unpack all the same.
func TestPackedKeysBeyondTheTable(t *testing.T) {
	var table codeTable
	for i := range 255 {
		if c := table.code(fmt.Sprintf("provider.k%d", i)); c != byte(i+1) {
			t.Fatalf("key %d got number %d", i, c)
		}
	}
	if c := table.code("provider.one-more"); c != literalKey {
		t.Fatalf("a 256th key got number %d", c)
	}
	literal := Packed("\x00\x09client_id\x01a\x00\x07version\x011")
	r, err := literal.Unpack()
	if err != nil || r.ClientID != "a" || r.Version != 1 {
		t.Fatalf("a record with its keys written out unpacked as %+v (%v)", r, err)
	}
}

// A packed record is allocated at its size: uvarintLen counts what
// binary.AppendUvarint writes.
func TestUvarintLen(t *testing.T) {
	for _, n := range []int{0, 1, 127, 128, 16383, 16384, 1 << 30} {
		if got, want := uvarintLen(n), len(binary.AppendUvarint(nil, uint64(n))); got != want { //nolint:gosec // G115: n is not negative
			t.Errorf("uvarintLen(%d) = %d, want %d", n, got, want)
		}
	}
}
