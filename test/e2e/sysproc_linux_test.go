package e2e

import (
	"os"
	"syscall"
)

// sysProcAttr puts a manager in its own process group and has the kernel
// kill it should the test binary die, so no manager outlives a test run.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup sends sig to the process group led by p.
func signalGroup(p *os.Process, sig syscall.Signal) {
	_ = syscall.Kill(-p.Pid, sig)
}
