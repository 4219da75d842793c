package controllers

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// clientState is the operator's durable record of one OAuthClient's remote
// client: its credentials and the provider's registration-management state
// (e.g. an RFC 7592 registration access token). It lives in a Secret in the
// operator's own namespace, so tenants who can read their delivered Secret
// cannot read the token that manages the registration. It is written before
// anything depends on a new credential: a crash after a remote create leaves
// a record that the next reconcile finds.
type clientState struct {
	ClientID     string
	ClientSecret string
	IssuedAt     time.Time
	Version      int64
	Provider     provider.State

	// HandledRequest is the last rotate-requested-at value acted on.
	HandledRequest string
	// LastRotation and RotationReason describe the last rotation.
	LastRotation   time.Time
	RotationReason string
	// RolledVersion is the credential version the rollout targets were last
	// restarted for.
	RolledVersion int64
	// Retiring are replaced clients that stay valid until their grace
	// period ends, then are deleted.
	Retiring []retiringClient
}

// retiringClient is an old client kept valid during a grace period.
type retiringClient struct {
	ClientID string         `json:"clientID"`
	RetireAt time.Time      `json:"retireAt"`
	Provider provider.State `json:"provider,omitempty"`
}

const (
	stateClientID     = "client_id"
	stateClientSecret = "client_secret"
	stateIssuedAt     = "issued_at"
	stateVersion      = "version"
	stateProvider     = "provider."
	stateHandled      = "rotation.handled-request"
	stateLastRotation = "rotation.last"
	stateReason       = "rotation.reason"
	stateRolled       = "rollout.version"
	stateRetiring     = "retiring"
)

func (st *clientState) clone() *clientState {
	c := *st
	c.Provider = maps.Clone(st.Provider)
	c.Retiring = slices.Clone(st.Retiring)
	return &c
}

// stateSecretName names the state Secret of the OAuthClient with uid.
func stateSecretName(uid types.UID) string { return "oauthclient-" + string(uid) }

// encodeState renders st as Secret data.
func encodeState(st *clientState) map[string][]byte {
	data := map[string][]byte{
		stateClientID: []byte(st.ClientID),
		stateVersion:  []byte(strconv.FormatInt(st.Version, 10)),
	}
	if st.ClientSecret != "" {
		data[stateClientSecret] = []byte(st.ClientSecret)
	}
	if !st.IssuedAt.IsZero() {
		data[stateIssuedAt] = []byte(st.IssuedAt.UTC().Format(time.RFC3339))
	}
	for k, v := range st.Provider {
		data[stateProvider+k] = []byte(v)
	}
	putString(data, stateHandled, st.HandledRequest)
	putString(data, stateReason, st.RotationReason)
	if !st.LastRotation.IsZero() {
		data[stateLastRotation] = []byte(st.LastRotation.UTC().Format(time.RFC3339))
	}
	if st.RolledVersion != 0 {
		data[stateRolled] = []byte(strconv.FormatInt(st.RolledVersion, 10))
	}
	if len(st.Retiring) > 0 {
		b, _ := json.Marshal(st.Retiring) // plain structs: cannot fail
		data[stateRetiring] = b
	}
	return data
}

func putString(data map[string][]byte, key, value string) {
	if value != "" {
		data[key] = []byte(value)
	}
}

// decodeState parses Secret data written by encodeState.
func decodeState(data map[string][]byte) (*clientState, error) {
	st := &clientState{
		ClientID:     string(data[stateClientID]),
		ClientSecret: string(data[stateClientSecret]),
		Provider:     provider.State{},
	}
	if st.ClientID == "" {
		return nil, fmt.Errorf("state has no %s", stateClientID)
	}
	if v := data[stateVersion]; len(v) > 0 {
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("state %s: %w", stateVersion, err)
		}
		st.Version = n
	}
	var err error
	if st.IssuedAt, err = parseTime(data, stateIssuedAt); err != nil {
		return nil, err
	}
	if st.LastRotation, err = parseTime(data, stateLastRotation); err != nil {
		return nil, err
	}
	st.HandledRequest = string(data[stateHandled])
	st.RotationReason = string(data[stateReason])
	if v := data[stateRolled]; len(v) > 0 {
		if st.RolledVersion, err = strconv.ParseInt(string(v), 10, 64); err != nil {
			return nil, fmt.Errorf("state %s: %w", stateRolled, err)
		}
	}
	if v := data[stateRetiring]; len(v) > 0 {
		if err := json.Unmarshal(v, &st.Retiring); err != nil {
			return nil, fmt.Errorf("state %s: %w", stateRetiring, err)
		}
	}
	for k, v := range data {
		if name, ok := strings.CutPrefix(k, stateProvider); ok {
			st.Provider[name] = string(v)
		}
	}
	return st, nil
}

func parseTime(data map[string][]byte, key string) (time.Time, error) {
	v := data[key]
	if len(v) == 0 {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, string(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("state %s: %w", key, err)
	}
	return t, nil
}

// stateStore reads and writes state Secrets in the operator's namespace.
// The state must never be read stale (a stale registration access token
// would look like a deleted client), so it is kept in memory as written by
// this process, the only writer while it leads, and read from the API server
// directly, never from the informer cache, when memory does not have it.
type stateStore struct {
	client    client.Client
	reader    client.Reader
	namespace string
	mem       sync.Map // types.UID -> storedState
}

// storedState is a state as last written or read, with the Secret's
// resourceVersion, so the next save is a single update.
type storedState struct {
	state           clientState
	resourceVersion string
	// unsaved: the last save failed. The state (perhaps a rotated
	// registration access token the server already switched to) is kept in
	// memory and saved again by the next reconcile, not forgotten.
	unsaved bool
}

// load returns the state of oac, or nil when there is none. A state whose
// last save failed is saved first.
func (s *stateStore) load(ctx context.Context, oac *v1alpha1.OAuthClient) (*clientState, error) {
	if v, ok := s.mem.Load(oac.UID); ok {
		stored := v.(storedState)
		if stored.unsaved {
			if err := s.save(ctx, oac, &stored.state); err != nil {
				return nil, err
			}
		}
		return stored.state.clone(), nil
	}
	var sec corev1.Secret
	err := s.reader.Get(ctx, types.NamespacedName{Namespace: s.namespace, Name: stateSecretName(oac.UID)}, &sec)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading client state: %w", err)
	}
	st, err := decodeState(sec.Data)
	if err != nil {
		return nil, fmt.Errorf("client state Secret %s/%s is damaged: %w", s.namespace, sec.Name, err)
	}
	s.mem.Store(oac.UID, storedState{state: *st.clone(), resourceVersion: sec.ResourceVersion})
	return st, nil
}

// save writes st: one update when the Secret's version is known, else a
// create (or, when it exists after all, a read and an update).
func (s *stateStore) save(ctx context.Context, oac *v1alpha1.OAuthClient, st *clientState) error {
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{
		Name: stateSecretName(oac.UID), Namespace: s.namespace, Labels: stateLabels(oac),
	}}
	sec.Type = corev1.SecretTypeOpaque
	sec.Data = encodeState(st)
	var err error
	if v, ok := s.mem.Load(oac.UID); ok && v.(storedState).resourceVersion != "" {
		sec.ResourceVersion = v.(storedState).resourceVersion
		err = s.client.Update(ctx, sec)
	} else {
		err = s.client.Create(ctx, sec)
	}
	if apierrors.IsAlreadyExists(err) || apierrors.IsConflict(err) || apierrors.IsNotFound(err) {
		err = s.getAndUpdate(ctx, sec)
	}
	if err != nil {
		s.mem.Store(oac.UID, storedState{state: *st.clone(), unsaved: true})
		return fmt.Errorf("saving client state: %w", err)
	}
	s.mem.Store(oac.UID, storedState{state: *st.clone(), resourceVersion: sec.ResourceVersion})
	return nil
}

// getAndUpdate writes sec's data over the Secret as it is now, creating it
// when it is gone.
func (s *stateStore) getAndUpdate(ctx context.Context, sec *corev1.Secret) error {
	var current corev1.Secret
	err := s.reader.Get(ctx, client.ObjectKeyFromObject(sec), &current)
	if apierrors.IsNotFound(err) {
		sec.ResourceVersion = ""
		return s.client.Create(ctx, sec)
	}
	if err != nil {
		return err
	}
	current.Data = sec.Data
	current.Labels = sec.Labels
	if err := s.client.Update(ctx, &current); err != nil {
		return err
	}
	sec.ResourceVersion = current.ResourceVersion
	return nil
}

// stateLabels tie a state Secret to its OAuthClient. Their managed-by value
// differs from the delivered Secrets' on purpose: state is never read from
// the informer cache, so it is kept out of it.
func stateLabels(oac *v1alpha1.OAuthClient) map[string]string {
	l := ownerLabels(oac)
	l[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue + "-state"
	return l
}

// remove deletes the state of oac.
func (s *stateStore) remove(ctx context.Context, oac *v1alpha1.OAuthClient) error {
	s.mem.Delete(oac.UID)
	sec := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: stateSecretName(oac.UID), Namespace: s.namespace}}
	if err := s.client.Delete(ctx, sec); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting client state: %w", err)
	}
	return nil
}
