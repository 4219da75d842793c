package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
)

// lastAppliedAnnotation is where client-side `kubectl apply` (and tools
// that work like it) keep a copy of the whole manifest.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// CacheOptions configure the manager's cache so it holds only what the
// controllers read:
//   - Secrets with the operator's label, so unrelated Secrets in the
//     cluster cost nothing;
//   - no managed fields on any object (a tenth of the heap);
//   - of those Secrets, only what the operator reads (delivery.CacheForm):
//     no data and no managed fields, but a fingerprint of what it applied,
//     so the credentials are not held twice and a Secret from the cache
//     has no Data;
//   - no last-applied copy of the manifest on OAuthClients, often as large
//     as the object itself. OAuthClients are only ever patched, never
//     written whole from the cache, so the annotation stays on the server.
func CacheOptions() cache.Options {
	owned := labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue})
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:        {Label: owned, Transform: cacheForm},
			&v1alpha1.OAuthClient{}: {Transform: stripLastApplied},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	}
}

// stripLastApplied drops managed fields and the last-applied annotation.
func stripLastApplied(in any) (any, error) {
	out, err := cache.TransformStripManagedFields()(in)
	if err != nil {
		return out, err
	}
	if obj, err := meta.Accessor(out); err == nil {
		if a := obj.GetAnnotations(); a != nil {
			if _, ok := a[lastAppliedAnnotation]; ok {
				delete(a, lastAppliedAnnotation)
				obj.SetAnnotations(a)
			}
		}
	}
	return out, nil
}

// cacheForm keeps of a delivered Secret only what the operator reads.
func cacheForm(in any) (any, error) {
	if s, ok := in.(*corev1.Secret); ok {
		return delivery.CacheForm(s), nil
	}
	return in, nil
}
