// Package crashpoint marks the places in a reconcile right after a step that
// changes the world (a remote create, a Secret write, a state write...).
// Tests use them to prove that a crash at any of them loses nothing:
//
//   - in-process tests Arm a point: the next reconcile that reaches it halts
//     there until Release, then returns ErrInjected. A test stops the manager
//     while the reconcile is halted, so nothing after the point happens, as
//     if the process had died there;
//   - end-to-end tests start the manager binary with the environment variable
//     OAUTH_CLIENT_OPERATOR_CRASH_AT=<point>: the process kills itself with
//     SIGKILL the first time it reaches the point, a real crash.
//
// With nothing armed a point costs one atomic load.
package crashpoint

import (
	"errors"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
)

// The crash points, in the order a reconcile can reach them.
const (
	AfterRemoteCreate  = "after-remote-create"  // the server issued a client; nothing recorded yet
	AfterStateSave     = "after-state-save"     // the client is recorded; the Secret is not written
	AfterSecretWrite   = "after-secret-write"   // the Secret is written; status is not
	AfterReplaceCreate = "after-replace-create" // rotation: the replacement exists; nothing recorded yet
	AfterRotationSave  = "after-rotation-save"  // rotation recorded; the Secret still holds the old client
	AfterRetireDelete  = "after-retire-delete"  // an old client is deleted; the record still lists it
	AfterRemoteDelete  = "after-remote-delete"  // deletion: the client is gone remotely; state and finalizer remain
	AfterStateRemove   = "after-state-remove"   // deletion: the state is gone; the finalizer remains
	AfterDisableDelete = "after-disable-delete" // disabling: the client is gone remotely; the Secret still has the secret

	// AfterKeySave: key rotation: the new key pair is recorded; the server
	// holds only the old public key. Reached only by private_key_jwt
	// clients, so it is not in All; controllers/keys_test.go covers it.
	AfterKeySave = "after-key-save"
)

// All lists every crash point.
var All = []string{
	AfterRemoteCreate, AfterStateSave, AfterSecretWrite,
	AfterReplaceCreate, AfterRotationSave, AfterRetireDelete,
	AfterRemoteDelete, AfterStateRemove, AfterDisableDelete,
}

// EnvVar names the crash point at which the process kills itself.
const EnvVar = "OAUTH_CLIENT_OPERATOR_CRASH_AT"

// ErrInjected is returned at an armed point.
var ErrInjected = errors.New("injected crash")

var (
	armed   atomic.Bool
	mu      sync.Mutex
	points  = map[string]bool{}
	hits    = map[string]int{}
	release = make(chan struct{})
	killAt  = os.Getenv(EnvVar)
	killing sync.Once
)

func init() {
	if killAt != "" {
		armed.Store(true)
	}
}

// Arm makes the next arrival at point halt until Release.
func Arm(point string) {
	mu.Lock()
	defer mu.Unlock()
	points[point] = true
	armed.Store(true)
}

// Hits returns how often point fired since the last Reset.
func Hits(point string) int {
	mu.Lock()
	defer mu.Unlock()
	return hits[point]
}

// Release lets every halted reconcile return ErrInjected.
func Release() {
	mu.Lock()
	defer mu.Unlock()
	close(release)
	release = make(chan struct{})
}

// Reset disarms every point.
func Reset() {
	mu.Lock()
	defer mu.Unlock()
	points = map[string]bool{}
	hits = map[string]int{}
	armed.Store(killAt != "")
}

// Reached is called at point. It halts and returns ErrInjected when the
// point is armed, and kills the process when the environment asks for it.
func Reached(point string) error {
	if !armed.Load() {
		return nil
	}
	if point == killAt {
		killing.Do(func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) })
		select {} // SIGKILL cannot be caught; wait for it
	}
	mu.Lock()
	if !points[point] {
		mu.Unlock()
		return nil
	}
	delete(points, point)
	hits[point]++
	wait := release
	mu.Unlock()
	<-wait
	return ErrInjected
}
