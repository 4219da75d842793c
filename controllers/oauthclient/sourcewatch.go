package oauthclient

import (
	"context"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// DefaultSourceCheckPeriod is how often the Secrets of spec.credentialsFrom
// are looked at when Reconciler.SourceCheckPeriod is zero.
const DefaultSourceCheckPeriod = 30 * time.Second

// sourceWatch notices when a Secret that spec.credentialsFrom names
// appears or changes, and wakes its OAuthClient. The manager's cache holds
// only the operator's own Secrets, and a user's source Secret carries no
// label of ours, so instead of watching every Secret in the cluster it
// reads the metadata of each source Secret through the API reader once a
// period and compares its resourceVersion with the one the client's last
// reconcile read. It holds one string per OAuthClient with credentialsFrom
// and costs one small GET per such client and period; unrelated Secrets
// cost nothing. (docs/existing-clients.md weighs it against a watch.)
type sourceWatch struct {
	reader client.Reader
	cache  client.Reader
	period time.Duration
	events chan event.GenericEvent

	mu sync.Mutex
	// used is, per OAuthClient, the resourceVersion of its source Secret
	// that its last reconcile read ("" when the Secret was missing).
	used map[types.NamespacedName]string
}

func newSourceWatch(reader, cache client.Reader, period time.Duration) *sourceWatch {
	if period <= 0 {
		period = DefaultSourceCheckPeriod
	}
	return &sourceWatch{reader: reader, cache: cache, period: period, events: make(chan event.GenericEvent, 64), used: map[types.NamespacedName]string{}}
}

// saw records the version of oac's source Secret a reconcile read.
func (w *sourceWatch) saw(oac *v1alpha1.OAuthClient, resourceVersion string) {
	if w == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.used[client.ObjectKeyFromObject(oac)] = resourceVersion
}

// Start checks the sources once a period until ctx ends.
func (w *sourceWatch) Start(ctx context.Context) error {
	t := time.NewTicker(w.period)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			w.check(ctx)
		}
	}
}

// check wakes every OAuthClient whose source Secret is not the version its
// last reconcile read, and forgets clients that are gone.
func (w *sourceWatch) check(ctx context.Context) {
	var list v1alpha1.OAuthClientList
	// Read only, so the cache's objects are not copied every period.
	if err := w.cache.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "listing OAuthClients for their credentialsFrom Secrets")
		return
	}
	live := map[types.NamespacedName]bool{}
	for i := range list.Items {
		oac := &list.Items[i]
		cf := oac.Spec.CredentialsFrom
		key := client.ObjectKeyFromObject(oac)
		if cf == nil || !oac.DeletionTimestamp.IsZero() {
			continue
		}
		live[key] = true
		w.mu.Lock()
		used, known := w.used[key]
		w.mu.Unlock()
		if !known {
			continue // its first reconcile reads the Secret itself
		}
		rv, err := w.version(ctx, types.NamespacedName{Namespace: oac.Namespace, Name: cf.SecretName})
		if err != nil || rv == used {
			continue
		}
		select {
		case w.events <- event.GenericEvent{Object: oac.DeepCopy()}:
		case <-ctx.Done():
			return
		}
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for key := range w.used {
		if !live[key] {
			delete(w.used, key)
		}
	}
}

// version is the resourceVersion of a Secret, read as metadata only (its
// data never crosses the wire here); "" when it does not exist.
func (w *sourceWatch) version(ctx context.Context, key types.NamespacedName) (string, error) {
	m := &metav1.PartialObjectMetadata{}
	m.SetGroupVersionKind(corev1.SchemeGroupVersion.WithKind("Secret"))
	err := w.reader.Get(ctx, key, m)
	if apierrors.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	return m.ResourceVersion, nil
}
