package oauthclient

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// restartedAtAnnotation is what `kubectl rollout restart` sets on a pod
// template; changing it rolls the workload's pods.
const restartedAtAnnotation = "kubectl.kubernetes.io/restartedAt"

// +kubebuilder:rbac:groups=apps,resources=deployments;statefulsets;daemonsets,verbs=patch

// rollout restarts the spec's rollout targets once per credential change,
// the way `kubectl rollout restart` does. The version rolled for is recorded
// durably, so a crash between the Secret write and the rollout still rolls.
// A missing workload is a Warning event, not a failure.
func (r *Reconciler) rollout(ctx context.Context, oac *v1alpha1.OAuthClient, rec *record.Record) (*record.Record, error) {
	if rec.RolledVersion >= rec.Version {
		return rec, nil
	}
	// The first credentials need no restart: pods could not have started
	// with a Secret that did not exist.
	if rec.Version > 1 {
		patch, _ := json.Marshal(map[string]any{"spec": map[string]any{"template": map[string]any{
			"metadata": map[string]any{"annotations": map[string]string{restartedAtAnnotation: time.Now().UTC().Format(time.RFC3339)}},
		}}})
		for _, t := range oac.Spec.RolloutTargets {
			obj := &unstructured.Unstructured{}
			obj.SetAPIVersion("apps/v1")
			obj.SetKind(string(t.Kind))
			obj.SetNamespace(oac.Namespace)
			obj.SetName(t.Name)
			err := r.Client.Patch(ctx, obj, client.RawPatch(types.MergePatchType, patch))
			switch {
			case apierrors.IsNotFound(err):
				r.event(oac, corev1.EventTypeWarning, "RolloutTargetMissing", "%s %s does not exist; it was not restarted", t.Kind, t.Name)
			case err != nil:
				return rec, fmt.Errorf("restarting %s %s: %w", t.Kind, t.Name, err)
			default:
				r.event(oac, corev1.EventTypeNormal, "RolledOut", "restarted %s %s for credentials version %d", t.Kind, t.Name, rec.Version)
			}
		}
	}
	next := rec.Clone()
	next.RolledVersion = next.Version
	return next, nil
}
