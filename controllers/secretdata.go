package controllers

import (
	"bytes"
	"fmt"
	"maps"
	"strconv"
	"strings"
	"text/template"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// credentials are the values a delivered Secret carries.
type credentials struct {
	ClientID     string
	ClientSecret string // empty for a public or disabled client
	TokenURL     string
	Issuer       string
	Scope        string // space separated
}

// Standard key names in the delivered Secret.
const (
	keyClientID     = "client_id"
	keyClientSecret = "client_secret"
	keyTokenURL     = "token_url"
	keyIssuer       = "issuer"
	keyScope        = "scope"
)

// secretData renders the Secret's data: the standard keys (renamed by the
// template when asked) and the template's rendered keys.
func secretData(tmpl *v1alpha1.SecretTemplate, c credentials) (map[string][]byte, error) {
	names := map[string]string{
		keyClientID: keyClientID, keyClientSecret: keyClientSecret,
		keyTokenURL: keyTokenURL, keyIssuer: keyIssuer, keyScope: keyScope,
	}
	if tmpl != nil && tmpl.Keys != nil {
		rename := func(std, to string) {
			if to != "" {
				names[std] = to
			}
		}
		rename(keyClientID, tmpl.Keys.ClientID)
		rename(keyClientSecret, tmpl.Keys.ClientSecret)
		rename(keyTokenURL, tmpl.Keys.TokenURL)
		rename(keyIssuer, tmpl.Keys.Issuer)
		rename(keyScope, tmpl.Keys.Scope)
	}
	data := map[string][]byte{}
	put := func(std, value string) {
		if value != "" {
			data[names[std]] = []byte(value)
		}
	}
	put(keyClientID, c.ClientID)
	put(keyClientSecret, c.ClientSecret)
	put(keyTokenURL, c.TokenURL)
	put(keyIssuer, c.Issuer)
	put(keyScope, c.Scope)
	if len(data) != len(nonEmpty(c)) {
		return nil, fmt.Errorf("spec.secretTemplate.keys: two standard keys are renamed to the same name")
	}
	if tmpl == nil {
		return data, nil
	}
	for _, key := range sortedKeys(tmpl.Data) {
		if _, taken := data[key]; taken {
			return nil, fmt.Errorf("spec.secretTemplate.data[%q]: the key is already used by a standard key", key)
		}
		t, err := template.New(key).Option("missingkey=error").Parse(tmpl.Data[key])
		if err != nil {
			return nil, fmt.Errorf("spec.secretTemplate.data[%q]: %w", key, err)
		}
		var buf bytes.Buffer
		if err := t.Execute(&buf, c); err != nil {
			return nil, fmt.Errorf("spec.secretTemplate.data[%q]: %w", key, err)
		}
		data[key] = buf.Bytes()
	}
	return data, nil
}

func nonEmpty(c credentials) []string {
	var out []string
	for _, v := range []string{c.ClientID, c.ClientSecret, c.TokenURL, c.Issuer, c.Scope} {
		if v != "" {
			out = append(out, v)
		}
	}
	return out
}

// desiredSecret is the whole delivered Secret for oac holding c at version.
func desiredSecret(oac *v1alpha1.OAuthClient, c credentials, version int64, issuedAt time.Time) (*corev1.Secret, error) {
	data, err := secretData(oac.Spec.SecretTemplate, c)
	if err != nil {
		return nil, err
	}
	labels := map[string]string{}
	annotations := map[string]string{}
	if t := oac.Spec.SecretTemplate; t != nil {
		maps.Copy(labels, t.Labels)
		maps.Copy(annotations, t.Annotations)
		if len(t.Labels) > 0 {
			annotations[v1alpha1.AnnotationTemplateLabels] = strings.Join(sortedKeys(t.Labels), ",")
		}
		if len(t.Annotations) > 0 {
			annotations[v1alpha1.AnnotationTemplateAnnotations] = strings.Join(sortedKeys(t.Annotations), ",")
		}
	}
	maps.Copy(labels, ownerLabels(oac))
	annotations[v1alpha1.AnnotationVersion] = strconv.FormatInt(version, 10)
	annotations[v1alpha1.AnnotationClientID] = c.ClientID
	if !issuedAt.IsZero() {
		annotations[v1alpha1.AnnotationIssuedAt] = issuedAt.UTC().Format(time.RFC3339)
	}
	yes := true
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Name:        secretName(oac),
			Namespace:   oac.Namespace,
			Labels:      labels,
			Annotations: annotations,
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion: v1alpha1.GroupVersion.String(), Kind: "OAuthClient",
				Name: oac.Name, UID: oac.UID, Controller: &yes, BlockOwnerDeletion: &yes,
			}},
		},
		Type: corev1.SecretTypeOpaque,
		Data: data,
	}, nil
}

// ownerLabels mark a Secret as the operator's and tie it to oac.
func ownerLabels(oac *v1alpha1.OAuthClient) map[string]string {
	return map[string]string{
		v1alpha1.LabelManagedBy:            v1alpha1.ManagedByValue,
		v1alpha1.LabelOAuthClientName:      oac.Name,
		v1alpha1.LabelOAuthClientNamespace: oac.Namespace,
		v1alpha1.LabelOAuthClientUID:       string(oac.UID),
	}
}

// mergeSecret makes current carry everything desired says, keeping labels
// and annotations others added, and removing those an earlier template set
// that desired no longer has. It reports whether current changed.
func mergeSecret(current, desired *corev1.Secret) bool {
	// What the last template put there, read before desired overwrites it.
	oldLabels := listed(current.Annotations[v1alpha1.AnnotationTemplateLabels])
	oldAnnotations := append(listed(current.Annotations[v1alpha1.AnnotationTemplateAnnotations]),
		v1alpha1.AnnotationTemplateLabels, v1alpha1.AnnotationTemplateAnnotations)
	changed := false
	if !maps.EqualFunc(current.Data, desired.Data, bytes.Equal) {
		current.Data = desired.Data
		current.StringData = nil
		changed = true
	}
	if current.Labels == nil {
		current.Labels = map[string]string{}
	}
	if current.Annotations == nil {
		current.Annotations = map[string]string{}
	}
	for k, v := range desired.Labels {
		if current.Labels[k] != v {
			current.Labels[k] = v
			changed = true
		}
	}
	for k, v := range desired.Annotations {
		if current.Annotations[k] != v {
			current.Annotations[k] = v
			changed = true
		}
	}
	if removeDropped(current.Labels, oldLabels, desired.Labels) {
		changed = true
	}
	if removeDropped(current.Annotations, oldAnnotations, desired.Annotations) {
		changed = true
	}
	if !hasOwner(current, desired.OwnerReferences[0].UID) {
		current.OwnerReferences = append(current.OwnerReferences, desired.OwnerReferences[0])
		changed = true
	}
	return changed
}

func hasOwner(s *corev1.Secret, uid types.UID) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == uid {
			return true
		}
	}
	return false
}

// listed splits a comma-separated list of keys.
func listed(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// removeDropped deletes from m each of keys that desired does not have. It
// reports whether m changed.
func removeDropped(m map[string]string, keys []string, desired map[string]string) bool {
	changed := false
	for _, k := range keys {
		if _, keep := desired[k]; keep {
			continue
		}
		if _, ok := m[k]; ok {
			delete(m, k)
			changed = true
		}
	}
	return changed
}
