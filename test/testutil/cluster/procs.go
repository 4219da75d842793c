package cluster

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// A process of the node (etcd, kube-apiserver, containerd, kubelet, ...):
// started with its output in logs/<name>.log and its PID and binary in
// pids/<name>, so that a later run can stop it even when this one died.
type process struct {
	name string
	cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// StartProcess runs bin as one of the cluster's processes: its output in
// logs/<name>.log, its PID recorded, stopped by Down (or by the next Up
// after a crash). env is added to the environment (use it for secrets,
// which a command line would show).
func (c *Cluster) StartProcess(name string, env []string, bin string, args ...string) error {
	_, err := c.startEnv(name, env, bin, args...)
	return err
}

// StopProcess stops a process StartProcess started.
func (c *Cluster) StopProcess(name string) error {
	return stopRecorded(c.dir, name, 10*time.Second)
}

func (c *Cluster) start(name, bin string, args ...string) (*process, error) {
	return c.startEnv(name, nil, bin, args...)
}

func (c *Cluster) startEnv(name string, env []string, bin string, args ...string) (*process, error) {
	logFile, err := os.OpenFile(filepath.Join(c.dir, "logs", name+".log"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644) //nolint:gosec // G304: a component's log in the state directory
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...) //nolint:gosec // G204: the cluster's own binaries with arguments built here
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Dir = c.dir
	// Its own process group: a ^C to the test does not reach it first, and
	// stopping it is our job.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Env = append(append(os.Environ(), "PATH="+c.envPath()), env...)
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		_ = logFile.Close()
		close(p.done)
	}()
	record := fmt.Sprintf("%d %s\n", cmd.Process.Pid, bin)
	if err := os.WriteFile(filepath.Join(c.dir, "pids", name), []byte(record), 0o644); err != nil { //nolint:gosec // G306: the PID record, nothing secret
		return nil, err
	}
	c.procs = append(c.procs, p)
	c.logf("started %s (pid %d)", name, cmd.Process.Pid)
	return p, nil
}

// exited reports the error of a process that has stopped, nil while it runs.
func (p *process) exited() error {
	select {
	case <-p.done:
		if p.err == nil {
			return fmt.Errorf("%s exited", p.name)
		}
		return fmt.Errorf("%s exited: %w", p.name, p.err)
	default:
		return nil
	}
}

// stopPID stops the process recorded as pid running bin: SIGTERM, then
// SIGKILL after grace. A PID that now belongs to another program is left
// alone.
func stopPID(pid int, bin string, grace time.Duration) error {
	if !runs(pid, bin) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if !runs(pid, bin) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	deadline = time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if !runs(pid, bin) {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return fmt.Errorf("pid %d (%s) survives SIGKILL", pid, filepath.Base(bin))
}

// runs reports whether pid is alive (not a zombie) and runs bin.
func runs(pid int, bin string) bool {
	exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", pid))
	if err != nil {
		return false
	}
	exe = strings.TrimSuffix(exe, " (deleted)")
	if exe != bin {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name.
	if i := strings.LastIndexByte(string(stat), ')'); i >= 0 && i+2 < len(stat) && stat[i+2] == 'Z' {
		return false
	}
	return true
}

// stopRecorded stops the process recorded under pids/name, if any, and
// removes the record.
func stopRecorded(dir, name string, grace time.Duration) error {
	file := filepath.Join(dir, "pids", name)
	data, err := os.ReadFile(file) //nolint:gosec // G304: a PID record in the state directory
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	pidStr, bin, ok := strings.Cut(strings.TrimSpace(string(data)), " ")
	pid, perr := strconv.Atoi(pidStr)
	if !ok || perr != nil {
		return fmt.Errorf("%s: unreadable record %q", file, data)
	}
	if err := stopPID(pid, bin, grace); err != nil {
		return err
	}
	return os.Remove(file)
}

// processesMatching lists the PIDs whose command line contains every one of
// the given strings.
func processesMatching(parts ...string) []int {
	entries, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(raw) == 0 {
			continue
		}
		cmdline := strings.ReplaceAll(string(raw), "\x00", " ")
		all := true
		for _, p := range parts {
			if !strings.Contains(cmdline, p) {
				all = false
				break
			}
		}
		if all {
			pids = append(pids, pid)
		}
	}
	return pids
}
