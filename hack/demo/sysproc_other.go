//go:build !linux

package main

import (
	"os"
	"syscall"
)

// sysProcAttr has nothing to add outside Linux.
func sysProcAttr() *syscall.SysProcAttr { return nil }

// signalGroup signals the process itself; where signals other than kill are
// not supported, it kills it.
func signalGroup(p *os.Process, sig syscall.Signal) {
	if err := p.Signal(sig); err != nil {
		_ = p.Kill()
	}
}
