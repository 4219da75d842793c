package delivery

import (
	"bytes"
	"encoding/json"
	"maps"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Secret is the delivered Secret as the operator wants it: only the fields
// the operator sets. Everything else on the Secret belongs to others.
type Secret struct {
	Name, Namespace     string
	Labels, Annotations map[string]string
	Data                map[string][]byte
	Owner               metav1.OwnerReference
}

// Build is the delivered Secret for oac holding c at version, issued at
// issuedAt and expiring at expiresAt (zero: never). Its errors name the
// template field at fault.
func Build(oac *v1alpha1.OAuthClient, c Credentials, version int64, issuedAt, expiresAt time.Time) (*Secret, error) {
	data, err := Data(oac.Spec.SecretTemplate, c)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	annotations := map[string]string{}
	if t := oac.Spec.SecretTemplate; t != nil {
		for k, v := range t.Labels {
			labels[k] = string(v)
		}
		maps.Copy(annotations, t.Annotations)
	}
	maps.Copy(labels, oac.OwnerLabels())
	annotations[v1alpha1.AnnotationVersion] = strconv.FormatInt(version, 10)
	annotations[v1alpha1.AnnotationClientID] = c.ClientID
	if !issuedAt.IsZero() {
		annotations[v1alpha1.AnnotationIssuedAt] = issuedAt.UTC().Format(time.RFC3339)
	}
	if !expiresAt.IsZero() {
		annotations[v1alpha1.AnnotationExpiresAt] = expiresAt.UTC().Format(time.RFC3339)
	}
	yes := true
	return &Secret{
		Name: oac.SecretName(), Namespace: oac.Namespace,
		Labels: labels, Annotations: annotations, Data: data,
		Owner: metav1.OwnerReference{
			APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindOAuthClient,
			Name: oac.Name, UID: oac.UID, Controller: &yes, BlockOwnerDeletion: &yes,
		},
	}, nil
}

// versionField is how a managed-fields entry names the operator's version
// annotation.
var versionField = []byte(`"f:` + v1alpha1.AnnotationVersion + `"`)

// LegacyManagers are the field managers that wrote the operator's version
// annotation with a plain update: earlier versions of this operator.
func LegacyManagers(s *corev1.Secret) sets.Set[string] {
	out := sets.New[string]()
	for _, m := range s.ManagedFields {
		if isLegacy(m) {
			out.Insert(m.Manager)
		}
	}
	return out
}

// isLegacy reports whether m is the entry of an earlier operator version:
// a plain update that wrote the version annotation.
func isLegacy(m metav1.ManagedFieldsEntry) bool {
	return m.Operation == metav1.ManagedFieldsOperationUpdate && m.FieldsV1 != nil && bytes.Contains(m.FieldsV1.GetRawBytes(), versionField)
}

// UpToDate reports whether current holds exactly want: the same data, labels
// and annotations with the same values, the owner reference, and no other
// label or annotation the operator's field manager owns. current is a
// Secret from the cache (CacheForm) or from the API server; without the
// operator's managed fields it cannot tell, and says no.
func UpToDate(current *corev1.Secret, want *Secret) bool {
	fp, ok := applied(current)
	return ok && fp == want.fingerprint() && hasOwner(current, want.Owner.UID)
}

func hasOwner(s *corev1.Secret, uid types.UID) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == uid {
			return true
		}
	}
	return false
}

// owned are the keys the operator's apply field manager owns.
type owned struct {
	labels, annotations sets.Set[string]
}

// ownedKeys reads the operator's entry of current's managed fields: its
// apply entry, or the entry of its create (Create) before the first apply.
func ownedKeys(current *corev1.Secret) (owned, bool) {
	out := owned{labels: sets.New[string](), annotations: sets.New[string]()}
	found := false
	for _, m := range current.ManagedFields {
		if m.Manager != v1alpha1.FieldManager || m.FieldsV1 == nil {
			continue
		}
		var fields struct {
			Metadata struct {
				Labels      map[string]json.RawMessage `json:"f:labels"`
				Annotations map[string]json.RawMessage `json:"f:annotations"`
			} `json:"f:metadata"`
		}
		if err := json.Unmarshal(m.FieldsV1.GetRawBytes(), &fields); err != nil {
			return owned{}, false
		}
		out.labels = out.labels.Union(fieldKeys(fields.Metadata.Labels))
		out.annotations = out.annotations.Union(fieldKeys(fields.Metadata.Annotations))
		found = true
	}
	return out, found
}

// fieldKeys turns {"f:a":{}, ".":{}} into {"a"}.
func fieldKeys(m map[string]json.RawMessage) sets.Set[string] {
	out := sets.New[string]()
	for k := range m {
		if name, ok := strings.CutPrefix(k, "f:"); ok {
			out.Insert(name)
		}
	}
	return out
}
