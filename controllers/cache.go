package controllers

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/intern"
)

// lastAppliedAnnotation is where client-side `kubectl apply` (and tools
// that work like it) keep a copy of the whole manifest.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// CacheOptions configure the manager's cache so it holds only what the
// controllers read:
//   - Secrets with the operator's label, so unrelated Secrets in the
//     cluster cost nothing;
//   - no managed fields on any object (a tenth of the heap);
//   - of those Secrets, only what the operator reads, in fields rather
//     than maps (delivery.CachedSecret): no data and no managed fields, but
//     a fingerprint of what it applied, so the credentials are not held
//     twice. A Get or List from the cache still gives *corev1.Secret (in
//     that short form, without Data); the informer's store holds
//     *delivery.CachedSecret;
//   - no last-applied copy of the manifest on OAuthClients, often as large
//     as the object itself. OAuthClients are only ever patched, never
//     written whole from the cache, so the annotation stays on the server.
func CacheOptions() cache.Options {
	owned := labels.SelectorFromSet(labels.Set{v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue})
	return cache.Options{
		ByObject: map[client.Object]cache.ByObject{
			&corev1.Secret{}:        {Label: owned, Transform: cacheForm},
			&v1alpha1.OAuthClient{}: {Transform: cachedOAuthClient},
		},
		DefaultTransform: cache.TransformStripManagedFields(),
	}
}

// cachedOAuthClient is an OAuthClient as the cache keeps it: without
// managed fields and the last-applied annotation, and with one shared copy
// of each string that repeats from client to client (internShared).
func cachedOAuthClient(in any) (any, error) {
	out, err := stripLastApplied(in)
	if oac, ok := out.(*v1alpha1.OAuthClient); ok {
		internShared(oac)
	}
	return out, err
}

// internShared makes the strings that repeat across OAuthClients (kinds,
// the namespace, the finalizer, the server's name, grant types, scopes,
// enums, condition types and reasons) share one copy each: a decoded
// object holds its own copy of every string, and at 10,000 clients these
// are about a tenth of what the cache holds of them. Names, UIDs, client
// IDs and messages, which do not repeat, are left alone.
func internShared(oac *v1alpha1.OAuthClient) {
	oac.APIVersion, oac.Kind, oac.Namespace = intern.String(oac.APIVersion), intern.String(oac.Kind), intern.String(oac.Namespace)
	intern.Strings(oac.Finalizers)
	sp := &oac.Spec
	sp.ServerRef.Name, sp.ServerRef.Kind = intern.String(sp.ServerRef.Name), v1alpha1.ServerKind(intern.String(string(sp.ServerRef.Kind)))
	intern.Strings(sp.GrantTypes)
	intern.Strings(sp.Scopes)
	intern.Strings(sp.Audience)
	sp.TokenEndpointAuthMethod = intern.String(sp.TokenEndpointAuthMethod)
	sp.DeletionPolicy = v1alpha1.DeletionPolicy(intern.String(string(sp.DeletionPolicy)))
	if sp.Adoption != nil {
		sp.Adoption.Policy = v1alpha1.AdoptionPolicy(intern.String(string(sp.Adoption.Policy)))
	}
	for i := range oac.Status.Conditions {
		c := &oac.Status.Conditions[i]
		c.Type, c.Reason = intern.String(c.Type), intern.String(c.Reason)
		c.Status = metav1.ConditionStatus(intern.String(string(c.Status)))
	}
	oac.Status.LastRotationReason = intern.String(oac.Status.LastRotationReason)
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
				if len(a) == 0 {
					// An empty map still takes about 300 bytes; most
					// kubectl-applied objects have no other annotation.
					a = nil
				}
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
