package proc

import (
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
)

// StopTimeout is how long Slot.Stop waits after SIGTERM before SIGKILL.
const StopTimeout = 10 * time.Second

// Slot holds the one process a restartable test server (the dev auth
// server, Hydra) runs at a time, with the output it keeps for error
// messages, under the lock the server's start and stop take. The zero
// Slot is empty; Name says what the server is in errors, and OnStop, when
// set, runs after each stop (to close idle connections to the process).
// GaveUpDraining, when set, reads the output of a process that exited with
// a failure status after SIGTERM and says whether it only gave up waiting
// for its open connections to finish (its own drain deadline): that is a
// stop, not a failure.
type Slot struct {
	Name           string
	OnStop         func()
	GaveUpDraining func(output string) bool

	mu     sync.Mutex
	child  *Child
	output fmt.Stringer
}

// Lock takes the slot's lock, for a start: Running, Fill and StopLocked
// need it.
func (s *Slot) Lock() { s.mu.Lock() }

// Unlock releases the slot's lock.
func (s *Slot) Unlock() { s.mu.Unlock() }

// Running reports whether the slot holds a process. The lock is held.
func (s *Slot) Running() bool { return s.child != nil }

// Fill puts the started process c in the empty slot; output is what it
// writes, quoted by the errors about it. The lock is held.
func (s *Slot) Fill(c *Child, output fmt.Stringer) { s.child, s.output = c, output }

// Stop ends the process in the slot, if any (Child.Stop with StopTimeout),
// and empties it. Stopping an empty slot does nothing.
func (s *Slot) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.StopLocked()
}

// StopLocked is Stop with the lock held.
func (s *Slot) StopLocked() error {
	c := s.child
	if c == nil {
		return nil
	}
	s.child = nil
	if s.OnStop != nil {
		defer s.OnStop()
	}
	if err := c.Stop(StopTimeout); err != nil {
		output := s.output.String()
		var exit *exec.ExitError
		if errors.As(err, &exit) && s.GaveUpDraining != nil && s.GaveUpDraining(output) {
			return nil
		}
		return fmt.Errorf("stopping %s: %w: %s", s.Name, err, output)
	}
	return nil
}
