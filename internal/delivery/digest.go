package delivery

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// cachedDataDigest is the annotation under which the informer cache keeps a
// digest of a delivered Secret's data instead of the data itself
// (DropData). It exists only in the cache: the operator never writes it, and
// no object that carries it is ever written back.
const cachedDataDigest = "cache.oauth.clientoperator.io/data-sha256"

// DropData is a cache transform for delivered Secrets: it replaces their
// data with its digest, which is all UpToDate needs, so the cache does not
// hold a copy of every client's credentials. A Secret from the cache has
// no Data; read the API server for its values.
func DropData(s *corev1.Secret) {
	if s.Data == nil {
		return
	}
	if s.Annotations == nil {
		s.Annotations = map[string]string{}
	}
	s.Annotations[cachedDataDigest] = digest(s.Data)
	s.Data = nil
}

// sameData reports whether current holds data: by the digest the cache
// keeps, or by the data itself for a Secret read from the API server.
func sameData(current *corev1.Secret, data map[string][]byte) bool {
	if d, ok := current.Annotations[cachedDataDigest]; ok {
		return d == digest(data)
	}
	return maps.EqualFunc(current.Data, data, bytes.Equal)
}

// digest is a SHA-256 of data's keys and values, in key order, each
// length-prefixed so that no two maps share one.
func digest(data map[string][]byte) string {
	h := sha256.New()
	var n [8]byte
	for _, k := range slices.Sorted(maps.Keys(data)) {
		for _, b := range [][]byte{[]byte(k), data[k]} {
			binary.BigEndian.PutUint64(n[:], uint64(len(b)))
			h.Write(n[:])
			h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}
