//go:build !linux

package e2e

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to add outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup signals the process itself; where that signal is not
// supported, it kills it.
func signalGroup(p *os.Process, sig syscall.Signal) {
	if err := p.Signal(sig); err != nil {
		_ = p.Kill()
	}
}
