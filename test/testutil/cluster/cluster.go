// Package cluster runs a real single-node Kubernetes cluster on this
// machine for tests: etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler, containerd with runc, the kubelet and kube-proxy, as
// processes started from binaries built by hack/envtest-assets.sh and
// hack/node-assets.sh. It needs root (mounts, network namespaces, iptables,
// cgroups).
//
// The node lives on a private address on the loopback interface and its
// pods on a bridge with nothing else attached; no component listens beyond
// the loopback interface, nothing is masqueraded. Images are imported from
// OCI archives, never pulled.
//
// Everything is under one state directory, except what the node writes to
// fixed host paths; host.json records what the host looked like before, so
// that Down, or Up in a later run after a crash, puts it back: processes by
// PID, mounts, cgroups, iptables chains, the bridge, the address, sysctls.
package cluster

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/cluster/host"
)

// Config describes the cluster.
type Config struct {
	// StateDir holds everything of the cluster; default
	// $TMPDIR/oauth-client-operator-cluster. What a previous run left
	// there is torn down first.
	StateDir string
	// AssetDirs are searched for the Kubernetes binaries, containerd, ctr
	// and helm (never $PATH, so no kubectl on the machine is used).
	AssetDirs []string
	// NodeIP is the node's address, put on lo; default 10.200.0.1.
	NodeIP string
	// PodCIDR and ServiceCIDR; defaults 10.244.0.0/24 and 10.96.0.0/24.
	PodCIDR, ServiceCIDR string
	// PauseImage is the sandbox image's reference; it must be in Images.
	PauseImage string
	// Images are OCI archives imported into containerd before the kubelet
	// starts.
	Images []string
	// CNIBinDirs hold the CNI plugins; default /usr/lib/cni (Debian's).
	CNIBinDirs []string
	// Logf reports progress; default none.
	Logf func(format string, args ...any)
}

// Cluster is a running cluster.
type Cluster struct {
	cfg   Config
	dir   string
	bin   map[string]string
	host  *host.State
	procs []*process

	// Kubeconfig is an admin kubeconfig file.
	Kubeconfig string
	// REST is the admin client configuration.
	REST *rest.Config
	// Clientset is an admin client.
	Clientset kubernetes.Interface
}

// NodeIP is the node's address: where the API server, the kubelet and
// anything the test serves to pods listen.
func (c *Cluster) NodeIP() string { return c.cfg.NodeIP }

// Dir is the state directory; logs/ holds each component's log.
func (c *Cluster) Dir() string { return c.dir }

// DefaultStateDir is where the cluster lives unless told otherwise.
func DefaultStateDir() string { return filepath.Join(os.TempDir(), "oauth-client-operator-cluster") }

// kubeBinaries are found in Config.AssetDirs; system tools in $PATH.
var (
	kubeBinaries   = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubelet", "kube-proxy", "kubectl", "containerd", "containerd-shim-runc-v2", "ctr", "helm"}
	systemBinaries = []string{"runc", "iptables", "ip6tables", "iptables-save", "ip6tables-save", "ip"}
)

func (cfg *Config) defaults() {
	if cfg.StateDir == "" {
		cfg.StateDir = DefaultStateDir()
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = "10.200.0.1"
	}
	if cfg.PodCIDR == "" {
		cfg.PodCIDR = "10.244.0.0/24"
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = "10.96.0.0/24"
	}
	if len(cfg.CNIBinDirs) == 0 {
		cfg.CNIBinDirs = []string{"/usr/lib/cni"}
	}
	if cfg.Logf == nil {
		cfg.Logf = func(string, ...any) {}
	}
}

func (c *Cluster) logf(format string, args ...any) { c.cfg.Logf(format, args...) }

// path is a path under the state directory.
func (c *Cluster) path(rel string) string { return filepath.Join(c.dir, filepath.FromSlash(rel)) }

// envPath is $PATH for the node's processes: the asset directories first
// (containerd finds its shim there), then the system's.
func (c *Cluster) envPath() string {
	return strings.Join(append(slices.Clone(c.cfg.AssetDirs), os.Getenv("PATH")), string(os.PathListSeparator))
}

func findBinaries(cfg Config) (map[string]string, error) {
	bins := map[string]string{}
	var missing []string
	for _, name := range kubeBinaries {
		for _, dir := range cfg.AssetDirs {
			p := filepath.Join(dir, name)
			if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
				bins[name] = p
				break
			}
		}
		if bins[name] == "" {
			missing = append(missing, name)
		}
	}
	for _, name := range systemBinaries {
		p, err := exec.LookPath(name)
		if err != nil {
			missing = append(missing, name+" (system)")
			continue
		}
		bins[name] = p
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("not found: %s (asset directories %v; run hack/node-assets.sh and hack/envtest-assets.sh)", strings.Join(missing, ", "), cfg.AssetDirs)
	}
	return bins, nil
}

// Up tears down what a previous run left in the state directory, then
// starts the cluster and returns once the node is Ready and pods can reach
// the API server through its Service. On error everything started is
// stopped again.
func Up(ctx context.Context, cfg Config) (*Cluster, error) {
	cfg.defaults()
	if os.Geteuid() != 0 {
		return nil, errors.New("a node needs root (mounts, network namespaces, iptables, cgroups)")
	}
	bins, err := findBinaries(cfg)
	if err != nil {
		return nil, err
	}
	if err := Teardown(cfg.StateDir, cfg.Logf); err != nil {
		return nil, fmt.Errorf("cleaning up a previous run: %w", err)
	}
	c := &Cluster{cfg: cfg, dir: cfg.StateDir, bin: bins}
	if err := c.up(ctx); err != nil {
		err = fmt.Errorf("%w%s", err, c.failureLogs())
		if derr := c.Down(); derr != nil {
			err = errors.Join(err, fmt.Errorf("tearing down: %w", derr))
		}
		return nil, err
	}
	return c, nil
}

func (c *Cluster) up(ctx context.Context) error {
	_ = os.RemoveAll(c.path("logs"))
	for _, d := range []string{"logs", "pids", "pki", "kubeconfig", "etcd", "containerd", "kubelet", "pod-logs", "cni/net.d", "cni/ipam", "helm"} {
		if err := os.MkdirAll(c.path(d), 0o755); err != nil { //nolint:gosec // G301: the cluster's state directory; the node's components (root) share it
			return err
		}
	}
	if err := c.recordHost(); err != nil {
		return fmt.Errorf("recording the host's state: %w", err)
	}
	start := time.Now()
	if err := c.writePKI(); err != nil {
		return fmt.Errorf("writing certificates: %w", err)
	}
	if err := c.addNodeIP(); err != nil {
		return fmt.Errorf("adding the node address: %w", err)
	}
	if err := c.startControlPlane(ctx); err != nil {
		return err
	}
	if err := c.startNode(ctx); err != nil {
		return err
	}
	c.logf("cluster up in %s (node %s at %s)", time.Since(start).Round(100*time.Millisecond), nodeName, c.cfg.NodeIP)
	return nil
}

func (c *Cluster) apiServerURL() string { return "https://" + net.JoinHostPort(c.cfg.NodeIP, "6443") }

func (c *Cluster) writePKI() error {
	p, err := newPKI(c.path("pki"))
	if err != nil {
		return err
	}
	serviceIP, err := host.FirstIP(c.cfg.ServiceCIDR)
	if err != nil {
		return err
	}
	node := net.ParseIP(c.cfg.NodeIP)
	specs := []certSpec{
		{name: "apiserver", cn: "kube-apiserver", server: true,
			ips: []net.IP{node, serviceIP, net.ParseIP("127.0.0.1")},
			dns: []string{"kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"}},
		{name: "apiserver-kubelet-client", cn: "kube-apiserver-kubelet-client", orgs: []string{"system:masters"}, client: true},
		{name: "kubelet-serving", cn: nodeName, server: true, ips: []net.IP{node}, dns: []string{nodeName}},
		{name: "admin", cn: "admin", orgs: []string{"system:masters"}, client: true},
		{name: "kube-controller-manager", cn: "system:kube-controller-manager", client: true},
		{name: "kube-scheduler", cn: "system:kube-scheduler", client: true},
		{name: "kube-proxy", cn: "system:kube-proxy", client: true},
		{name: "kubelet", cn: "system:node:" + nodeName, orgs: []string{"system:nodes"}, client: true},
	}
	for _, s := range specs {
		if err := p.issue(s); err != nil {
			return err
		}
	}
	if err := p.serviceAccountKey(); err != nil {
		return err
	}
	for _, name := range []string{"admin", "kube-controller-manager", "kube-scheduler", "kube-proxy", "kubelet"} {
		if err := p.kubeconfig(c.path("kubeconfig/"+name), c.apiServerURL(), name); err != nil {
			return err
		}
	}
	c.Kubeconfig = c.path("kubeconfig/admin")
	c.REST, err = clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		return err
	}
	c.REST.QPS, c.REST.Burst = 50, 100
	c.Clientset, err = kubernetes.NewForConfig(c.REST)
	return err
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer func() { _ = l.Close() }()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func (c *Cluster) startControlPlane(ctx context.Context) error {
	clientPort, err := freePort()
	if err != nil {
		return err
	}
	peerPort, err := freePort()
	if err != nil {
		return err
	}
	clientURL := fmt.Sprintf("http://127.0.0.1:%d", clientPort)
	peerURL := fmt.Sprintf("http://127.0.0.1:%d", peerPort)
	etcd, err := c.start("etcd", c.bin["etcd"],
		"--data-dir="+c.path("etcd"),
		"--listen-client-urls="+clientURL, "--advertise-client-urls="+clientURL,
		"--listen-peer-urls="+peerURL, "--initial-advertise-peer-urls="+peerURL,
		"--initial-cluster=default="+peerURL,
		"--unsafe-no-fsync", "--log-level=warn")
	if err != nil {
		return err
	}
	if err := waitHealthy(ctx, etcd, "etcd healthy", clientURL+"/health"); err != nil {
		return err
	}

	p := c.path
	apiserver, err := c.start("kube-apiserver", c.bin["kube-apiserver"],
		"--etcd-servers="+clientURL,
		"--bind-address="+c.cfg.NodeIP, "--advertise-address="+c.cfg.NodeIP, "--secure-port=6443",
		"--tls-cert-file="+p("pki/apiserver.crt"), "--tls-private-key-file="+p("pki/apiserver.key"),
		"--client-ca-file="+p("pki/ca.crt"),
		"--kubelet-client-certificate="+p("pki/apiserver-kubelet-client.crt"),
		"--kubelet-client-key="+p("pki/apiserver-kubelet-client.key"),
		// The node's Hostname resolves to 127.0.0.1 here, where the kubelet
		// does not listen: `kubectl logs` must use its InternalIP.
		"--kubelet-preferred-address-types=InternalIP,Hostname",
		"--service-cluster-ip-range="+c.cfg.ServiceCIDR,
		"--service-account-issuer=https://kubernetes.default.svc",
		"--service-account-key-file="+p("pki/sa.pub"),
		"--service-account-signing-key-file="+p("pki/sa.key"),
		"--authorization-mode=Node,RBAC",
		"--enable-admission-plugins=NodeRestriction",
		"--profiling=false",
		"--cert-dir="+p("pki/apiserver-generated"))
	if err != nil {
		return err
	}
	if err := poll(ctx, 2*time.Minute, "kube-apiserver ready", func() (bool, error) {
		if err := apiserver.exited(); err != nil {
			return false, err
		}
		body, err := c.Clientset.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil && string(body) == "ok", nil
	}); err != nil {
		return err
	}
	if _, err := c.start("kube-controller-manager", c.bin["kube-controller-manager"],
		"--kubeconfig="+p("kubeconfig/kube-controller-manager"),
		"--authentication-kubeconfig="+p("kubeconfig/kube-controller-manager"),
		"--authorization-kubeconfig="+p("kubeconfig/kube-controller-manager"),
		"--bind-address=127.0.0.1", "--secure-port=0",
		"--service-account-private-key-file="+p("pki/sa.key"),
		"--root-ca-file="+p("pki/ca.crt"),
		"--cluster-signing-cert-file="+p("pki/ca.crt"), "--cluster-signing-key-file="+p("pki/ca.key"),
		"--use-service-account-credentials",
		"--service-cluster-ip-range="+c.cfg.ServiceCIDR,
		"--leader-elect=false", "--profiling=false"); err != nil {
		return err
	}
	if _, err := c.start("kube-scheduler", c.bin["kube-scheduler"],
		"--kubeconfig="+p("kubeconfig/kube-scheduler"),
		"--authentication-kubeconfig="+p("kubeconfig/kube-scheduler"),
		"--authorization-kubeconfig="+p("kubeconfig/kube-scheduler"),
		"--bind-address=127.0.0.1", "--secure-port=0",
		"--leader-elect=false", "--profiling=false"); err != nil {
		return err
	}
	return nil
}

func (c *Cluster) startNode(ctx context.Context) error {
	if err := writeFile(c.path("containerd/config.toml"), []byte(c.containerdConfig())); err != nil {
		return err
	}
	cd, err := c.start("containerd", c.bin["containerd"], "--config="+c.path("containerd/config.toml"), "--log-level=warn")
	if err != nil {
		return err
	}
	if err := poll(ctx, time.Minute, "containerd serving", func() (bool, error) {
		if err := cd.exited(); err != nil {
			return false, err
		}
		_, err := c.ctr(ctx, "version")
		return err == nil, nil
	}); err != nil {
		return err
	}
	for _, img := range c.cfg.Images {
		if err := c.ImportImage(ctx, img); err != nil {
			return err
		}
	}
	cni, err := c.cniConfig()
	if err != nil {
		return err
	}
	if err := writeFile(c.path("cni/net.d/10-"+cniNetwork+".conflist"), cni); err != nil {
		return err
	}
	if err := writeFile(c.path("kubelet-config.yaml"), []byte(c.kubeletConfig())); err != nil {
		return err
	}
	kubelet, err := c.start("kubelet", c.bin["kubelet"],
		"--config="+c.path("kubelet-config.yaml"),
		"--kubeconfig="+c.path("kubeconfig/kubelet"),
		"--root-dir="+c.path("kubelet"),
		"--hostname-override="+nodeName,
		"--node-ip="+c.cfg.NodeIP,
		"--v=1")
	if err != nil {
		return err
	}
	if err := poll(ctx, 2*time.Minute, "node Ready", func() (bool, error) {
		if err := kubelet.exited(); err != nil {
			return false, err
		}
		n, err := c.Clientset.CoreV1().Nodes().Get(ctx, nodeName, metav1.GetOptions{})
		if err != nil {
			return false, nil
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				return cond.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	}); err != nil {
		return err
	}
	if err := writeFile(c.path("kube-proxy-config.yaml"), []byte(c.kubeProxyConfig())); err != nil {
		return err
	}
	proxy, err := c.start("kube-proxy", c.bin["kube-proxy"], "--config="+c.path("kube-proxy-config.yaml"))
	if err != nil {
		return err
	}
	healthz := "http://" + net.JoinHostPort(c.cfg.NodeIP, "10256") + "/healthz"
	if err := waitHealthy(ctx, proxy, "kube-proxy synced", healthz); err != nil {
		return err
	}
	// Pods need the default ServiceAccount and the root CA ConfigMap,
	// which the controller manager creates shortly after start.
	return poll(ctx, time.Minute, "default ServiceAccount and kube-root-ca.crt", func() (bool, error) {
		if _, err := c.Clientset.CoreV1().ServiceAccounts("default").Get(ctx, "default", metav1.GetOptions{}); err != nil {
			return false, nil
		}
		_, err := c.Clientset.CoreV1().ConfigMaps("default").Get(ctx, "kube-root-ca.crt", metav1.GetOptions{})
		return err == nil, nil
	})
}

// ImportImage imports an OCI archive into the node's image store, where
// the kubelet finds it (imagePullPolicy IfNotPresent or Never).
func (c *Cluster) ImportImage(ctx context.Context, archive string) error {
	if _, err := c.ctr(ctx, "-n", "k8s.io", "images", "import", "--local", archive); err != nil {
		return fmt.Errorf("importing %s: %w", archive, err)
	}
	c.logf("imported %s", filepath.Base(archive))
	return nil
}

func (c *Cluster) ctr(ctx context.Context, args ...string) (string, error) {
	return c.command(ctx, c.bin["ctr"], append([]string{"--address", c.containerdSocket()}, args...)...)
}

// Kubectl runs the kubectl built with the node binaries as cluster admin.
func (c *Cluster) Kubectl(ctx context.Context, args ...string) (string, error) {
	return c.command(ctx, c.bin["kubectl"], append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
}

// Helm runs helm as cluster admin, its caches under the state directory.
func (c *Cluster) Helm(ctx context.Context, args ...string) (string, error) {
	return c.command(ctx, c.bin["helm"], append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
}

func (c *Cluster) command(ctx context.Context, bin string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, bin, args...) //nolint:gosec // G204: the cluster's own binaries (kubectl, helm, ctr) with the test's arguments
	cmd.Env = append(os.Environ(),
		"PATH="+c.envPath(),
		"HELM_CACHE_HOME="+c.path("helm/cache"), "HELM_CONFIG_HOME="+c.path("helm/config"), "HELM_DATA_HOME="+c.path("helm/data"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return string(out), fmt.Errorf("%s %s: %w\n%s", filepath.Base(bin), strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return string(out), nil
}

// waitHealthy waits up to a minute until url (a health endpoint of p)
// answers 200 OK, and fails at once when p exits.
func waitHealthy(ctx context.Context, p *process, what, url string) error {
	return poll(ctx, time.Minute, what, func() (bool, error) {
		if err := p.exited(); err != nil {
			return false, err
		}
		resp, err := http.Get(url) //nolint:gosec // G107: a health endpoint of the cluster's own process, on its address
		if err != nil {
			return false, nil
		}
		_ = resp.Body.Close()
		return resp.StatusCode == http.StatusOK, nil
	})
}

// poll calls cond every 200ms until it reports true, returns an error, or
// timeout passes (an error naming what was awaited).
func poll(ctx context.Context, timeout time.Duration, what string, cond func() (bool, error)) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		ok, err := cond()
		if err != nil {
			return fmt.Errorf("waiting for %s: %w", what, err)
		}
		if ok {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: not after %s", what, timeout)
		case <-t.C:
		}
	}
}

// failureLogs is the end of each component's log that has exited, for an
// error message.
func (c *Cluster) failureLogs() string {
	var b strings.Builder
	for _, p := range c.procs {
		if p.exited() == nil {
			continue
		}
		fmt.Fprintf(&b, "\n--- %s exited; end of %s:\n%s", p.name, c.path("logs/"+p.name+".log"), tail(c.path("logs/"+p.name+".log"), 30))
	}
	return b.String()
}

// Tail is the end of a component's log (logs/<name>.log), n lines.
func (c *Cluster) Tail(name string, n int) string { return tail(c.path("logs/"+name+".log"), n) }

func tail(file string, n int) string {
	b, err := os.ReadFile(file) //nolint:gosec // G304: a component's log in the state directory
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
