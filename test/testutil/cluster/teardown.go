package cluster

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/cluster/host"
)

// stopOrder is the order components stop in: nothing recreates pods once
// the controller manager is gone, and the kubelet goes before containerd.
var stopOrder = []string{"kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kube-apiserver", "etcd", "containerd"}

// Down removes every pod while the kubelet still runs (so each sandbox's
// network is torn down by CNI as usual), then tears everything down (see
// Teardown) and reports anything left behind as an error.
func (c *Cluster) Down() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if c.Clientset != nil && c.running("kubelet") && c.running("kube-apiserver") {
		_ = stopRecorded(c.dir, "kube-controller-manager", 10*time.Second)
		if err := c.drainPods(ctx); err != nil {
			c.logf("removing pods: %v (tearing down anyway)", err)
		}
	}
	return Teardown(c.dir, c.cfg.Logf)
}

func (c *Cluster) running(name string) bool {
	for _, p := range c.procs {
		if p.name == name {
			return p.exited() == nil
		}
	}
	return false
}

// drainPods deletes every pod at once and waits until containerd runs no
// task: the kubelet has stopped each sandbox, and CNI has released its
// address and veth.
func (c *Cluster) drainPods(ctx context.Context) error {
	zero := int64(0)
	pods, err := c.Clientset.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
	if err != nil {
		return err
	}
	for _, p := range pods.Items {
		_ = c.Clientset.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	}
	return poll(ctx, time.Minute, "every sandbox stopped", func() (bool, error) {
		out, err := c.ctr(ctx, "-n", "k8s.io", "tasks", "ls", "-q")
		if err != nil {
			return false, nil
		}
		return strings.TrimSpace(out) == "", nil
	})
}

// Teardown stops what a cluster in dir left running and undoes its changes
// to the host, whether Down runs it or Up finds a previous run's state
// (after a crash, or a cluster kept up for exploration). The logs stay in
// dir/logs; everything else in dir goes. It returns an error listing
// anything it could not remove.
func Teardown(dir string, logf func(string, ...any)) error {
	if logf == nil {
		logf = func(string, ...any) {}
	}
	h, err := host.Load(dir)
	if err != nil {
		return err
	}
	pids, _ := os.ReadDir(filepath.Join(dir, "pids"))
	if h == nil && len(pids) == 0 {
		return nil
	}
	logf("tearing down the cluster in %s", dir)
	var errs []error
	add := func(what string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", what, err))
		}
	}

	// Processes, by recorded PID.
	for _, name := range stopOrder {
		if name == "containerd" {
			killContainers(dir)
		}
		add("stopping "+name, stopRecorded(dir, name, 15*time.Second))
	}
	for _, e := range pids {
		add("stopping "+e.Name(), stopRecorded(dir, e.Name(), 10*time.Second))
	}
	// Shims outlive containerd; they are ours when they name our socket.
	socket := filepath.Join(dir, "containerd", "containerd.sock")
	for _, pid := range processesMatching("containerd-shim", socket) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	// Container processes whose shim is gone live on in the pods' cgroups.
	add("removing the kubelet's cgroups", host.RemoveKubepods())

	// Network: kube-proxy's own cleanup, then anything named like its or
	// CNI's chains, the bridge, the address, the sysctls.
	if h != nil {
		if h.KubeProxy != "" {
			if _, err := os.Stat(h.KubeProxy); err == nil {
				_, _ = host.Run(h.KubeProxy, "--cleanup")
			}
		}
		add("removing iptables chains", host.RemoveChains())
		add("removing the bridge", host.RemoveBridge(h.Bridge))
		if h.AddedIP {
			if has, _ := host.HasAddress(h.NodeIP); has {
				_, err := host.Run("ip", "addr", "del", h.NodeIP+"/32", "dev", "lo")
				add("removing the node address", err)
			}
		}
		for _, name := range slices.Sorted(maps.Keys(h.Sysctls)) {
			if v, ok := host.ReadSysctl(name); ok && v != h.Sysctls[name] {
				add("restoring "+name, host.WriteSysctl(name, h.Sysctls[name]))
			}
		}
	}

	// Mounts, then files.
	dirs := []string{dir}
	if h != nil {
		dirs = append(dirs, h.Created...)
	}
	add("unmounting", host.UnmountUnder(dirs...))
	if h != nil {
		add("removing host files", removeHostFiles(dir, h))
	}
	if mps, _ := host.MountPoints(); !slices.ContainsFunc(mps, func(mp string) bool { return host.Under(mp, dir) }) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Name() != "logs" && e.Name() != "host.json" {
				add("removing "+e.Name(), os.RemoveAll(filepath.Join(dir, e.Name())))
			}
		}
	} else {
		errs = append(errs, fmt.Errorf("mounts remain under %s; not removing it", dir))
	}

	if left := leftovers(dir, h); len(left) > 0 {
		errs = append(errs, fmt.Errorf("left behind: %s", strings.Join(left, "; ")))
	}
	// The record of the host's state goes last, once nothing needs it.
	if len(errs) == 0 {
		add("removing host.json", os.RemoveAll(filepath.Join(dir, "host.json")))
	}
	return errors.Join(errs...)
}

// killContainers removes what containerd still runs (a kubelet that died
// before its pods did).
func killContainers(dir string) {
	file := filepath.Join(dir, "pids", "containerd")
	data, err := os.ReadFile(file) //nolint:gosec // G304: the containerd PID record in the state directory
	if err != nil {
		return
	}
	var pid int
	var bin string
	if _, err := fmt.Sscanf(string(data), "%d %s", &pid, &bin); err != nil || !runs(pid, bin) {
		return
	}
	ctr := filepath.Join(filepath.Dir(bin), "ctr")
	socket := filepath.Join(dir, "containerd", "containerd.sock")
	out, err := host.Run(ctr, "--address", socket, "-n", "k8s.io", "tasks", "ls", "-q")
	if err != nil {
		return
	}
	for id := range strings.FieldsSeq(out) {
		_, _ = host.Run(ctr, "--address", socket, "-n", "k8s.io", "tasks", "kill", "-s", "SIGKILL", id)
	}
	time.Sleep(500 * time.Millisecond)
	for id := range strings.FieldsSeq(out) {
		_, _ = host.Run(ctr, "--address", socket, "-n", "k8s.io", "tasks", "delete", "-f", id)
	}
}

// removeHostFiles removes what the node wrote to fixed host paths: the
// directories it created, else only its own entries in them.
func removeHostFiles(dir string, h *host.State) error {
	var errs []error
	created := func(p string) bool { return slices.Contains(h.Created, p) }
	// The kubelet's links to container logs point into our pod-logs.
	if entries, err := os.ReadDir("/var/log/containers"); err == nil && !created("/var/log/containers") {
		for _, e := range entries {
			p := filepath.Join("/var/log/containers", e.Name())
			if target, err := os.Readlink(p); err == nil && host.Under(target, dir) {
				errs = append(errs, os.Remove(p))
			}
		}
	}
	// libcni caches each attachment as results/<network>-<container>-<if>.
	if !created("/var/lib/cni") {
		matches, _ := filepath.Glob(filepath.Join("/var/lib/cni/results", h.CNINetwork+"-*"))
		for _, m := range matches {
			errs = append(errs, os.Remove(m))
		}
	}
	for _, p := range h.Created {
		errs = append(errs, os.RemoveAll(p))
	}
	return errors.Join(errs...)
}

// leftovers lists what of a cluster in dir is still on the host.
func leftovers(dir string, h *host.State) []string {
	var left []string
	entries, _ := os.ReadDir(filepath.Join(dir, "pids"))
	for _, e := range entries {
		left = append(left, "pid record "+e.Name())
	}
	if pids := processesMatching("containerd-shim", filepath.Join(dir, "containerd", "containerd.sock")); len(pids) > 0 {
		left = append(left, fmt.Sprintf("shim processes %v", pids))
	}
	if mps, err := host.MountPoints(); err == nil {
		for _, mp := range mps {
			if host.Under(mp, dir) || (h != nil && slices.ContainsFunc(h.Created, func(d string) bool { return host.Under(mp, d) })) {
				left = append(left, "mount "+mp)
			}
		}
	}
	for _, root := range host.CgroupRoots() {
		if _, err := os.Stat(filepath.Join(root, "kubepods")); err == nil {
			left = append(left, "cgroup "+filepath.Join(root, "kubepods"))
		}
	}
	left = append(left, host.ChainsLeft()...)
	if h != nil {
		if host.LinkExists(h.Bridge) {
			left = append(left, "bridge "+h.Bridge)
		}
		if has, _ := host.HasAddress(h.NodeIP); has && h.AddedIP {
			left = append(left, "address "+h.NodeIP+" on lo")
		}
		for _, p := range h.Created {
			if _, err := os.Lstat(p); err == nil {
				left = append(left, "directory "+p)
			}
		}
		for name, want := range h.Sysctls {
			if v, ok := host.ReadSysctl(name); ok && v != want {
				left = append(left, fmt.Sprintf("sysctl %s=%s (was %s)", name, v, want))
			}
		}
	}
	return left
}
