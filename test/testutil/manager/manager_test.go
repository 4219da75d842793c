package manager

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

// fakeModeVar, when set, makes the test binary act as a manager: it serves
// /readyz on --health-probe-bind-address and behaves as the mode says.
const fakeModeVar = "MANAGER_TEST_FAKE"

func TestMain(m *testing.M) {
	if mode, ok := os.LookupEnv(fakeModeVar); ok {
		fakeManager(mode)
		return
	}
	os.Exit(m.Run())
}

// fakeManager logs its flags and FAKE_* environment, then, by mode:
// "exit" exits 3 before it is ready; "taken-once" reports a taken port and
// exits 1 unless $FAKE_MARKER exists (it creates it); "ignore-term" ignores
// SIGTERM; "fail-on-term" exits 2 on SIGTERM; "serve" and the others exit
// 0 on it.
func fakeManager(mode string) {
	fs := flag.NewFlagSet("fake", flag.ExitOnError)
	addrs := map[string]*string{}
	for _, name := range []string{"metrics-bind-address", "health-probe-bind-address", "pprof-bind-address"} {
		addrs[name] = fs.String(name, "", "")
	}
	for _, name := range []string{"kubeconfig", "operator-namespace", "namespaces", "resync-period"} {
		fs.String(name, "", "")
	}
	_ = fs.Parse(os.Args[1:])
	fmt.Printf("args %s\n", strings.Join(os.Args[1:], " "))
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "FAKE_") {
			fmt.Printf("env %s\n", kv)
		}
	}
	switch mode {
	case "exit":
		os.Exit(3)
	case "taken-once":
		// The first attempt creates the marker; later ones find it.
		f, err := os.OpenFile(os.Getenv("FAKE_MARKER"), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) //nolint:gosec // G703: the test's own temporary file
		if err == nil {
			_ = f.Close()
			fmt.Println("listen tcp 127.0.0.1:1: bind: address already in use")
			os.Exit(1)
		}
	}
	term := make(chan os.Signal, 1)
	if mode == "ignore-term" {
		signal.Ignore(syscall.SIGTERM)
	} else {
		signal.Notify(term, syscall.SIGTERM)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(http.ResponseWriter, *http.Request) {})
	for _, addr := range addrs {
		if *addr == "" {
			continue
		}
		l, err := net.Listen("tcp", *addr)
		if err != nil {
			fmt.Println(err)
			os.Exit(1)
		}
		go func() { _ = http.Serve(l, mux) }() //nolint:gosec // G114: a test fake on loopback, no timeouts needed
	}
	<-term
	if mode == "fail-on-term" {
		os.Exit(2)
	}
	os.Exit(0)
}

// startFake starts the test binary as a manager in mode.
func startFake(t *testing.T, mode string, o Options) (*Process, error) {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	o.Binary = bin
	o.LogPath = filepath.Join(t.TempDir(), "manager.log")
	if o.Env == nil {
		o.Env = map[string]string{}
	}
	o.Env[fakeModeVar] = mode
	p, err := Start(context.Background(), o)
	if p != nil {
		t.Cleanup(p.Kill)
	}
	return p, err
}

// logOf returns the process's log, failing the test when it cannot.
func logOf(t *testing.T, p *Process) string {
	t.Helper()
	log, err := p.Log()
	if err != nil {
		t.Fatal(err)
	}
	return log
}

func TestStartPassesFlagsAndEnvironment(t *testing.T) {
	tier.Integration(t)
	t.Setenv("FAKE_KEPT", "parent")
	t.Setenv("FAKE_REPLACED", "parent")
	t.Setenv("FAKE_REMOVED", "parent")
	p, err := startFake(t, "serve", Options{
		Kubeconfig:        "/kubeconfig",
		OperatorNamespace: "op",
		Namespaces:        "a,b",
		Args:              []string{"--resync-period", "5s"},
		Env:               map[string]string{"FAKE_REPLACED": "child", "FAKE_REMOVED": "", "FAKE_ADDED": "child"},
		Pprof:             true,
	})
	if err != nil {
		t.Fatal(err)
	}
	log := logOf(t, p)
	for _, want := range []string{
		"--kubeconfig /kubeconfig --operator-namespace op",
		"--metrics-bind-address " + p.MetricsAddr(),
		"--health-probe-bind-address " + p.ProbeAddr(),
		"--namespaces a,b --resync-period 5s\n",
		"env FAKE_KEPT=parent\n",
		"env FAKE_REPLACED=child\n",
		"env FAKE_ADDED=child\n",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log lacks %q:\n%s", want, log)
		}
	}
	for _, unwanted := range []string{"FAKE_REPLACED=parent", "FAKE_REMOVED"} {
		if strings.Contains(log, unwanted) {
			t.Errorf("the log holds %q:\n%s", unwanted, log)
		}
	}
	for _, url := range []string{p.MetricsURL(), p.PprofURL() + "/heap"} {
		resp, err := http.Get(url) //nolint:gosec // G107: the fake's loopback address
		if err != nil {
			t.Fatalf("GET %s: %v", url, err)
		}
		_ = resp.Body.Close()
	}
	if p.PID() <= 0 || p.Exited() || p.State() != nil {
		t.Errorf("pid %d, exited %v, state %v: want a running process", p.PID(), p.Exited(), p.State())
	}
	if err := p.Stop(); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if !p.State().Success() {
		t.Errorf("ended with %v, want success", p.State())
	}
	if err := p.Stop(); err != nil {
		t.Errorf("a second Stop: %v", err)
	}
}

func TestStartWithoutPprofOrNamespaces(t *testing.T) {
	tier.Integration(t)
	p, err := startFake(t, "serve", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if log := logOf(t, p); strings.Contains(log, "--pprof-bind-address") || strings.Contains(log, "--namespaces") {
		t.Errorf("unasked flags were passed:\n%s", log)
	}
	if p.PprofURL() != "" {
		t.Errorf("PprofURL = %q, want empty", p.PprofURL())
	}
}

func TestStartReportsAnExitBeforeReady(t *testing.T) {
	tier.Integration(t)
	_, err := startFake(t, "exit", Options{})
	if err == nil || !strings.Contains(err.Error(), "exited (exit status 3) before it was ready") {
		t.Fatalf("err = %v, want the early exit", err)
	}
}

func TestStartRetriesWhenAPortWasTaken(t *testing.T) {
	tier.Integration(t)
	marker := filepath.Join(t.TempDir(), "marker")
	p, err := startFake(t, "taken-once", Options{Env: map[string]string{"FAKE_MARKER": marker}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(marker); err != nil {
		t.Errorf("the first attempt did not run: %v", err)
	}
	if log := logOf(t, p); strings.Contains(log, "already in use") {
		t.Errorf("the log kept the failed attempt:\n%s", log)
	}
}

func TestStopReportsAnUncleanExit(t *testing.T) {
	tier.Integration(t)
	p, err := startFake(t, "fail-on-term", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "exit status 2 on SIGTERM") {
		t.Fatalf("Stop = %v, want the exit status", err)
	}
}

func TestStopKillsAProcessThatIgnoresSIGTERM(t *testing.T) {
	tier.Integration(t)
	defer func(d time.Duration) { stopTimeout = d }(stopTimeout)
	stopTimeout = 10 * time.Millisecond
	p, err := startFake(t, "ignore-term", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Stop(); err == nil || !strings.Contains(err.Error(), "killed") {
		t.Fatalf("Stop = %v, want killed", err)
	}
	if got := p.State().String(); got != "signal: killed" {
		t.Errorf("ended with %q, want signal: killed", got)
	}
}

func TestKill(t *testing.T) {
	tier.Integration(t)
	p, err := startFake(t, "serve", Options{})
	if err != nil {
		t.Fatal(err)
	}
	p.Kill()
	if got := p.State().String(); got != "signal: killed" {
		t.Errorf("ended with %q, want signal: killed", got)
	}
	p.Kill() // an ended process is left alone
	if err := p.Stop(); err != nil {
		t.Errorf("Stop after Kill: %v", err)
	}
}

func TestEnviron(t *testing.T) {
	parent := []string{"A=1", "B=2", "C=3", "NOEQUALS"}
	tests := []struct {
		name string
		set  map[string]string
		want []string
	}{
		{name: "nothing set", want: parent},
		{name: "replaced", set: map[string]string{"B": "x"}, want: []string{"A=1", "C=3", "NOEQUALS", "B=x"}},
		{name: "removed", set: map[string]string{"A": ""}, want: []string{"B=2", "C=3", "NOEQUALS"}},
		{name: "added in key order", set: map[string]string{"Z": "z", "D": "d"}, want: []string{"A=1", "B=2", "C=3", "NOEQUALS", "D=d", "Z=z"}},
		{name: "removing what is not there", set: map[string]string{"Q": ""}, want: parent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := environ(parent, tt.set); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}
