package proc

import (
	"errors"
	"fmt"
	"os/exec"
	"syscall"
	"time"
)

// Child is a started child process in its own process group, reaped in the
// background. The test harnesses of the real servers (the dev auth server,
// Hydra) each run one per start.
type Child struct {
	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's answer, set before done is closed
}

// Start starts cmd in its own process group that dies with the parent
// (SysProcAttr) and waits for it in the background.
func Start(cmd *exec.Cmd) (*Child, error) {
	cmd.SysProcAttr = SysProcAttr()
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &Child{cmd: cmd, done: make(chan struct{})}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// Done is closed when the process has exited.
func (c *Child) Done() <-chan struct{} { return c.done }

// Err is how the process ended (cmd.Wait's error); read it after Done.
func (c *Child) Err() error { return c.err }

// Stop sends SIGTERM to the process group, SIGKILL after timeout, and waits
// for the process. A process that exits cleanly or is ended by the signal
// is not an error; one that had to be killed, or exits with a failure
// status, is.
func (c *Child) Stop(timeout time.Duration) error {
	SignalGroup(c.cmd.Process, syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(timeout):
		SignalGroup(c.cmd.Process, syscall.SIGKILL)
		<-c.done
		return fmt.Errorf("killed after %s without exiting", timeout)
	}
	var exit *exec.ExitError
	if errors.As(c.err, &exit) && !exit.Exited() {
		return nil // ended by our signal
	}
	return c.err
}
