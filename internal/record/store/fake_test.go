package store

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// fakeAPI keeps Secrets in a map and answers as the API server does:
// NotFound, AlreadyExists, and Conflict for an update of a stale version.
type fakeAPI struct {
	secrets map[types.NamespacedName]*corev1.Secret
	version int
	// gets counts reads; failUpdates makes every update fail.
	gets        int
	failUpdates error
}

func newFakeAPI() *fakeAPI { return &fakeAPI{secrets: map[types.NamespacedName]*corev1.Secret{}} }

var secretsResource = schema.GroupResource{Resource: "secrets"}

func key(s *corev1.Secret) types.NamespacedName {
	return types.NamespacedName{Namespace: s.Namespace, Name: s.Name}
}

func (f *fakeAPI) Get(_ context.Context, k types.NamespacedName, s *corev1.Secret) error {
	f.gets++
	have, ok := f.secrets[k]
	if !ok {
		return apierrors.NewNotFound(secretsResource, k.Name)
	}
	have.DeepCopyInto(s)
	return nil
}

func (f *fakeAPI) Create(_ context.Context, s *corev1.Secret) error {
	if _, ok := f.secrets[key(s)]; ok {
		return apierrors.NewAlreadyExists(secretsResource, s.Name)
	}
	f.store(s)
	return nil
}

func (f *fakeAPI) Update(_ context.Context, s *corev1.Secret) error {
	if f.failUpdates != nil {
		return f.failUpdates
	}
	have, ok := f.secrets[key(s)]
	if !ok {
		return apierrors.NewNotFound(secretsResource, s.Name)
	}
	if s.ResourceVersion != have.ResourceVersion {
		return apierrors.NewConflict(secretsResource, s.Name, nil)
	}
	f.store(s)
	return nil
}

func (f *fakeAPI) Delete(_ context.Context, s *corev1.Secret) error {
	if _, ok := f.secrets[key(s)]; !ok {
		return apierrors.NewNotFound(secretsResource, s.Name)
	}
	delete(f.secrets, key(s))
	return nil
}

// store keeps a copy of s at a new version, and gives s that version.
func (f *fakeAPI) store(s *corev1.Secret) {
	f.version++
	s.ResourceVersion = strconv.Itoa(f.version)
	f.secrets[key(s)] = s.DeepCopy()
}
