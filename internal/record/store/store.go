// Package store keeps the durable private records (internal/record) in
// Secrets of the operator's namespace: it loads, saves and removes them,
// and lists them for the leaked-client scan.
package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Store reads and writes record Secrets in the operator's namespace. A
// record must never be read stale (a stale registration access token would
// look like a deleted client), so it is kept in memory as written by this
// process, the only writer while it leads, and read from the API server
// directly, never from the informer cache, when memory does not have it.
type Store struct {
	api       API
	namespace string
	// mu guards mem and none. Plain maps, not sync.Maps: at 10,000
	// clients a sync.Map's trie costs about 200 bytes an entry more.
	mu  sync.Mutex
	mem map[types.UID]stored
	// none holds the OAuthClients known to have no record yet: this
	// process just gave them their finalizer, and records are written only
	// after that, by this process.
	none map[types.UID]struct{}
}

// API is what the store asks of the API server, about Secrets by name. Get
// must read the API server itself, never a cache (controllers/oauthclient
// serves it with the manager's client and its uncached reader).
type API interface {
	Get(ctx context.Context, key types.NamespacedName, s *corev1.Secret) error
	Create(ctx context.Context, s *corev1.Secret) error
	Update(ctx context.Context, s *corev1.Secret) error
	Delete(ctx context.Context, s *corev1.Secret) error
}

// New returns a store of the records in namespace.
func New(api API, namespace string) *Store {
	return &Store{api: api, namespace: namespace, mem: map[types.UID]stored{}, none: map[types.UID]struct{}{}}
}

// stored is a record as last written or read, with the Secret's
// resourceVersion, so the next save is a single update.
type stored struct {
	record          record.Packed
	resourceVersion string
	// unsaved: the last save failed. The record (perhaps a rotated
	// registration access token the server already switched to) is kept in
	// memory and saved again by the next load, not forgotten.
	unsaved bool
}

// Load returns the record of oac, or nil when there is none. A record whose
// last save failed is saved first.
func (s *Store) Load(ctx context.Context, oac *v1alpha1.OAuthClient) (*record.Record, error) {
	s.mu.Lock()
	_, none := s.none[oac.UID]
	st, ok := s.mem[oac.UID]
	s.mu.Unlock()
	if none {
		return nil, nil
	}
	if ok {
		r, err := st.record.Unpack()
		if err != nil {
			return nil, err
		}
		if st.unsaved {
			if err := s.save(ctx, oac, r); err != nil {
				return nil, err
			}
		}
		return r, nil
	}
	var sec corev1.Secret
	err := s.api.Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: record.SecretName(oac.UID)}, &sec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the client record: %w", err)
	}
	r, err := record.Decode(sec.Data)
	if err != nil {
		return nil, fmt.Errorf("client record Secret %s/%s is damaged: %w", s.namespace, sec.Name, err)
	}
	s.remember(oac.UID, stored{record: record.Pack(r), resourceVersion: sec.ResourceVersion})
	return r, nil
}

// NoneYet says that uid has no record: its OAuthClient got the finalizer
// from this process just now. Until a record is saved, Load answers from
// memory, so a first reconcile that fails before registering (a busy
// server, a conflict) costs no read of the API server when it is retried.
func (s *Store) NoneYet(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.none[uid] = struct{}{}
}

// remember keeps st as uid's record, which therefore exists.
func (s *Store) remember(uid types.UID, st stored) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.none, uid)
	s.mem[uid] = st
}

// Save writes r, trying a few times: a credential the server just issued
// must not be lost to a passing API error. When every try fails, r is kept
// in memory and saved by the next Load.
func (s *Store) Save(ctx context.Context, oac *v1alpha1.OAuthClient, r *record.Record) error {
	var err error
	for attempt := range 4 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Duration(attempt) * 200 * time.Millisecond):
			}
		}
		if err = s.save(ctx, oac, r); err == nil {
			return nil
		}
	}
	return err
}

// save writes r once: one update when the Secret's version is known, else a
// create (or, when it exists after all, a read and an update).
func (s *Store) save(ctx context.Context, oac *v1alpha1.OAuthClient, r *record.Record) error {
	sec := record.Secret(oac, s.namespace, r)
	s.mu.Lock()
	delete(s.none, oac.UID)
	known := s.mem[oac.UID].resourceVersion
	s.mu.Unlock()
	var err error
	if known != "" {
		sec.ResourceVersion = known
		err = s.api.Update(ctx, sec)
	} else {
		err = s.api.Create(ctx, sec)
	}
	if apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		err = s.getAndUpdate(ctx, sec)
	}
	if err != nil {
		s.remember(oac.UID, stored{record: record.Pack(r), unsaved: true})
		return fmt.Errorf("saving the client record: %w", err)
	}
	s.remember(oac.UID, stored{record: record.Pack(r), resourceVersion: sec.ResourceVersion})
	return nil
}

// getAndUpdate writes sec's data over the Secret as it is now, creating it
// when it is gone.
func (s *Store) getAndUpdate(ctx context.Context, sec *corev1.Secret) error {
	var current corev1.Secret
	err := s.api.Get(ctx, types.NamespacedName{Namespace: sec.Namespace, Name: sec.Name}, &current)
	if apierrors.IsNotFound(err) {
		sec.ResourceVersion = ""
		return s.api.Create(ctx, sec)
	}
	if err != nil {
		return err
	}
	current.Data = sec.Data
	current.Labels = sec.Labels
	if err := s.api.Update(ctx, &current); err != nil {
		return err
	}
	sec.ResourceVersion = current.ResourceVersion
	return nil
}

// Remove deletes the record of oac.
func (s *Store) Remove(ctx context.Context, oac *v1alpha1.OAuthClient) error {
	s.Forget(oac.UID)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: record.SecretName(oac.UID), Namespace: s.namespace}}
	if err := s.api.Delete(ctx, sec); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting the client record: %w", err)
	}
	return nil
}

// Forget drops what memory holds of oac's record (after it was removed by
// another path), so the next Load reads the API server.
func (s *Store) Forget(uid types.UID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.mem, uid)
	delete(s.none, uid)
}
