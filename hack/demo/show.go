package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// publicKeys are the Secret keys whose values are not secret and are shown.
var publicKeys = map[string]bool{"client_id": true, "token_url": true, "issuer": true, "scope": true}

// show prints the resources as `kubectl get` does (the CRDs' printer
// columns) and the delivered Secret's keys, never its secret values.
func (d *demo) show(ctx context.Context) error {
	var servers v1alpha1.AuthServerList
	if err := d.env.Client.List(ctx, &servers); err != nil {
		return fmt.Errorf("listing AuthServers: %w", err)
	}
	d.step("kubectl get authservers -A")
	rows := [][]string{{"NAMESPACE", "NAME", "READY", "REASON", "ISSUER", "AGE"}}
	for _, s := range servers.Items {
		ready, reason := readyColumns(s.Status.Conditions)
		rows = append(rows, []string{s.Namespace, s.Name, ready, reason, s.Spec.IssuerURL, age(s.CreationTimestamp)})
	}
	d.table(rows)

	var clients v1alpha1.OAuthClientList
	if err := d.env.Client.List(ctx, &clients); err != nil {
		return fmt.Errorf("listing OAuthClients: %w", err)
	}
	d.step("kubectl get oauthclients -A")
	rows = [][]string{{"NAMESPACE", "NAME", "READY", "REASON", "CLIENT ID", "SECRET", "AGE"}}
	for _, c := range clients.Items {
		ready, reason := readyColumns(c.Status.Conditions)
		rows = append(rows, []string{c.Namespace, c.Name, ready, reason, c.Status.ClientID, c.Status.SecretName, age(c.CreationTimestamp)})
	}
	d.table(rows)

	var secret corev1.Secret
	if err := d.env.Client.Get(ctx, client.ObjectKey{Namespace: d.secretNS, Name: d.secretName}, &secret); err != nil {
		return fmt.Errorf("reading Secret %s/%s: %w", d.secretNS, d.secretName, err)
	}
	d.step("Secret %s/%s: its keys (secret values are never shown)", d.secretNS, d.secretName)
	d.info("owner: %s, credential version %s", owners(secret.OwnerReferences), secret.Annotations[v1alpha1.AnnotationVersion])
	rows = nil
	for _, k := range slices.Sorted(maps.Keys(secret.Data)) {
		rows = append(rows, []string{k, describeValue(k, secret.Data[k])})
	}
	d.table(rows)
	return nil
}

// describeValue shows a Secret value only when its key is a public one;
// any other value is described by its size.
func describeValue(key string, value []byte) string {
	if publicKeys[key] {
		return string(value)
	}
	return fmt.Sprintf("(%d bytes, not shown)", len(value))
}

// readyColumns are the READY and REASON printer columns.
func readyColumns(conds []metav1.Condition) (ready, reason string) {
	c := meta.FindStatusCondition(conds, v1alpha1.ConditionReady)
	if c == nil {
		return "", ""
	}
	return string(c.Status), c.Reason
}

// age is kubectl's AGE column.
func age(t metav1.Time) string {
	return duration.HumanDuration(time.Since(t.Time))
}

// owners describes owner references as Kind/name.
func owners(refs []metav1.OwnerReference) string {
	if len(refs) == 0 {
		return "none"
	}
	var out []string
	for _, r := range refs {
		out = append(out, r.Kind+" "+r.Name)
	}
	return strings.Join(out, ", ")
}

// table prints rows as aligned, indented columns.
func (d *demo) table(rows [][]string) {
	w := tabwriter.NewWriter(d.out, 0, 0, 3, ' ', 0)
	for _, r := range rows {
		_, _ = fmt.Fprintln(w, "    "+strings.Join(r, "\t"))
	}
	_ = w.Flush()
}
