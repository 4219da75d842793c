package authserver

import (
	"os"
	"syscall"
)

// sysProcAttr puts node in its own process group, so Stop can end it and
// anything it starts, and has the kernel kill it if the parent dies.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) {
	_ = syscall.Kill(-p.Pid, sig)
}
