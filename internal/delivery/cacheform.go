package delivery

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"maps"
	"slices"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/intern"
)

// A delivered Secret read from the cache (CachedSecret.Secret) carries its
// fingerprint and legacy mark as these annotations. They exist only there:
// the operator never writes them, and no object that carries them is ever
// written back.
const (
	// cachedApplied is a fingerprint of what the Secret holds of the
	// operator's: all its data, and the labels and annotations the
	// operator's field manager owns, with their values.
	cachedApplied = "cache.oauth.clientoperator.io/applied-sha256"
	// cachedLegacy is present when an earlier operator version wrote the
	// Secret with plain updates, so the next Apply takes it over first.
	cachedLegacy = "cache.oauth.clientoperator.io/legacy-writer"
)

// CachedSecret is a delivered Secret as the informer cache holds it: what
// the operator reads of it, in plain fields. The labels and annotations it
// reads are fields here, not maps: two small maps took more room than all
// the rest (1400 bytes a Secret with them, BenchmarkCachedSecret). Its data
// and managed fields are one fingerprint of what the Secret holds of the
// operator's, which is all UpToDate needs, so the cache holds no copy of
// any credential.
//
// A read from the cache copies the object it holds (DeepCopyObject), and
// the copy of a CachedSecret is a *corev1.Secret: the Secret in its short
// form (Secret), so the readers of the cache see Secrets as before.
type CachedSecret struct {
	metav1.TypeMeta
	// ObjectMeta holds the name, version, owner references and timestamps;
	// no labels, annotations or managed fields.
	metav1.ObjectMeta
	Type corev1.SecretType
	// ManagedBy and OwnerUID are the operator's labels that say whose the
	// Secret is (LabelManagedBy, LabelOAuthClientUID).
	ManagedBy, OwnerUID string
	// IssuedAt and ExpiresAt are the operator's annotations the metrics
	// read.
	IssuedAt, ExpiresAt string
	// Applied is the fingerprint of what the Secret holds of the operator's
	// (a SHA-256 digest); empty when it cannot tell.
	Applied string
	// Legacy: an earlier operator version wrote the Secret with plain
	// updates, so the next Apply takes it over first.
	Legacy bool
}

// CacheForm is the cache transform for delivered Secrets: s as the cache
// keeps it. s is not changed.
func CacheForm(s *corev1.Secret) *CachedSecret {
	out := &CachedSecret{Type: corev1.SecretType(intern.String(string(s.Type)))}
	out.Name, out.Namespace, out.UID, out.ResourceVersion = s.Name, intern.String(s.Namespace), s.UID, s.ResourceVersion
	out.Generation, out.CreationTimestamp, out.DeletionTimestamp = s.Generation, s.CreationTimestamp, s.DeletionTimestamp
	out.Finalizers = s.Finalizers
	out.ManagedBy = intern.String(s.Labels[v1alpha1.LabelManagedBy])
	out.OwnerUID = s.Labels[v1alpha1.LabelOAuthClientUID]
	out.IssuedAt, out.ExpiresAt = s.Annotations[v1alpha1.AnnotationIssuedAt], s.Annotations[v1alpha1.AnnotationExpiresAt]
	if digest, ok := appliedDigest(s); ok {
		out.Applied = string(digest)
	}
	out.Legacy = HasLegacy(s)
	out.OwnerReferences = make([]metav1.OwnerReference, len(s.OwnerReferences))
	for i, o := range s.OwnerReferences {
		o.APIVersion, o.Kind = intern.String(o.APIVersion), intern.String(o.Kind)
		if string(o.UID) == out.OwnerUID {
			o.UID = types.UID(out.OwnerUID) // one copy of the string
		}
		o.Controller, o.BlockOwnerDeletion = shared(o.Controller), shared(o.BlockOwnerDeletion)
		out.OwnerReferences[i] = o
	}
	return out
}

// Secret is c as a Secret: its name, version, owner references and
// timestamps, the operator's labels and annotations that c keeps, and the
// fingerprint and legacy mark as annotations of the cache's own (never
// written: no Secret from the cache is written back). It has no data.
func (c *CachedSecret) Secret() *corev1.Secret {
	s := &corev1.Secret{Type: c.Type}
	meta := &c.ObjectMeta
	meta.DeepCopyInto(&s.ObjectMeta)
	s.Labels, s.Annotations = c.GetLabels(), c.GetAnnotations()
	return s
}

// GetLabels are the operator's labels c keeps, in a new map.
func (c *CachedSecret) GetLabels() map[string]string {
	l := map[string]string{}
	setNonEmpty(l, v1alpha1.LabelManagedBy, c.ManagedBy)
	setNonEmpty(l, v1alpha1.LabelOAuthClientUID, c.OwnerUID)
	return l
}

// GetAnnotations are the annotations c keeps, in a new map: the
// operator's time annotations, and the cache's own fingerprint and legacy
// mark.
func (c *CachedSecret) GetAnnotations() map[string]string {
	a := map[string]string{}
	setNonEmpty(a, v1alpha1.AnnotationIssuedAt, c.IssuedAt)
	setNonEmpty(a, v1alpha1.AnnotationExpiresAt, c.ExpiresAt)
	if c.Applied != "" {
		a[cachedApplied] = hex.EncodeToString([]byte(c.Applied))
	}
	if c.Legacy {
		a[cachedLegacy] = "true"
	}
	return a
}

// DeepCopyObject is what a read from the cache gives: a *corev1.Secret
// (Secret), not a CachedSecret.
func (c *CachedSecret) DeepCopyObject() runtime.Object { return c.Secret() }

func setNonEmpty(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

// shared returns the one copy of a *bool that every cached owner
// reference shares.
func shared(b *bool) *bool {
	switch {
	case b == nil:
		return nil
	case *b:
		return &yes
	default:
		return &no
	}
}

var yes, no = true, false

// applied is the fingerprint of what current holds of the operator's: from
// the cache's annotation, or computed from the data and managed fields of
// a Secret read from the API server. Without the operator's managed-fields
// entry it cannot tell, and says no.
func applied(current *corev1.Secret) (string, bool) {
	if fp, ok := current.Annotations[cachedApplied]; ok {
		return fp, true
	}
	digest, ok := appliedDigest(current)
	return hex.EncodeToString(digest), ok
}

// appliedDigest is the SHA-256 digest behind applied, computed from the
// data and managed fields of a Secret read from the API server.
func appliedDigest(current *corev1.Secret) ([]byte, bool) {
	owned, ok := ownedKeys(current)
	if !ok {
		return nil, false
	}
	h := sha256.New()
	writeData(h, current.Data)
	writeOwned(h, current.Labels, owned.labels.UnsortedList())
	writeOwned(h, current.Annotations, owned.annotations.UnsortedList())
	return h.Sum(nil), true
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
