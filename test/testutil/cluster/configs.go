package cluster

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

const (
	// bridgeName is the pods' Linux bridge; nothing else is attached to it.
	bridgeName = "oco-cni0"
	// cniNetwork names the CNI network (and libcni's cache files).
	cniNetwork = "oco-pods"
	// nodeName is the node's name in the API.
	nodeName = "oco-node"
)

// containerdConfig is containerd 2.x's configuration: everything under the
// state directory, the Debian runc, the cgroupfs driver, our pause image,
// CNI from /usr/lib/cni, and the plugins the node does not need turned off
// (some write to fixed host paths).
func (c *Cluster) containerdConfig() string {
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	dirs := make([]string, len(c.cfg.CNIBinDirs))
	for i, dir := range c.cfg.CNIBinDirs {
		dirs[i] = q(dir)
	}
	return fmt.Sprintf(`version = 3
root = %s
state = %s
disabled_plugins = [
  "io.containerd.internal.v1.opt",
  "io.containerd.nri.v1.nri",
  "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp",
  "io.containerd.snapshotter.v1.blockfile",
  "io.containerd.snapshotter.v1.erofs",
  "io.containerd.differ.v1.erofs",
]

[grpc]
  address = %s

[ttrpc]
  address = %s

[debug]
  address = ""

[metrics]
  address = ""

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = %s

[plugins.'io.containerd.cri.v1.runtime']
  # This host withholds CAP_SYS_RESOURCE even from root: without this every
  # sandbox fails with "can't get final child's PID from pipe".
  restrict_oom_score_adj = %t
  netns_mounts_under_state_dir = true
  cdi_spec_dirs = []
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = %s
        Root = %s
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [%s]
    conf_dir = %s

[plugins.'io.containerd.grpc.v1.cri']
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
`,
		q(c.path("containerd/root")), q(c.path("containerd/state")),
		q(c.containerdSocket()), q(c.path("containerd/ttrpc.sock")),
		q(c.cfg.PauseImage),
		!hasCapability(capSysResource),
		q(c.bin["runc"]), q(c.path("containerd/runc")),
		strings.Join(dirs, ", "), q(c.path("cni/net.d")),
	)
}

func (c *Cluster) containerdSocket() string { return c.path("containerd/containerd.sock") }

// cniConfig is a bridge with host-local addresses and a route to the host:
// pods reach the node address and each other, and nothing leaves the host
// (no masquerading, nothing but pods on the bridge).
func (c *Cluster) cniConfig() ([]byte, error) {
	cfg := map[string]any{
		"cniVersion": "1.0.0",
		"name":       cniNetwork,
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      bridgeName,
				"isGateway":   true,
				"ipMasq":      false,
				"hairpinMode": true,
				"ipam": map[string]any{
					"type":    "host-local",
					"ranges":  []any{[]any{map[string]any{"subnet": c.cfg.PodCIDR}}},
					"routes":  []any{map[string]any{"dst": "0.0.0.0/0"}},
					"dataDir": c.path("cni/ipam"),
				},
			},
		},
	}
	return json.MarshalIndent(cfg, "", "  ")
}

func (c *Cluster) kubeletConfig() string {
	failCgroupV1 := ""
	if cgroupV1() {
		// This host mounts cgroup v1; kubelet 1.35+ refuses it unless told.
		failCgroupV1 = "failCgroupV1: false\n"
	}
	return fmt.Sprintf(`apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: %s
port: 10250
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: 10248
tlsCertFile: %s
tlsPrivateKeyFile: %s
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: %s}
authorization:
  mode: Webhook
cgroupDriver: cgroupfs
%sfailSwapOn: false
containerRuntimeEndpoint: unix://%s
podLogsDir: %s
# A Secret change reaches mounted files within seconds, not a minute.
syncFrequency: 5s
serializeImagePulls: false
# Images are imported, not pulled: never collect them, and never evict
# for a full disk on a shared CI machine.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: 1Mi
  nodefs.available: 1%%
  nodefs.inodesFree: 1%%
  imagefs.available: 1%%
maxPods: 30
`, c.cfg.NodeIP, c.path("pki/kubelet-serving.crt"), c.path("pki/kubelet-serving.key"), c.path("pki/ca.crt"),
		failCgroupV1, c.containerdSocket(), c.path("pod-logs"))
}

func (c *Cluster) kubeProxyConfig() string {
	return fmt.Sprintf(`apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
mode: iptables
clientConnection:
  kubeconfig: %s
hostnameOverride: %s
clusterCIDR: %s
healthzBindAddress: %s:10256
metricsBindAddress: 127.0.0.1:10249
nodePortAddresses: [%s/32]
iptables:
  localhostNodePorts: false
# Leave the host's conntrack settings alone.
conntrack:
  maxPerCore: 0
  min: 0
  tcpEstablishedTimeout: 0s
  tcpCloseWaitTimeout: 0s
`, c.path("kubeconfig/kube-proxy"), nodeName, c.cfg.PodCIDR, c.cfg.NodeIP, c.cfg.NodeIP)
}

func cgroupV1() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err != nil
}

const capSysResource = 24

// hasCapability reports whether the bounding set holds capability n.
func hasCapability(n uint) bool {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return true
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			var mask uint64
			if _, err := fmt.Sscanf(strings.TrimSpace(v), "%x", &mask); err != nil {
				return true
			}
			return mask&(1<<n) != 0
		}
	}
	return true
}

func writeFile(name string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil { //nolint:gosec // G301: the cluster's state directory; the node's components (root) share it
		return err
	}
	return os.WriteFile(name, data, 0o644) //nolint:gosec // G306: configuration the node's components read, nothing secret
}
