package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// sampleIssuer is the issuerURL the sample AuthServer names.
const sampleIssuer = "http://127.0.0.1:9400"

// applySamples server-side applies every document of config/samples, as
// `kubectl apply --server-side -f config/samples` would, pointing the sample
// AuthServer at the running auth server when it is not on the default port.
func (d *demo) applySamples(ctx context.Context) error {
	dir := filepath.Join(d.cfg.root, "config", "samples")
	d.step("applying %s", rel(dir))
	objs, err := readSamples(dir)
	if err != nil {
		return err
	}
	if n := pointIssuer(objs, sampleIssuer, d.auth.Issuer); n > 0 {
		d.info("(issuerURL %s rewritten to %s in %d AuthServer)", sampleIssuer, d.auth.Issuer, n)
	}
	for _, u := range objs {
		if u.GetNamespace() == "" && u.GetKind() != "Namespace" && u.GetKind() != string(v1alpha1.KindClusterAuthServer) {
			u.SetNamespace("default")
		}
		err := d.env.Client.Apply(ctx, client.ApplyConfigurationFromUnstructured(u),
			client.FieldOwner("oauth-client-operator-demo"), client.ForceOwnership)
		if err != nil {
			return fmt.Errorf("applying %s %s: %w", u.GetKind(), u.GetName(), err)
		}
		d.info("%s serverside-applied", resourceName(u))
		if u.GetKind() == v1alpha1.KindOAuthClient && u.GroupVersionKind().Group == v1alpha1.GroupVersion.Group {
			d.clients = append(d.clients, objectKey{u.GetNamespace(), u.GetName()})
		}
	}
	if len(d.clients) == 0 {
		return fmt.Errorf("%s holds no OAuthClient", rel(dir))
	}
	return nil
}

// readSamples decodes every YAML document of the .yaml files in dir, in
// file name order, leaving out kustomization.yaml.
func readSamples(dir string) ([]*unstructured.Unstructured, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("reading the samples: %w", err)
	}
	var objs []*unstructured.Unstructured
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || name == "kustomization.yaml" || !strings.HasSuffix(name, ".yaml") && !strings.HasSuffix(name, ".yml") {
			continue
		}
		f, err := os.Open(filepath.Join(dir, name)) //nolint:gosec // G304: the files of the repository's config/samples directory
		if err != nil {
			return nil, fmt.Errorf("reading the samples: %w", err)
		}
		docs, err := decodeManifests(f)
		_ = f.Close()
		if err != nil {
			return nil, fmt.Errorf("reading sample %s: %w", name, err)
		}
		objs = append(objs, docs...)
	}
	return objs, nil
}

// decodeManifests splits a multi-document YAML (or JSON) stream into
// objects, skipping empty documents.
func decodeManifests(r io.Reader) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var objs []*unstructured.Unstructured
	for {
		var doc map[string]any
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("decoding document %d: %w", len(objs)+1, err)
		}
		if len(doc) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: doc}
		if u.GetAPIVersion() == "" || u.GetKind() == "" {
			return nil, fmt.Errorf("document %d has no apiVersion or kind", len(objs)+1)
		}
		objs = append(objs, u)
	}
}

// pointIssuer sets spec.issuerURL to to in every AuthServer whose
// issuerURL is from, and says how many it changed.
func pointIssuer(objs []*unstructured.Unstructured, from, to string) int {
	if from == to {
		return 0
	}
	n := 0
	for _, u := range objs {
		if u.GetKind() != string(v1alpha1.KindAuthServer) && u.GetKind() != string(v1alpha1.KindClusterAuthServer) {
			continue
		}
		if got, _, _ := unstructured.NestedString(u.Object, "spec", "issuerURL"); got == from {
			_ = unstructured.SetNestedField(u.Object, to, "spec", "issuerURL")
			n++
		}
	}
	return n
}

// resourceName is kubectl's name for an object: kind.group/name.
func resourceName(u *unstructured.Unstructured) string {
	kind := strings.ToLower(u.GetKind())
	if g := u.GroupVersionKind().Group; g != "" {
		kind += "." + g
	}
	return kind + "/" + u.GetName()
}

// waitReady waits until every sample OAuthClient is Ready at its current
// generation, printing its Ready condition whenever it changes.
func (d *demo) waitReady(ctx context.Context) error {
	for _, key := range d.clients {
		if err := d.waitClientReady(ctx, key); err != nil {
			return err
		}
	}
	return nil
}

func (d *demo) waitClientReady(ctx context.Context, key objectKey) error {
	d.step("waiting for OAuthClient %s to be Ready", key)
	logPath := rel(filepath.Join(d.cfg.dir, "manager.log"))
	deadline := time.Now().Add(readyTimeout)
	last := ""
	for {
		var oac v1alpha1.OAuthClient
		now := "not found yet"
		err := d.env.Client.Get(ctx, client.ObjectKey{Namespace: key.Namespace, Name: key.Name}, &oac)
		if err == nil {
			now = "no Ready condition yet"
			if c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady); c != nil {
				now = fmt.Sprintf("Ready=%s %s: %s", c.Status, c.Reason, c.Message)
				if c.Status == metav1.ConditionTrue && c.ObservedGeneration == oac.Generation {
					d.info("%s (after %s)", now, time.Since(oac.CreationTimestamp.Time).Round(100*time.Millisecond))
					if d.secretName == "" {
						d.secretNS, d.secretName = key.Namespace, oac.Status.SecretName
					}
					return nil
				}
			}
		} else if ctx.Err() == nil {
			now = "reading it: " + err.Error()
		}
		if now != last {
			d.info("%s", now)
			last = now
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("OAuthClient %s is not Ready after %s (last: %s); the operator's log is %s", key, readyTimeout, last, logPath)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-d.managerDone:
			return fmt.Errorf("the manager exited while OAuthClient %s was not Ready; see %s", key, logPath)
		case <-time.After(250 * time.Millisecond):
		}
	}
}
