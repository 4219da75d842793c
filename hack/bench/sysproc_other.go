//go:build !linux

package main

import "syscall"

// sysProcAttr has nothing to add off Linux (where /proc memory readings
// are not available either).
func sysProcAttr() *syscall.SysProcAttr { return nil }
