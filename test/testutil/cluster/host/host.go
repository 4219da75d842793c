// Package host is what a node changes on the machine it runs on, and
// putting it back: the record of the host's state before (host.json),
// sysctls, mounts, cgroups, iptables chains, the pods' bridge, the node
// address. It links no Kubernetes client, so its tests are quick.
package host

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// State is what the cluster changes outside its state directory,
// recorded before the change (in host.json) so that teardown, in this run
// or a later one, puts the host back as it was.
type State struct {
	// Sysctls maps a /proc/sys path to its value before the cluster
	// started: CNI's bridge plugin turns on IP forwarding, the kubelet sets
	// kernel tunables.
	Sysctls map[string]string `json:"sysctls"`
	// Created lists host directories that did not exist before: the
	// kubelet, containerd's shims and libcni write to a few fixed paths.
	Created []string `json:"created"`
	// AddedIP is true when the node address was added to lo by us.
	AddedIP bool   `json:"addedIP"`
	NodeIP  string `json:"nodeIP"`
	Bridge  string `json:"bridge"`
	// CNINetwork names libcni's cache files (/var/lib/cni/results/<name>-*).
	CNINetwork string `json:"cniNetwork"`
	// KubeProxy is the kube-proxy binary, whose --cleanup removes its rules.
	KubeProxy string `json:"kubeProxy"`
}

// savedSysctls are the host settings a node may change.
var savedSysctls = []string{
	"net/ipv4/ip_forward",
	"net/ipv4/conf/all/route_localnet",
	"net/bridge/bridge-nf-call-iptables",
	"net/bridge/bridge-nf-call-ip6tables",
	"vm/overcommit_memory",
	"vm/panic_on_oom",
	"kernel/panic",
	"kernel/panic_on_oops",
	"kernel/keys/root_maxkeys",
	"kernel/keys/root_maxbytes",
	"net/netfilter/nf_conntrack_max",
	"net/netfilter/nf_conntrack_tcp_timeout_established",
	"net/netfilter/nf_conntrack_tcp_timeout_close_wait",
}

// fixedHostPaths are directories outside the state directory that the node
// writes to whatever it is told: the kubelet's device plugin socket and
// container log links, containerd's shim sockets, libcni's cache.
var fixedHostPaths = []string{"/var/lib/kubelet", "/var/log/containers", "/run/containerd", "/var/lib/cni"}

// ReadSysctl reads a /proc/sys setting; ok is false when there is none.
func ReadSysctl(name string) (string, bool) {
	b, err := os.ReadFile(filepath.Join("/proc/sys", name)) //nolint:gosec // G304: a /proc/sys path from the fixed list savedSysctls
	if err != nil {
		return "", false
	}
	return strings.TrimSpace(string(b)), true
}

// WriteSysctl sets a /proc/sys setting.
func WriteSysctl(name, value string) error {
	return os.WriteFile(filepath.Join("/proc/sys", name), []byte(value+"\n"), 0o644) //nolint:gosec // G306: a /proc/sys setting (the mode is ignored)
}

// Record reads the host's state before a node with these names changes it.
func Record(nodeIP, bridge, cniNetwork, kubeProxy string) (*State, error) {
	h := &State{
		Sysctls:    map[string]string{},
		NodeIP:     nodeIP,
		Bridge:     bridge,
		CNINetwork: cniNetwork,
		KubeProxy:  kubeProxy,
	}
	for _, s := range savedSysctls {
		if v, ok := ReadSysctl(s); ok {
			h.Sysctls[s] = v
		}
	}
	for _, p := range fixedHostPaths {
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			h.Created = append(h.Created, p)
		}
	}
	has, err := HasAddress(nodeIP)
	if err != nil {
		return nil, err
	}
	h.AddedIP = !has
	return h, nil
}

// Save writes h to dir/host.json.
func (h *State) Save(dir string) error {
	b, err := json.MarshalIndent(h, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "host.json"), b, 0o644) //nolint:gosec // G306: host.json, the host's settings before the cluster, nothing secret
}

// Load reads dir/host.json, or returns nil when there is none.
func Load(dir string) (*State, error) {
	b, err := os.ReadFile(filepath.Join(dir, "host.json")) //nolint:gosec // G304: host.json in the state directory
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var h State
	if err := json.Unmarshal(b, &h); err != nil {
		return nil, fmt.Errorf("%s/host.json: %w", dir, err)
	}
	return &h, nil
}

// Run runs a host tool and returns what it printed.
func Run(name string, args ...string) (string, error) {
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...) //nolint:gosec // G204: ip, iptables and kube-proxy with arguments built here
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// HasAddress reports whether ip is on lo.
func HasAddress(ip string) (bool, error) {
	out, err := Run("ip", "-o", "addr", "show", "dev", "lo")
	if err != nil {
		return false, err
	}
	return strings.Contains(out, " "+ip+"/"), nil
}

// MountPoints lists the mount points of this mount namespace, deepest
// first.
func MountPoints() ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	var mps []string
	s := bufio.NewScanner(f)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		fields := strings.Fields(s.Text())
		if len(fields) > 4 {
			mps = append(mps, unescapeMount(fields[4]))
		}
	}
	slices.SortFunc(mps, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	return mps, s.Err()
}

// unescapeMount decodes mountinfo's octal escapes (\040 for a space, ...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Under reports whether path is dir or below it.
func Under(path, dir string) bool {
	path, dir = filepath.Clean(path), filepath.Clean(dir)
	return path == dir || strings.HasPrefix(path, strings.TrimSuffix(dir, "/")+"/")
}

// UnmountUnder detaches every mount at or below the given directories.
func UnmountUnder(dirs ...string) error {
	var errs []error
	for range 5 {
		mps, err := MountPoints()
		if err != nil {
			return err
		}
		errs = errs[:0]
		left := 0
		for _, mp := range mps {
			if !slices.ContainsFunc(dirs, func(d string) bool { return Under(mp, d) }) {
				continue
			}
			left++
			if err := syscall.Unmount(mp, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
				errs = append(errs, fmt.Errorf("unmounting %s: %w", mp, err))
			}
		}
		if left == 0 {
			return nil
		}
	}
	return errors.Join(errs...)
}

// CgroupRoots are the mount points of the cgroup hierarchies.
func CgroupRoots() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }()
	var roots []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Text()
		_, post, ok := strings.Cut(line, " - ")
		if !ok {
			continue
		}
		fstype := strings.Fields(post)[0]
		if fstype == "cgroup" || fstype == "cgroup2" {
			roots = append(roots, unescapeMount(strings.Fields(line)[4]))
		}
	}
	return roots
}

// RemoveKubepods kills what is left in the kubelet's cgroups (containers
// whose shim is gone) and removes them, deepest first.
func RemoveKubepods() error {
	var dirs []string
	for _, root := range CgroupRoots() {
		top := filepath.Join(root, "kubepods")
		if _, err := os.Stat(top); err != nil {
			continue
		}
		_ = filepath.WalkDir(top, func(p string, d os.DirEntry, err error) error {
			if err == nil && d.IsDir() {
				dirs = append(dirs, p)
			}
			return nil
		})
	}
	if len(dirs) == 0 {
		return nil
	}
	for _, d := range dirs {
		for _, pid := range cgroupPIDs(d) {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
	slices.SortFunc(dirs, func(a, b string) int { return strings.Count(b, "/") - strings.Count(a, "/") })
	var last error
	for range 50 {
		last = nil
		for _, d := range dirs {
			if err := syscall.Rmdir(d); err != nil && !errors.Is(err, syscall.ENOENT) {
				last = fmt.Errorf("removing cgroup %s: %w", d, err)
			}
		}
		if last == nil {
			return nil
		}
		time.Sleep(100 * time.Millisecond)
	}
	return last
}

func cgroupPIDs(dir string) []int {
	b, err := os.ReadFile(filepath.Join(dir, "cgroup.procs")) //nolint:gosec // G304: cgroup.procs of a kubelet cgroup
	if err != nil {
		return nil
	}
	var pids []int
	for f := range strings.FieldsSeq(string(b)) {
		if n, err := strconv.Atoi(f); err == nil {
			pids = append(pids, n)
		}
	}
	return pids
}

// chainPrefixes are the iptables chains kube-proxy, the kubelet and the CNI
// plugins create.
var chainPrefixes = []string{"KUBE-", "CNI-"}

func ours(chain string) bool {
	return slices.ContainsFunc(chainPrefixes, func(p string) bool { return strings.HasPrefix(chain, p) })
}

// savedRules is what iptables-save (or ip6tables-save) shows of ours:
// our chains, table by table in the order listed, and the rules of other
// chains that jump to them.
type savedRules struct {
	chains []tableEntry // text: the chain's name
	jumps  []tableEntry // text: the rule without its leading "-A "
}

// tableEntry is a line of iptables-save and the table it stands in.
type tableEntry struct{ table, text string }

// readRules runs tool-save and parses what it prints; ok is false when the
// tool is missing or fails.
func readRules(tool string) (rules savedRules, ok bool) {
	out, err := Run(tool + "-save")
	if err != nil {
		return rules, false
	}
	table := ""
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case strings.HasPrefix(line, "*"):
			table = line[1:]
		case strings.HasPrefix(line, ":"):
			if name := strings.Fields(line[1:])[0]; ours(name) {
				rules.chains = append(rules.chains, tableEntry{table, name})
			}
		case strings.HasPrefix(line, "-A "):
			f := strings.Fields(line)
			if len(f) > 1 && !ours(f[1]) && slices.ContainsFunc(f, func(w string) bool { return ours(w) }) {
				rules.jumps = append(rules.jumps, tableEntry{table, strings.TrimPrefix(line, "-A ")})
			}
		}
	}
	return rules, true
}

// ChainsLeft lists, for iptables and ip6tables, the tables holding
// chains of ours.
func ChainsLeft() []string {
	var left []string
	for _, tool := range []string{"iptables", "ip6tables"} {
		rules, _ := readRules(tool)
		for _, c := range rules.chains {
			left = append(left, fmt.Sprintf("%s -t %s chain %s", tool, c.table, c.text))
		}
	}
	return left
}

// RemoveChains deletes the rules that jump to chains of ours from the
// built-in chains, then flushes and deletes our chains.
func RemoveChains() error {
	var errs []error
	for _, tool := range []string{"iptables", "ip6tables"} {
		rules, ok := readRules(tool)
		if !ok {
			continue
		}
		chains := map[string][]string{}
		for _, c := range rules.chains {
			chains[c.table] = append(chains[c.table], c.text)
		}
		for _, j := range rules.jumps {
			args := append([]string{"-w", "-t", j.table, "-D"}, splitRule(j.text)...)
			if _, err := Run(tool, args...); err != nil {
				errs = append(errs, err)
			}
		}
		for t, names := range chains {
			for _, n := range names {
				_, _ = Run(tool, "-w", "-t", t, "-F", n)
			}
			for _, n := range names {
				if _, err := Run(tool, "-w", "-t", t, "-X", n); err != nil {
					errs = append(errs, err)
				}
			}
		}
	}
	return errors.Join(errs...)
}

// splitRule splits an iptables-save rule into arguments, keeping quoted
// comments whole.
func splitRule(s string) []string {
	var args []string
	var cur strings.Builder
	quoted := false
	for _, r := range s {
		switch {
		case r == '"':
			quoted = !quoted
		case r == ' ' && !quoted:
			if cur.Len() > 0 {
				args = append(args, cur.String())
				cur.Reset()
			}
		default:
			cur.WriteRune(r)
		}
	}
	if cur.Len() > 0 {
		args = append(args, cur.String())
	}
	return args
}

// LinkExists reports whether a network link of that name exists.
func LinkExists(name string) bool {
	_, err := os.Stat(filepath.Join("/sys/class/net", name))
	return err == nil
}

// RemoveBridge deletes the pods' bridge and any veth still attached to it.
func RemoveBridge(name string) error {
	if !LinkExists(name) {
		return nil
	}
	entries, _ := os.ReadDir(filepath.Join("/sys/class/net", name, "brif"))
	var errs []error
	for _, e := range entries {
		if _, err := Run("ip", "link", "del", e.Name()); err != nil && LinkExists(e.Name()) {
			errs = append(errs, err)
		}
	}
	if _, err := Run("ip", "link", "del", name); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// FirstIP is the first host address of an IPv4 range, such as a Service
// range's kubernetes Service address.
func FirstIP(cidr string) (net.IP, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return nil, err
	}
	ip := n.IP.To4()
	if ip == nil {
		return nil, fmt.Errorf("%s: IPv4 only", cidr)
	}
	out := slices.Clone(ip)
	out[3]++
	return out, nil
}
