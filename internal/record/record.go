// Package record is where the operator keeps what only it may know about
// each OAuthClient's remote client: the credentials the server issued and the
// server's registration-management state (for example an RFC 7592
// registration access token). The record lives in a Secret in the
// operator's own namespace, so tenants who can read their delivered Secret
// cannot read what manages the registration. It is written before anything
// depends on a new credential: a crash after a remote create leaves a record
// that the next reconcile finds.
package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Record is the durable private record of one OAuthClient's remote client.
type Record struct {
	ClientID     string
	ClientSecret string
	IssuedAt     time.Time
	Version      int64
	Provider     provider.State
	// SecretExpiresAt is when the server expires the secret, as it last
	// said; zero if never. Kept so the next rotation time does not depend
	// on whether this reconcile read the remote client.
	SecretExpiresAt time.Time

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
	Retiring []Retiring
	// AdoptedReason and AdoptedMessage say, for a client that existed at
	// the server before this OAuthClient and was adopted, what happened to
	// its secret (the Adopted condition); empty for a client the operator
	// registered.
	AdoptedReason, AdoptedMessage string
	// Key is the current private key (PKCS#8 PEM) of a private_key_jwt
	// client. It is saved before its public key is registered or added at
	// the server, so no registered key lacks its private half.
	Key string
}

// Retiring is an old client kept valid during a grace period.
type Retiring struct {
	ClientID string         `json:"clientID"`
	RetireAt time.Time      `json:"retireAt"`
	Provider provider.State `json:"provider,omitempty"`
	// SecretsOnly: an Overlap rotation's old secrets, not a client: at
	// RetireAt the client stays and its other secrets are revoked.
	SecretsOnly bool `json:"secretsOnly,omitempty"`
	// Key, with SecretsOnly, is the private key (PKCS#8 PEM) of a key
	// rotation's old key pair: at RetireAt its public key is removed from
	// the client's key set, and only then is this entry dropped.
	Key string `json:"key,omitempty"`
}

// Clone returns a deep copy.
func (r *Record) Clone() *Record {
	c := *r
	c.Provider = maps.Clone(r.Provider)
	c.Retiring = slices.Clone(r.Retiring)
	return &c
}

// Equal reports whether two records hold the same values.
func Equal(a, b *Record) bool {
	if a == nil || b == nil {
		return a == b
	}
	return maps.EqualFunc(Encode(a), Encode(b), bytes.Equal)
}

// SecretName names the record Secret of the OAuthClient with uid.
func SecretName(uid types.UID) string { return "oauthclient-" + string(uid) }

// Keys of the record Secret's data.
const (
	keyClientID     = "client_id"
	keyClientSecret = "client_secret"
	keyIssuedAt     = "issued_at"
	keyExpiresAt    = "secret_expires_at"
	keyVersion      = "version"
	keyProvider     = "provider."
	keyHandled      = "rotation.handled-request"
	keyLastRotation = "rotation.last"
	keyReason       = "rotation.reason"
	keyRolled       = "rollout.version"
	keyRetiring     = "retiring"
	keyAdoptedWhy   = "adoption.reason"
	keyAdoptedMsg   = "adoption.message"
	keyPrivateKey   = "private_key.pem"
)

// Encode renders r as Secret data.
func Encode(r *Record) map[string][]byte {
	data := map[string][]byte{
		keyClientID: []byte(r.ClientID),
		keyVersion:  []byte(strconv.FormatInt(r.Version, 10)),
	}
	putString(data, keyClientSecret, r.ClientSecret)
	putString(data, keyPrivateKey, r.Key)
	putTime(data, keyIssuedAt, r.IssuedAt)
	putTime(data, keyExpiresAt, r.SecretExpiresAt)
	for k, v := range r.Provider {
		data[keyProvider+k] = []byte(v)
	}
	putString(data, keyHandled, r.HandledRequest)
	putString(data, keyReason, r.RotationReason)
	putString(data, keyAdoptedWhy, r.AdoptedReason)
	putString(data, keyAdoptedMsg, r.AdoptedMessage)
	putTime(data, keyLastRotation, r.LastRotation)
	if r.RolledVersion != 0 {
		data[keyRolled] = []byte(strconv.FormatInt(r.RolledVersion, 10))
	}
	if len(r.Retiring) > 0 {
		b, _ := json.Marshal(r.Retiring) // plain structs: cannot fail
		data[keyRetiring] = b
	}
	return data
}

func putString(data map[string][]byte, key, value string) {
	if value != "" {
		data[key] = []byte(value)
	}
}

func putTime(data map[string][]byte, key string, t time.Time) {
	if !t.IsZero() {
		data[key] = []byte(t.UTC().Format(time.RFC3339))
	}
}

// Decode parses Secret data written by Encode.
func Decode(data map[string][]byte) (*Record, error) {
	r := &Record{
		ClientID:     string(data[keyClientID]),
		ClientSecret: string(data[keyClientSecret]),
		Key:          string(data[keyPrivateKey]),
		Provider:     provider.State{},
	}
	if r.ClientID == "" {
		return nil, fmt.Errorf("record has no %s", keyClientID)
	}
	var err error
	if r.Version, err = parseInt(data, keyVersion); err != nil {
		return nil, err
	}
	if r.RolledVersion, err = parseInt(data, keyRolled); err != nil {
		return nil, err
	}
	if r.IssuedAt, err = parseTime(data, keyIssuedAt); err != nil {
		return nil, err
	}
	if r.SecretExpiresAt, err = parseTime(data, keyExpiresAt); err != nil {
		return nil, err
	}
	if r.LastRotation, err = parseTime(data, keyLastRotation); err != nil {
		return nil, err
	}
	r.HandledRequest = string(data[keyHandled])
	r.RotationReason = string(data[keyReason])
	r.AdoptedReason, r.AdoptedMessage = string(data[keyAdoptedWhy]), string(data[keyAdoptedMsg])
	if v := data[keyRetiring]; len(v) > 0 {
		if err := json.Unmarshal(v, &r.Retiring); err != nil {
			return nil, fmt.Errorf("record %s: %w", keyRetiring, err)
		}
	}
	for k, v := range data {
		if name, ok := strings.CutPrefix(k, keyProvider); ok {
			r.Provider[name] = string(v)
		}
	}
	return r, nil
}

func parseInt(data map[string][]byte, key string) (int64, error) {
	v := data[key]
	if len(v) == 0 {
		return 0, nil
	}
	n, err := strconv.ParseInt(string(v), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("record %s: %w", key, err)
	}
	return n, nil
}

func parseTime(data map[string][]byte, key string) (time.Time, error) {
	v := data[key]
	if len(v) == 0 {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, string(v))
	if err != nil {
		return time.Time{}, fmt.Errorf("record %s: %w", key, err)
	}
	return t, nil
}
