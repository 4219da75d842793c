// Package e2e runs the built manager as a process against a real API server
// and a real authorization server, the way a user meets it: through the demo
// that `make demo` runs.
package e2e

import (
	"bytes"
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/proc"
)

const (
	demoTimeout = 5 * time.Minute
	// sampleSecret is the Secret config/samples has the operator deliver.
	sampleSecret = "billing-api-oauth" //nolint:gosec // G101: the name of a Secret, not a credential
	// sampleInitialAccessToken is the registration token in config/samples.
	sampleInitialAccessToken = "demo-initial-access-token" //nolint:gosec // G101: the published sample token the test looks for in output
)

// TestDemo builds the manager and the demo, runs the demo from the
// repository root with its own working directory (DEMO_DIR), and checks that
// the mounted Secret obtained an active token and that no secret value
// reached the output or the manager's log. The demo keeps its directory
// after it exits (its credentials are dead by then: the auth server that
// issued them held them in memory only), so the test reads the client
// secret from the mounted files afterwards.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("starts an API server, an auth server and the manager")
	}
	root, err := kube.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	manager, demo := filepath.Join(bin, "manager"), filepath.Join(bin, "demo")
	goBuild(t, root, manager, "./cmd")
	goBuild(t, root, demo, "./hack/demo")

	dir := t.TempDir()
	env := []string{"DEMO_DIR=" + dir, "DEMO_MANAGER=" + manager}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "DEMO_") {
			env = append(env, kv)
		}
	}
	if !portFree(9400) {
		env = append(env, "DEMO_AUTH_PORT="+strconv.Itoa(freePort(t)))
	}

	ctx, cancel := context.WithTimeout(context.Background(), demoTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, demo) //nolint:gosec // G204: runs the demo binary the test just built
	cmd.Dir = root
	cmd.Env = env
	// On timeout, interrupt it as Ctrl-C would, so it stops what it started.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 40 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err = cmd.Run()
	output := out.String()
	t.Logf("demo ran %s:\n%s", time.Since(start).Round(time.Second), output)
	if err != nil {
		t.Fatalf("the demo failed: %v (manager log: %s)", err, filepath.Join(dir, "manager.log"))
	}

	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^\s+active\s+true$`),
		regexp.MustCompile(`(?m)^\s+scope\s+read write$`),
		regexp.MustCompile(`(?m)^\s+client_secret\s+\(\d+ bytes, not shown\)$`),
		regexp.MustCompile(`(?m)^demo complete.*the mounted Secret obtained an active token$`),
	} {
		if !want.MatchString(output) {
			t.Errorf("the output lacks %s", want)
		}
	}

	secret, err := os.ReadFile(filepath.Join(dir, "mounted", sampleSecret, "client_secret")) //nolint:gosec // G304: a file under the test's temporary DEMO_DIR
	if err != nil || len(secret) < 16 {
		t.Fatalf("the mounted client_secret: %d bytes, %v", len(secret), err)
	}
	log, err := os.ReadFile(filepath.Join(dir, "manager.log")) //nolint:gosec // G304: a file under the test's temporary DEMO_DIR
	if err != nil || len(log) == 0 {
		t.Fatalf("the manager log is empty or missing (%v): the secret scan would prove nothing", err)
	}
	for what, text := range map[string]string{"the demo output": output, "the manager log": string(log)} {
		for name, value := range map[string]string{"client secret": string(secret), "initial access token": sampleInitialAccessToken} {
			if strings.Contains(text, value) {
				t.Errorf("the %s appears in %s", name, what)
			}
		}
	}

	checkStopped(t, output)
}

// checkStopped proves the demo stopped what it started: the manager's
// process is gone and the auth server's port is free.
func checkStopped(t *testing.T, output string) {
	t.Helper()
	if m := regexp.MustCompile(`ready \(pid (\d+),`).FindStringSubmatch(output); m == nil {
		t.Error("the output names no manager pid")
	} else if _, err := os.Stat("/proc/" + m[1]); err == nil {
		t.Errorf("the manager (pid %s) still runs after the demo ended", m[1])
	}
	if m := regexp.MustCompile(`issuer http://127\.0\.0\.1:(\d+)`).FindStringSubmatch(output); m == nil {
		t.Error("the output names no issuer")
	} else if port, _ := strconv.Atoi(m[1]); !portFree(port) {
		t.Errorf("the auth server's port %d is still taken after the demo ended", port)
	}
}

// goBuild builds pkg (relative to root) into out.
func goBuild(t *testing.T, root, out, pkg string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", out, pkg) //nolint:gosec // G204: builds the repository's own packages into the test's temporary directory
	cmd.Dir = root
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %s: %v\n%s", pkg, err, b)
	}
}

// portFree says whether port on 127.0.0.1 can be listened on.
func portFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	_ = l.Close()
	return true
}

// freePort returns a port on 127.0.0.1 that was free a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ports, err := proc.FreePorts(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}
