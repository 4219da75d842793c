package delivery

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"
	"strings"
	"unique"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// The informer cache keeps each delivered Secret in a short form
// (CacheForm). These annotations exist only there: the operator never
// writes them, and no object that carries them is ever written back.
const (
	// cachedApplied is a fingerprint of what the Secret holds of the
	// operator's: all its data, and the labels and annotations the
	// operator's field manager owns, with their values.
	cachedApplied = "cache.oauth.clientoperator.io/applied-sha256"
	// cachedLegacy is present when an earlier operator version wrote the
	// Secret with plain updates, so the next Apply takes it over first.
	cachedLegacy = "cache.oauth.clientoperator.io/legacy-writer"
)

// CacheForm is a cache transform for delivered Secrets: what the operator
// reads of a Secret from the cache, and nothing else. It keeps the name,
// version, labels, owner references and the operator's own annotations,
// and replaces the data and the managed fields by a fingerprint of them,
// which is all UpToDate needs. So the cache holds no copy of any
// credential, and about half as much per Secret. A Secret from the cache
// has no Data and no ManagedFields; read the API server for those.
func CacheForm(s *corev1.Secret) *corev1.Secret {
	out := &corev1.Secret{Type: corev1.SecretType(intern(string(s.Type)))}
	out.Name, out.Namespace, out.UID, out.ResourceVersion = s.Name, intern(s.Namespace), s.UID, s.ResourceVersion
	out.Generation, out.CreationTimestamp, out.DeletionTimestamp = s.Generation, s.CreationTimestamp, s.DeletionTimestamp
	out.Finalizers = s.Finalizers
	out.Labels = make(map[string]string, len(s.Labels))
	for k, v := range s.Labels {
		if k == v1alpha1.LabelManagedBy || k == v1alpha1.LabelOAuthClientNamespace {
			v = intern(v)
		}
		out.Labels[intern(k)] = v
	}
	out.Annotations = map[string]string{}
	for k, v := range s.Annotations {
		if strings.HasPrefix(k, v1alpha1.GroupVersion.Group+"/") {
			out.Annotations[intern(k)] = v
		}
	}
	if fp, ok := applied(s); ok {
		out.Annotations[cachedApplied] = fp
	}
	if HasLegacy(s) {
		out.Annotations[cachedLegacy] = "true"
	}
	out.OwnerReferences = make([]metav1.OwnerReference, len(s.OwnerReferences))
	for i, o := range s.OwnerReferences {
		o.APIVersion, o.Kind = intern(o.APIVersion), intern(o.Kind)
		out.OwnerReferences[i] = o
	}
	return out
}

// applied is the fingerprint of what current holds of the operator's: from
// the cache's annotation, or computed from the data and managed fields of
// a Secret read from the API server. Without the operator's managed-fields
// entry it cannot tell, and says no.
func applied(current *corev1.Secret) (string, bool) {
	if fp, ok := current.Annotations[cachedApplied]; ok {
		return fp, true
	}
	owned, ok := ownedKeys(current)
	if !ok {
		return "", false
	}
	h := sha256.New()
	writeData(h, current.Data)
	writeOwned(h, current.Labels, owned.labels.UnsortedList())
	writeOwned(h, current.Annotations, owned.annotations.UnsortedList())
	return hex.EncodeToString(h.Sum(nil)), true
}

// fingerprint is what applied says of a Secret that holds exactly want.
func (want *Secret) fingerprint() string {
	h := sha256.New()
	writeData(h, want.Data)
	writeOwned(h, want.Labels, slices.Collect(maps.Keys(want.Labels)))
	writeOwned(h, want.Annotations, slices.Collect(maps.Keys(want.Annotations)))
	return hex.EncodeToString(h.Sum(nil))
}

// HasLegacy reports whether an earlier operator version wrote current with
// plain updates.
func HasLegacy(current *corev1.Secret) bool {
	_, ok := current.Annotations[cachedLegacy]
	return ok || len(LegacyManagers(current)) > 0
}

// writeData writes data's keys and values, in key order.
func writeData(h hash.Hash, data map[string][]byte) {
	writeField(h, "data")
	for _, k := range slices.Sorted(maps.Keys(data)) {
		writeField(h, k)
		writeField(h, string(data[k]))
	}
}

// writeOwned writes the keys of a label or annotation map the operator owns,
// in order, each with its value, or with a mark where the key is absent.
func writeOwned(h hash.Hash, m map[string]string, keys []string) {
	writeField(h, "owned")
	slices.Sort(keys)
	for _, k := range keys {
		writeField(h, k)
		if v, ok := m[k]; ok {
			writeField(h, "="+v)
		} else {
			writeField(h, "absent")
		}
	}
}

// writeField writes s length-prefixed, so that no two sequences of fields
// share one encoding.
func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// intern returns the one copy of s that every cached Secret shares: label
// and annotation keys, namespaces and kinds repeat in every object.
func intern(s string) string { return unique.Make(s).Value() }
