package main

import (
	"os"
	"syscall"
)

// sysProcAttr puts the manager in its own process group, so a Ctrl-C in the
// terminal reaches only the demo, which stops things in order, and has the
// kernel kill it should the demo die.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) {
	_ = syscall.Kill(-p.Pid, sig)
}
