// Package cluster_test installs the operator into a real single-node
// Kubernetes cluster (test/testutil/cluster) the way users do, once
// with kustomize (config/default) and once with the Helm chart, and runs
// workloads in pods that use the credentials it delivers. `make
// test-cluster` runs it as root with the node binaries built; docs/testing.md
// says what it needs and what it checks.
//
// Every wait polls with a deadline; nothing sleeps for a fixed time.
package cluster_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"

	"github.com/oauth-client-operator/oauth-client-operator/hack/image/oci"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/cluster"
)

const (
	operatorNS       = "oauth-client-operator-system"
	releaseName      = "oauth-client-operator"
	leaseName        = "oauth-client-operator.oauth.clientoperator.io"
	group            = "oauth.clientoperator.io"
	sampleClient     = "billing-api"
	sampleSecret     = "billing-api-oauth" //nolint:gosec // G101: the name of the sample's Secret, not a credential
	sampleServer     = "dev"
	rotateAnnotation = group + "/rotate-requested-at"
	authPort         = "9400"
	// The initial access token config/samples hands the operator.
	initialAccessToken = "demo-initial-access-token" //nolint:gosec // G101: the public demo token of config/samples, not a secret
	pauseImage         = "example.local/oco-test/pause:1"
	workloadImage      = "example.local/oco-test/workload:1"
	// gracePeriod is the rotation grace period the test sets: the mounted
	// files must follow the Secret well within it (the kubelet syncs every
	// 5s here).
	gracePeriod = 30 * time.Second
)

var (
	oauthClients = schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: "oauthclients"}
	authServers  = schema.GroupVersionResource{Group: group, Version: "v1alpha1", Resource: "authservers"}
	crdNames     = []string{"oauthclients." + group, "authservers." + group, "clusterauthservers." + group}
)

type suite struct {
	t       *testing.T
	ctx     context.Context
	root    string
	c       *cluster.Cluster
	dyn     dynamic.Interface
	issuer  string
	admin   string // the auth server's admin API token; never printed
	timings []timing
}

type timing struct {
	step string
	took time.Duration
}

func TestCluster(t *testing.T) {
	if os.Getenv("NODE_ASSETS") == "" {
		t.Skip("`make test-cluster` runs this: it needs root and the node binaries (NODE_ASSETS)")
	}
	s := &suite{t: t, ctx: context.Background()}
	s.root = repoRoot(t)
	s.setUp()

	steps := []struct {
		name string
		run  func(t *testing.T)
	}{
		{"kustomize", s.kustomizeInstall},
		{"helm", s.helmInstall},
	}
	for _, st := range steps {
		start := time.Now()
		ok := t.Run(st.name, st.run)
		s.timings = append(s.timings, timing{"install with " + st.name + " and its checks", time.Since(start)})
		if !ok {
			break // the next install needs this one's uninstall to have worked
		}
	}
	for _, tm := range s.timings {
		t.Logf("timing: %-55s %6.1fs", tm.step, tm.took.Seconds())
	}
}

// timed runs f as a named, timed step of the test.
func (s *suite) timed(step string, f func()) {
	start := time.Now()
	f()
	s.timings = append(s.timings, timing{step, time.Since(start)})
}

func repoRoot(t *testing.T) string {
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		if filepath.Dir(dir) == dir {
			t.Fatal("no go.mod above the test")
		}
		dir = filepath.Dir(dir)
	}
}

func (s *suite) setUp() {
	t := s.t
	t.Helper()
	if os.Geteuid() != 0 {
		t.Fatal("the cluster test needs root: mounts, network namespaces, iptables, cgroups")
	}
	images := t.TempDir()
	var archives []string
	s.timed("build the pause and workload images", func() {
		archives = append(archives,
			s.testImage(images, "./test/cluster/images/pause", "/pause", pauseImage),
			s.testImage(images, "./test/cluster/images/workload", "/workload", workloadImage))
	})
	operator := os.Getenv("OPERATOR_IMAGE")
	if operator == "" {
		s.timed("build the operator image (host platform only)", func() {
			operator = filepath.Join(images, "operator.tar")
			s.goRun("./hack/image", "-platforms", "linux/"+runtime.GOARCH, "-o", operator)
		})
	}
	archives = append(archives, operator)

	// The image is reproducible: built again from the same commit, while
	// the cluster comes up, it has the same digest.
	repro := make(chan error, 1)
	if os.Getenv("OPERATOR_IMAGE") != "" {
		go func() { repro <- s.checkReproducible(operator, filepath.Join(images, "again.tar")) }()
	} else {
		repro <- nil
	}

	dirs := strings.Split(os.Getenv("NODE_ASSETS"), ":")
	if kb := os.Getenv("KUBEBUILDER_ASSETS"); kb != "" {
		dirs = append(dirs, kb)
	}
	keep := os.Getenv("CLUSTER_KEEP") != ""
	s.timed("cluster up", func() {
		var err error
		s.c, err = cluster.Up(s.ctx, cluster.Config{
			StateDir:   os.Getenv("CLUSTER_STATE_DIR"),
			AssetDirs:  dirs,
			PauseImage: pauseImage,
			Images:     archives,
			Logf:       t.Logf,
		})
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Cleanup(func() {
		if keep {
			t.Logf("CLUSTER_KEEP: the cluster stays up. export KUBECONFIG=%s; logs in %s/logs; "+
				"the next run (or `go run ./test/cluster/down`) tears it down", s.c.Kubeconfig, s.c.Dir())
			return
		}
		start := time.Now()
		if err := s.c.Down(); err != nil {
			t.Errorf("tearing the cluster down: %v", err)
		}
		t.Logf("timing: %-55s %6.1fs", "cluster down (and nothing left behind)", time.Since(start).Seconds())
	})
	var err error
	s.dyn, err = dynamic.NewForConfig(s.c.REST)
	if err != nil {
		t.Fatal(err)
	}
	s.startAuthServer()
	if err := <-repro; err != nil {
		t.Error(err)
	}
}

// testImage builds a test program statically for this machine and wraps it
// as an image.
func (s *suite) testImage(dir, pkg, path, ref string) string {
	s.t.Helper()
	bin := filepath.Join(dir, filepath.Base(path))
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, pkg) //nolint:gosec // G204: go build of this repository's test programs
	cmd.Dir = s.root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+runtime.GOARCH)
	if out, err := cmd.CombinedOutput(); err != nil {
		s.t.Fatalf("building %s: %v\n%s", pkg, err, out)
	}
	idx, err := oci.Build(oci.Spec{
		Binaries: map[oci.Platform]string{{OS: "linux", Arch: runtime.GOARCH}: bin},
		Path:     path,
		Created:  time.Unix(0, 0),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	archive := bin + ".tar"
	f, err := os.Create(archive) //nolint:gosec // G304: the test's own temporary directory
	if err != nil {
		s.t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if err := oci.WriteLayout(f, idx, ref); err != nil {
		s.t.Fatal(err)
	}
	return archive
}

func (s *suite) goRun(args ...string) string {
	s.t.Helper()
	cmd := exec.Command("go", append([]string{"run"}, args...)...) //nolint:gosec // G204: go run of this repository's programs
	cmd.Dir = s.root
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		s.t.Fatalf("go run %v: %v\n%s", args, err, stderr)
	}
	return string(out)
}

// checkReproducible builds the operator image again (for the platforms of
// OPERATOR_IMAGE_PLATFORMS, default make image's) and compares it with the
// one `make image` built.
func (s *suite) checkReproducible(first, again string) error {
	args := []string{"run", "./hack/image", "-o", again}
	if p := os.Getenv("OPERATOR_IMAGE_PLATFORMS"); p != "" {
		args = append(args, "-platforms", p)
	}
	cmd := exec.Command("go", args...) //nolint:gosec // G204: go run of this repository's image builder
	cmd.Dir = s.root
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building the operator image again: %v\n%s", err, out)
	}
	a, err := os.ReadFile(first) //nolint:gosec // G304: the image archives this test built
	if err != nil {
		return err
	}
	b, err := os.ReadFile(again) //nolint:gosec // G304: the image archives this test built
	if err != nil {
		return err
	}
	if string(a) != string(b) {
		return fmt.Errorf("the operator image built twice from the same tree differs (%s, %s)", first, again)
	}
	return nil
}

// startAuthServer runs the dev auth server on the node address, where pods
// reach it (config/samples-in-cluster names it there).
func (s *suite) startAuthServer() {
	t := s.t
	buf := make([]byte, 16)
	_, _ = rand.Read(buf)
	s.admin = hex.EncodeToString(buf)
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the dev auth server needs Node.js: ", err)
	}
	s.issuer = "http://" + s.c.NodeIP() + ":" + authPort
	err = s.c.StartProcess("authserver",
		[]string{"AUTHSERVER_INITIAL_ACCESS_TOKEN=" + initialAccessToken, "AUTHSERVER_ADMIN_TOKEN=" + s.admin},
		node, filepath.Join(s.root, "hack/authserver/server.mjs"),
		"--host", s.c.NodeIP(), "--port", authPort, "--issuer", s.issuer)
	if err != nil {
		t.Fatal(err)
	}
	s.eventually(s.t, "the dev auth server at "+s.issuer, 30*time.Second, func() error {
		resp, err := http.Get(s.issuer + "/.well-known/openid-configuration")
		if err != nil {
			return err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}, func() string { return s.c.Tail("authserver", 20) })
}

// kustomizeInstall: `kubectl apply -k config/default` as shipped (no image
// override: the versioned tag is what `make image` builds), the samples
// from a pod, a workload's token, uninstall as the README says.
func (s *suite) kustomizeInstall(t *testing.T) {
	s.kubectl(t, "apply", "-k", filepath.Join(s.root, "config/default"))
	dep := s.waitOperator(t, operatorNS+"/oauth-client-operator-controller-manager")
	c := dep.Spec.Template.Spec.Containers[0]
	if tag := c.Image[strings.LastIndex(c.Image, ":")+1:]; tag == "latest" || !strings.Contains(c.Image, ":") || c.ImagePullPolicy != corev1.PullIfNotPresent {
		t.Errorf("config/default runs image %q with pull policy %q; want a versioned tag with IfNotPresent", c.Image, c.ImagePullPolicy)
	}
	s.checkRestricted(t)
	s.applySamples(t)
	s.kubectl(t, "apply", "-f", filepath.Join(s.root, "test/cluster/testdata/workload.yaml"))
	s.waitWorkloads(t)
	s.uninstall(t, func() {
		s.kubectl(t, "delete", "-k", filepath.Join(s.root, "config/default"), "--wait", "--timeout=3m")
	})
}

// helmInstall: the chart into a namespace that enforces the restricted
// Pod Security Standard, then rotation, rolloutTargets, leader failover,
// uninstall.
func (s *suite) helmInstall(t *testing.T) {
	s.kubectl(t, "create", "namespace", operatorNS)
	s.kubectl(t, "label", "namespace", operatorNS, "pod-security.kubernetes.io/enforce=restricted")
	s.timed("helm install --wait", func() {
		s.helm(t, "install", releaseName, filepath.Join(s.root, "charts/oauth-client-operator"),
			"--namespace", operatorNS, "--wait", "--timeout", "3m")
	})
	s.waitOperator(t, operatorNS+"/"+releaseName)
	s.checkRestricted(t)
	s.applySamples(t)
	s.kubectl(t, "apply", "-f", filepath.Join(s.root, "test/cluster/testdata/workload.yaml"))
	s.waitWorkloads(t)
	s.timed("rotation: files follow, rollout, old credentials refused", func() { s.rotation(t) })
	s.timed("leader failover", func() { s.failover(t) })
	s.uninstall(t, func() {
		s.helm(t, "uninstall", releaseName, "--namespace", operatorNS, "--wait", "--timeout", "3m")
		// crds.keep (the default) keeps the CRDs; the README deletes them.
		s.kubectl(t, append([]string{"delete", "crd", "--wait", "--timeout=2m"}, crdNames...)...)
		s.kubectl(t, "delete", "namespace", operatorNS, "--wait", "--timeout=2m")
	})
}

// waitOperator waits until the manager Deployment has all its replicas
// available, and fails at once if the namespace refuses its pods.
func (s *suite) waitOperator(t *testing.T, nsName string) *appsv1.Deployment {
	t.Helper()
	ns, name, _ := strings.Cut(nsName, "/")
	var dep *appsv1.Deployment
	s.timed("operator Deployment available", func() {
		s.eventually(t, "the operator Deployment "+nsName+" available", 3*time.Minute, func() error {
			var err error
			dep, err = s.c.Clientset.AppsV1().Deployments(ns).Get(s.ctx, name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if msg := s.replicaFailure(ns); msg != "" {
				return permanent(fmt.Errorf("the namespace refuses the manager's pods: %s", msg))
			}
			if msg := s.imageFailure(ns); msg != "" {
				return permanent(fmt.Errorf("the manager's image cannot be used: %s", msg))
			}
			want := int32(1)
			if dep.Spec.Replicas != nil {
				want = *dep.Spec.Replicas
			}
			if dep.Status.ObservedGeneration < dep.Generation || dep.Status.AvailableReplicas != want || dep.Status.UpdatedReplicas != want {
				return fmt.Errorf("%d/%d available", dep.Status.AvailableReplicas, want)
			}
			return nil
		}, func() string { return s.describePods(ns) })
	})
	if *dep.Spec.Replicas < 2 {
		t.Errorf("the operator runs %d replicas; installed as shipped it runs 2 with leader election", *dep.Spec.Replicas)
	}
	return dep
}

// replicaFailure is the message of a ReplicaSet that cannot create pods.
func (s *suite) replicaFailure(ns string) string {
	rss, err := s.c.Clientset.AppsV1().ReplicaSets(ns).List(s.ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	for _, rs := range rss.Items {
		for _, c := range rs.Status.Conditions {
			if c.Type == appsv1.ReplicaSetReplicaFailure && c.Status == corev1.ConditionTrue {
				return c.Message
			}
		}
	}
	return ""
}

// imageFailure is why a pod's image cannot be had, if one cannot: the
// kubelet tried to pull an image that is only on the node, for example.
func (s *suite) imageFailure(ns string) string {
	pods, err := s.c.Clientset.CoreV1().Pods(ns).List(s.ctx, metav1.ListOptions{})
	if err != nil {
		return ""
	}
	for _, p := range pods.Items {
		for _, cs := range p.Status.ContainerStatuses {
			if w := cs.State.Waiting; w != nil {
				switch w.Reason {
				case "ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName":
					return fmt.Sprintf("pod %s: %s: %s", p.Name, w.Reason, w.Message)
				}
			}
		}
	}
	return ""
}

// checkRestricted: the namespace enforces the restricted Pod Security
// Standard, the manager pods run there (so they pass it as shipped), and
// the enforcement is real: a pod without the restricted settings (the API
// server allows it; only the namespace's policy does not) is refused.
func (s *suite) checkRestricted(t *testing.T) {
	t.Helper()
	ns, err := s.c.Clientset.CoreV1().Namespaces().Get(s.ctx, operatorNS, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Errorf("namespace %s enforces %q, want restricted", operatorNS, got)
	}
	out, err := s.c.Kubectl(s.ctx, "run", "pss-check", "--namespace", operatorNS, "--image", pauseImage,
		"--dry-run=server", "--restart=Never")
	if err == nil || !strings.Contains(err.Error(), `violates PodSecurity "restricted`) {
		t.Errorf("a pod without the restricted settings in %s was not refused by Pod Security admission: %v %s", operatorNS, err, out)
	}
}

// applySamples applies config/samples-in-cluster and waits until the
// operator in its pods has the AuthServer and the OAuthClient Ready.
func (s *suite) applySamples(t *testing.T) {
	t.Helper()
	s.kubectl(t, "apply", "-k", filepath.Join(s.root, "config/samples-in-cluster"))
	s.timed("samples Ready (AuthServer, OAuthClient)", func() {
		s.waitReady(t, authServers, sampleServer)
		s.waitReady(t, oauthClients, sampleClient)
	})
}

// waitReady waits for condition Ready=True at the object's generation (in
// the samples' namespace, default).
func (s *suite) waitReady(t *testing.T, gvr schema.GroupVersionResource, name string) {
	t.Helper()
	const ns = "default"
	s.eventually(t, fmt.Sprintf("%s %s/%s Ready", gvr.Resource, ns, name), 2*time.Minute, func() error {
		obj, err := s.dyn.Resource(gvr).Namespace(ns).Get(s.ctx, name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		return readyAtGeneration(obj)
	}, func() string { return s.describeObject(gvr, ns, name) + s.operatorLogs() })
}

func readyAtGeneration(obj *unstructured.Unstructured) error {
	observed, _, _ := unstructured.NestedInt64(obj.Object, "status", "observedGeneration")
	conds, _, _ := unstructured.NestedSlice(obj.Object, "status", "conditions")
	for _, c := range conds {
		m, _ := c.(map[string]any)
		if m["type"] == "Ready" {
			if m["status"] == "True" && observed >= obj.GetGeneration() {
				return nil
			}
			return fmt.Errorf("Ready=%v reason %v: %v (observedGeneration %d of %d)", m["status"], m["reason"], m["message"], observed, obj.GetGeneration())
		}
	}
	return fmt.Errorf("no Ready condition yet")
}

// workloadStatus is what test/cluster/images/workload reports.
type workloadStatus struct {
	Source    string `json:"source"`
	ClientID  string `json:"clientID"`
	OK        int    `json:"ok"`
	Failed    int    `json:"failed"`
	LastError string `json:"lastError"`
}

func (s *suite) status(pod *corev1.Pod) (workloadStatus, error) {
	var st workloadStatus
	if pod.Status.PodIP == "" {
		return st, fmt.Errorf("pod %s has no IP", pod.Name)
	}
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get("http://" + pod.Status.PodIP + ":8080/status")
	if err != nil {
		return st, err
	}
	defer func() { _ = resp.Body.Close() }()
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		return st, err
	}
	return st, nil
}

// pods lists the running, ready pods of a workload (by its reads label).
func (s *suite) pods(reads string) ([]corev1.Pod, error) {
	list, err := s.c.Clientset.CoreV1().Pods("default").List(s.ctx, metav1.ListOptions{LabelSelector: "app=billing,reads=" + reads})
	if err != nil {
		return nil, err
	}
	var ready []corev1.Pod
	for _, p := range list.Items {
		if p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			continue
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
				ready = append(ready, p)
			}
		}
	}
	return ready, nil
}

func (s *suite) secretClientID(t *testing.T) string {
	t.Helper()
	sec, err := s.c.Clientset.CoreV1().Secrets("default").Get(s.ctx, sampleSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return string(sec.Data["client_id"])
}

// waitWorkloads waits until both workloads have obtained a token from
// inside their pods with the delivered credentials.
func (s *suite) waitWorkloads(t *testing.T) {
	t.Helper()
	want := s.secretClientID(t)
	s.timed("workloads obtain tokens from inside their pods", func() {
		for _, reads := range []string{"files", "env"} {
			s.eventually(t, "a "+reads+" workload pod with a token", 2*time.Minute, func() error {
				pods, err := s.pods(reads)
				if err != nil || len(pods) != 1 {
					return fmt.Errorf("%d ready pods (%v)", len(pods), err)
				}
				st, err := s.status(&pods[0])
				if err != nil {
					return err
				}
				if st.ClientID != want || st.OK == 0 {
					return fmt.Errorf("status %+v, want tokens for the Secret's client", st)
				}
				if st.Failed != 0 {
					return permanent(fmt.Errorf("the %s workload was refused %d times (last: %s)", reads, st.Failed, st.LastError))
				}
				return nil
			}, func() string { return s.describePods("default") })
		}
	})
}

// rotation: the on-demand annotation rotates (Replace, for dynamic
// registration: a new client); the mounted files change in the running pod,
// which keeps obtaining tokens without a single refusal; rolloutTargets
// restarts the env workload, whose new pod uses the new client; after the
// grace period the old credentials are refused.
func (s *suite) rotation(t *testing.T) {
	patch := fmt.Sprintf(`{"spec":{"rotation":{"gracePeriod":%q},"rolloutTargets":[{"kind":"Deployment","name":"billing-env"}]}}`, gracePeriod)
	s.kubectl(t, "patch", "oauthclient", sampleClient, "--namespace", "default", "--type", "merge", "-p", patch)
	s.waitReady(t, oauthClients, sampleClient)

	oldSecret, err := s.c.Clientset.CoreV1().Secrets("default").Get(s.ctx, sampleSecret, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	oldID, oldPass := string(oldSecret.Data["client_id"]), string(oldSecret.Data["client_secret"])
	if code := s.tokenStatus(oldID, oldPass); code != http.StatusOK {
		t.Fatalf("the current credentials get %d at the token endpoint before the rotation", code)
	}
	filesPods, err := s.pods("files")
	if err != nil || len(filesPods) != 1 {
		t.Fatalf("files workload: %d pods (%v)", len(filesPods), err)
	}
	filesPod := filesPods[0]

	rotated := time.Now()
	s.kubectl(t, "annotate", "oauthclient", sampleClient, "--namespace", "default", "--overwrite",
		rotateAnnotation+"="+rotated.UTC().Format(time.RFC3339Nano))

	var newID string
	s.eventually(t, "the Secret to hold a new client", time.Minute, func() error {
		newID = s.secretClientID(t)
		if newID == oldID {
			return fmt.Errorf("still the old client")
		}
		return nil
	}, func() string { return s.describeObject(oauthClients, "default", sampleClient) + s.operatorLogs() })
	t.Logf("rotation: Secret switched after %s", time.Since(rotated).Round(100*time.Millisecond))

	s.eventually(t, "the running pod's mounted files to hold the new client", gracePeriod, func() error {
		pod, err := s.c.Clientset.CoreV1().Pods("default").Get(s.ctx, filesPod.Name, metav1.GetOptions{})
		if err != nil {
			return permanent(err)
		}
		st, err := s.status(pod)
		if err != nil {
			return err
		}
		if st.Failed != 0 {
			return permanent(fmt.Errorf("the files workload was refused %d times during the rotation (last: %s)", st.Failed, st.LastError))
		}
		if st.ClientID != newID {
			return fmt.Errorf("still %s", st.ClientID)
		}
		return nil
	}, func() string { return s.describePods("default") })
	t.Logf("rotation: mounted files followed after %s", time.Since(rotated).Round(100*time.Millisecond))

	s.eventually(t, "rolloutTargets to restart billing-env onto the new client", 2*time.Minute, func() error {
		dep, err := s.c.Clientset.AppsV1().Deployments("default").Get(s.ctx, "billing-env", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if dep.Spec.Template.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
			return fmt.Errorf("pod template not restarted")
		}
		if dep.Status.ObservedGeneration < dep.Generation || dep.Status.UpdatedReplicas != 1 || dep.Status.Replicas != 1 || dep.Status.AvailableReplicas != 1 {
			return fmt.Errorf("rollout in progress: %d updated, %d total, %d available", dep.Status.UpdatedReplicas, dep.Status.Replicas, dep.Status.AvailableReplicas)
		}
		pods, err := s.pods("env")
		if err != nil || len(pods) != 1 {
			return fmt.Errorf("%d ready pods (%v)", len(pods), err)
		}
		st, err := s.status(&pods[0])
		if err != nil {
			return err
		}
		if st.ClientID != newID || st.OK == 0 || st.Failed != 0 {
			return fmt.Errorf("new pod status %+v", st)
		}
		return nil
	}, func() string { return s.describePods("default") })
	t.Logf("rotation: env workload rolled out after %s", time.Since(rotated).Round(100*time.Millisecond))

	s.eventually(t, "the old credentials to be refused after the grace period", gracePeriod+2*time.Minute, func() error {
		if code := s.tokenStatus(oldID, oldPass); code != http.StatusUnauthorized && code != http.StatusBadRequest {
			return fmt.Errorf("token endpoint answers %d", code)
		}
		return nil
	}, func() string { return s.describeObject(oauthClients, "default", sampleClient) + s.operatorLogs() })
	refusedAfter := time.Since(rotated)
	t.Logf("rotation: old credentials refused after %s (grace period %s)", refusedAfter.Round(100*time.Millisecond), gracePeriod)
	if refusedAfter < gracePeriod {
		t.Errorf("the old credentials were refused after %s, before the grace period of %s", refusedAfter, gracePeriod)
	}

	// The files workload is the same pod, never restarted, never refused.
	pod, err := s.c.Clientset.CoreV1().Pods("default").Get(s.ctx, filesPod.Name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("the files workload's pod is gone: %v", err)
	}
	if rc := pod.Status.ContainerStatuses[0].RestartCount; rc != 0 {
		t.Errorf("the files workload restarted %d times", rc)
	}
	st, err := s.status(pod)
	if err != nil {
		t.Fatal(err)
	}
	if st.Failed != 0 || st.ClientID != newID {
		t.Errorf("files workload after the rotation: %+v; want no refusal and the new client", st)
	}
	t.Logf("rotation: the files workload obtained %d tokens, none refused", st.OK)
}

// tokenStatus is the HTTP status the token endpoint answers the client
// credentials grant with these credentials (which are never printed).
func (s *suite) tokenStatus(id, secret string) int {
	req, err := http.NewRequest(http.MethodPost, s.issuer+"/token", strings.NewReader(url.Values{"grant_type": {"client_credentials"}}.Encode()))
	if err != nil {
		return 0
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	return resp.StatusCode
}

// failover: delete the leader's pod; another replica takes the lease,
// records its leadership as an Event (which needs the leader election
// Role's core events grant), and registers an OAuthClient applied
// meanwhile.
func (s *suite) failover(t *testing.T) {
	leader := s.leader(t)
	t.Logf("failover: leader %s", leader)
	start := time.Now()
	s.kubectl(t, "delete", "pod", leader, "--namespace", operatorNS, "--wait=false")
	s.kubectl(t, "apply", "-f", filepath.Join(s.root, "test/cluster/testdata/failover-client.yaml"))

	var holder string
	s.eventually(t, "another replica to hold the lease", 2*time.Minute, func() error {
		lease, err := s.c.Clientset.CoordinationV1().Leases(operatorNS).Get(s.ctx, leaseName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		holder = holderPod(lease)
		if holder == "" || holder == leader {
			return fmt.Errorf("held by %q", holder)
		}
		return nil
	}, func() string { return s.describePods(operatorNS) })
	t.Logf("failover: %s took over after %s", holder, time.Since(start).Round(100*time.Millisecond))
	s.waitReady(t, oauthClients, "failover-check")
	t.Logf("failover: the OAuthClient applied meanwhile Ready after %s", time.Since(start).Round(100*time.Millisecond))

	s.eventually(t, "the new leader's LeaderElection event (core API group)", time.Minute, func() error {
		events, err := s.c.Clientset.CoreV1().Events(operatorNS).List(s.ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, e := range events.Items {
			if e.Reason == "LeaderElection" && strings.HasPrefix(e.Message, holder+"_") && strings.Contains(e.Message, "became leader") {
				return nil
			}
		}
		return fmt.Errorf("none among %d events", len(events.Items))
	}, func() string { return s.operatorLogs() })
	s.kubectl(t, "delete", "-f", filepath.Join(s.root, "test/cluster/testdata/failover-client.yaml"), "--wait", "--timeout=2m")
}

func (s *suite) leader(t *testing.T) string {
	t.Helper()
	var holder string
	s.eventually(t, "a leader", time.Minute, func() error {
		lease, err := s.c.Clientset.CoordinationV1().Leases(operatorNS).Get(s.ctx, leaseName, metav1.GetOptions{})
		if err != nil {
			return err
		}
		holder = holderPod(lease)
		if holder == "" {
			return fmt.Errorf("no holder")
		}
		return nil
	}, func() string { return s.describePods(operatorNS) })
	return holder
}

// holderPod is the pod name in the lease's holder identity (<pod>_<uuid>).
func holderPod(l *coordinationv1.Lease) string {
	if l.Spec.HolderIdentity == nil {
		return ""
	}
	name, _, _ := strings.Cut(*l.Spec.HolderIdentity, "_")
	return name
}

// uninstall as the README says: the OAuthClients first (each removes its
// client at the server), then the servers, then the operator (remove);
// then nothing of the operator is left, in the cluster or at the server.
func (s *suite) uninstall(t *testing.T, remove func()) {
	t.Helper()
	s.timed("uninstall", func() {
		s.kubectl(t, "delete", "-f", filepath.Join(s.root, "test/cluster/testdata/workload.yaml"), "--wait", "--timeout=2m")
		s.kubectl(t, "delete", "oauthclients", "--all", "--all-namespaces", "--wait", "--timeout=2m")
		s.kubectl(t, "delete", "authservers,clusterauthservers", "--all", "--all-namespaces", "--wait", "--timeout=2m")
		remove()
		// The sample's registration token Secret is the user's, not the
		// operator's.
		s.kubectl(t, "delete", "secret", "dev-registration", "--namespace", "default", "--ignore-not-found")
	})

	if n := s.serverClients(t); n != 0 {
		t.Errorf("%d clients left at the auth server", n)
	}
	s.eventually(t, "nothing of the operator left in the cluster", 2*time.Minute, func() error {
		var left []string
		crds, err := s.dyn.Resource(schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}).List(s.ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, c := range crds.Items {
			if strings.HasSuffix(c.GetName(), "."+group) {
				left = append(left, "CRD "+c.GetName())
			}
		}
		if _, err := s.c.Clientset.CoreV1().Namespaces().Get(s.ctx, operatorNS, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
			left = append(left, "namespace "+operatorNS)
		}
		crs, err := s.c.Clientset.RbacV1().ClusterRoles().List(s.ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, r := range crs.Items {
			if strings.Contains(r.Name, "oauth-client-operator") {
				left = append(left, "ClusterRole "+r.Name)
			}
		}
		crbs, err := s.c.Clientset.RbacV1().ClusterRoleBindings().List(s.ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, b := range crbs.Items {
			if strings.Contains(b.Name, "oauth-client-operator") {
				left = append(left, "ClusterRoleBinding "+b.Name)
			}
		}
		secrets, err := s.c.Clientset.CoreV1().Secrets("").List(s.ctx, metav1.ListOptions{})
		if err != nil {
			return err
		}
		for _, sec := range secrets.Items {
			operators := sec.Name == sampleSecret || sec.Name == "failover-check"
			for k := range sec.Labels {
				operators = operators || strings.HasPrefix(k, group+"/")
			}
			for k := range sec.Annotations {
				operators = operators || strings.HasPrefix(k, group+"/")
			}
			if operators {
				left = append(left, "Secret "+sec.Namespace+"/"+sec.Name)
			}
		}
		if len(left) > 0 {
			return fmt.Errorf("%s", strings.Join(left, ", "))
		}
		return nil
	}, func() string { return "" })
}

// serverClients counts the clients registered at the auth server (its
// admin API; only the count is read out).
func (s *suite) serverClients(t *testing.T) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.issuer+"/_admin/clients", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+s.admin)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	var clients []json.RawMessage
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("admin API: status %d", resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(&clients); err != nil {
		t.Fatalf("admin API: %v", err)
	}
	return len(clients)
}

func (s *suite) kubectl(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.c.Kubectl(s.ctx, args...)
	if err != nil {
		t.Fatalf("%v%s", err, s.operatorLogs())
	}
	return out
}

func (s *suite) helm(t *testing.T, args ...string) string {
	t.Helper()
	out, err := s.c.Helm(s.ctx, args...)
	if err != nil {
		t.Fatalf("%v\n%s", err, s.describePods(operatorNS))
	}
	return out
}

// permanentError stops eventually at once: waiting cannot help.
type permanentError struct{ error }

func permanent(err error) error { return permanentError{err} }

// eventually polls check every 250ms until it returns nil, failing the
// test with check's last error and describe's diagnostics when timeout
// passes or check returns a permanent error.
func (s *suite) eventually(t *testing.T, what string, timeout time.Duration, check func() error, describe func() string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := check()
		if err == nil {
			return
		}
		_, stop := err.(permanentError)
		if stop || time.Now().After(deadline) {
			t.Fatalf("waiting for %s (up to %s): %v\n%s", what, timeout, err, describe())
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// describePods is a short account of a namespace's pods, for a failure.
func (s *suite) describePods(ns string) string {
	out, _ := s.c.Kubectl(s.ctx, "get", "pods,replicasets", "--namespace", ns, "-o", "wide")
	events, _ := s.c.Kubectl(s.ctx, "get", "events", "--namespace", ns, "--sort-by=.lastTimestamp")
	lines := strings.Split(strings.TrimSpace(events), "\n")
	if len(lines) > 20 {
		lines = lines[len(lines)-20:]
	}
	return "pods in " + ns + ":\n" + out + "events:\n" + strings.Join(lines, "\n")
}

// describeObject is an object's status conditions, for a failure.
func (s *suite) describeObject(gvr schema.GroupVersionResource, ns, name string) string {
	obj, err := s.dyn.Resource(gvr).Namespace(ns).Get(s.ctx, name, metav1.GetOptions{})
	if err != nil {
		return err.Error()
	}
	status, _ := json.MarshalIndent(obj.Object["status"], "", "  ")
	return fmt.Sprintf("%s %s/%s status: %s\n", gvr.Resource, ns, name, status)
}

// operatorLogs is the end of the manager pods' logs (which never hold a
// secret value), for a failure.
func (s *suite) operatorLogs() string {
	pods, err := s.c.Clientset.CoreV1().Pods(operatorNS).List(s.ctx, metav1.ListOptions{})
	if err != nil || len(pods.Items) == 0 {
		return ""
	}
	var b strings.Builder
	names := make([]string, 0, len(pods.Items))
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	slices.Sort(names)
	for _, n := range names {
		out, _ := s.c.Kubectl(s.ctx, "logs", n, "--namespace", operatorNS, "--tail=25")
		fmt.Fprintf(&b, "\n--- logs of %s:\n%s", n, out)
	}
	return b.String()
}
