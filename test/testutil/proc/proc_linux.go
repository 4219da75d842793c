//go:build linux

package proc

import (
	"os"
	"syscall"
)

// SysProcAttr puts the child in its own process group, so SignalGroup
// reaches its children too, and has the kernel kill it if the parent dies.
func SysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// SignalGroup sends sig to the process group led by p.
func SignalGroup(p *os.Process, sig syscall.Signal) {
	_ = syscall.Kill(-p.Pid, sig)
}
