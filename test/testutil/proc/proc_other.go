//go:build !linux

package proc

import (
	"os"
	"syscall"
)

// SysProcAttr has nothing to add outside Linux.
func SysProcAttr() *syscall.SysProcAttr { return nil }

// SignalGroup signals the process itself; where signals other than kill are
// not supported, it kills it.
func SignalGroup(p *os.Process, sig syscall.Signal) {
	if err := p.Signal(sig); err != nil {
		_ = p.Kill()
	}
}
