// Package hydra runs a real Ory Hydra v2 (built from the Go module proxy by
// hack/hydra.sh) as a child process for tests: free loopback ports, a fresh
// sqlite database in its own directory, migrated, served with --dev, with
// OpenID Connect dynamic client registration enabled and advertised in
// discovery. Its admin port has no authentication, as self-hosted Hydra's
// never has; CountingProxy puts a counting (and optionally bearer-checking)
// proxy in front of it.
package hydra

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/logbuf"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/oauthcall"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/proc"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/reporoot"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/tier"
)

const (
	startupTimeout = 60 * time.Second
	// buildTimeout bounds hack/hydra.sh when it has to build Hydra.
	buildTimeout = 15 * time.Minute
	// startAttempts: a free port can be taken between proc.FreePorts and
	// Hydra's listen; Start then tries again with new ports.
	startAttempts = 3
	buildHint     = "run `make hydra` (hack/hydra.sh) or set HYDRA_BIN"
)

// HydraDefaultScope is the scope Hydra v2 gives a client registered without
// one, when oidc.dynamic_client_registration.default_scope is not set.
var HydraDefaultScope = []string{"offline_access", "offline", "openid"}

// Options configure the server. The zero value is what the package comment
// describes, logging at warn level.
type Options struct {
	// LogLevel is Hydra's log.level; default "warn" (at "info" Hydra logs
	// every request).
	LogLevel string
	// DefaultScope sets oidc.dynamic_client_registration.default_scope; nil
	// keeps Hydra's default (HydraDefaultScope).
	DefaultScope []string
	// Dir holds the config file and the database; default a new temporary
	// directory, removed by Close.
	Dir string
	// Stderr receives Hydra's output (its log); nil discards it.
	Stderr io.Writer
}

// Server is a running Hydra.
type Server struct {
	// AdminURL is the admin API's base URL, http://127.0.0.1:PORT (the
	// client API is AdminURL + "/admin/clients").
	AdminURL string
	// PublicURL is the public API's base URL, http://127.0.0.1:PORT.
	PublicURL string
	// Issuer is the issuer Hydra advertises; equal to PublicURL.
	Issuer string
	// TokenURL and RegistrationURL are Hydra's token and RFC 7591
	// registration endpoints.
	TokenURL, RegistrationURL string

	bin        string
	dir        string
	ownDir     bool
	configPath string
	stderr     io.Writer
	http       *http.Client

	slot proc.Slot // the `hydra serve all` process
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// Binary returns the Hydra binary: HYDRA_BIN when set, otherwise the path
// hack/hydra.sh prints (it builds Hydra on first use, which takes minutes,
// and reuses it afterwards). The answer is computed once per process.
func Binary() (string, error) {
	binOnce.Do(func() { binPath, binErr = findBinary() })
	return binPath, binErr
}

func findBinary() (string, error) {
	if bin := os.Getenv("HYDRA_BIN"); bin != "" {
		if _, err := os.Stat(bin); err != nil { //nolint:gosec // G703: HYDRA_BIN is the binary the developer or CI points the harness at, only checked to exist
			return "", fmt.Errorf("HYDRA_BIN: %w", err)
		}
		return bin, nil
	}
	root, err := repoRoot()
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	stderr := logbuf.NewTail(4096)
	cmd := exec.CommandContext(ctx, filepath.Join(root, "hack", "hydra.sh")) //nolint:gosec // G204: the repository's own build script, found from the module root
	cmd.Dir = root
	cmd.Stderr = stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("building Hydra with hack/hydra.sh: %w: %s (%s)", err, stderr.String(), buildHint)
	}
	bin := strings.TrimSpace(string(out))
	if i := strings.LastIndexByte(bin, '\n'); i >= 0 {
		bin = bin[i+1:]
	}
	if _, err := os.Stat(bin); err != nil {
		return "", fmt.Errorf("hack/hydra.sh printed %q: %w", bin, err)
	}
	return bin, nil
}

// Start gives the server a migrated database and runs `hydra serve all --dev`, and
// returns once both ports answer /health/ready.
func Start(ctx context.Context, opts Options) (*Server, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: opts.Dir, stderr: opts.Stderr, http: &http.Client{Timeout: 30 * time.Second}}
	s.slot = proc.Slot{Name: "Hydra", OnStop: s.http.CloseIdleConnections, GaveUpDraining: gaveUpDraining}
	if s.dir == "" {
		if s.dir, err = os.MkdirTemp("", "hydra-"); err != nil {
			return nil, fmt.Errorf("starting Hydra: %w", err)
		}
		s.ownDir = true
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startupTimeout)
		defer cancel()
	}
	for attempt := 1; ; attempt++ {
		err = s.configure(opts)
		if err == nil {
			err = s.prepareDatabase(ctx)
		}
		if err == nil {
			err = s.start(ctx)
		}
		if err == nil {
			return s, nil
		}
		if !errors.Is(err, errPortTaken) || attempt == startAttempts {
			s.removeDir()
			return nil, err
		}
	}
}

// StartT is Start for a test: the server's directory is in t.TempDir, its
// output goes to the test log, it stops when the test ends, and a failure to
// start fails the test. It belongs to the integration tier: without
// TEST_INTEGRATION=1 it skips the test (package tier).
func StartT(t testing.TB, opts Options) *Server {
	t.Helper()
	tier.Integration(t)
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Stderr == nil {
		opts.Stderr = logbuf.NewTestLog(t, "hydra")
	}
	s, err := Start(context.Background(), opts)
	if err != nil {
		t.Fatalf("starting Hydra: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stopping Hydra: %v", err)
		}
	})
	return s
}

var errPortTaken = errors.New("a port was taken")

// configure picks free ports and writes the config file.
func (s *Server) configure(opts Options) error {
	ports, err := proc.FreePorts(2)
	if err != nil {
		return fmt.Errorf("starting Hydra: %w", err)
	}
	public, admin := ports[0], ports[1]
	s.PublicURL = "http://127.0.0.1:" + strconv.Itoa(public)
	s.AdminURL = "http://127.0.0.1:" + strconv.Itoa(admin)
	s.Issuer = s.PublicURL
	s.TokenURL = s.PublicURL + "/oauth2/token"
	s.RegistrationURL = s.PublicURL + "/oauth2/register"

	level := opts.LogLevel
	if level == "" {
		level = "warn"
	}
	dcr := map[string]any{"enabled": true}
	if opts.DefaultScope != nil {
		dcr["default_scope"] = opts.DefaultScope
	}
	cfg := map[string]any{
		"dsn": dsn(s.dir),
		"serve": map[string]any{
			"public": map[string]any{"host": "127.0.0.1", "port": public},
			"admin":  map[string]any{"host": "127.0.0.1", "port": admin},
		},
		"urls": map[string]any{"self": map[string]any{"issuer": s.Issuer}},
		"oidc": map[string]any{"dynamic_client_registration": dcr},
		// Without it discovery advertises no registration_endpoint.
		"webfinger": map[string]any{"oidc_discovery": map[string]any{"client_registration_url": s.RegistrationURL}},
		"secrets":   map[string]any{"system": []string{rand.Text() + rand.Text()}},
		"log":       map[string]any{"level": level, "format": "json", "leak_sensitive_values": false},
	}
	b, err := yaml.Marshal(cfg)
	if err != nil {
		return fmt.Errorf("starting Hydra: encoding its config: %w", err)
	}
	s.configPath = filepath.Join(s.dir, "hydra.yml")
	if err := os.WriteFile(s.configPath, b, 0o600); err != nil {
		return fmt.Errorf("starting Hydra: writing its config: %w", err)
	}
	return nil
}

// start runs `hydra serve all` and waits until it is ready, its signing
// keys included.
func (s *Server) start(ctx context.Context) error {
	s.slot.Lock()
	defer s.slot.Unlock()
	if s.slot.Running() {
		return errors.New("starting Hydra: already running")
	}
	output := logbuf.NewTail(8192)
	cmd := exec.Command(s.bin, "serve", "all", "--dev", "--sqa-opt-out", "--config", s.configPath) //nolint:gosec // G204: the Hydra binary the harness built (or HYDRA_BIN), fixed arguments and its own temp config
	cmd.Env = s.env()
	cmd.Dir = s.dir
	var out io.Writer = output
	if s.stderr != nil {
		out = io.MultiWriter(output, s.stderr)
	}
	cmd.Stdout, cmd.Stderr = out, out
	child, err := proc.Start(cmd)
	if err != nil {
		return fmt.Errorf("starting Hydra (%s): %w", s.bin, err)
	}
	s.slot.Fill(child, output)
	for _, u := range []string{s.AdminURL + "/health/ready", s.PublicURL + "/health/ready"} {
		if err := proc.WaitOK(ctx, u, child.Done()); err != nil {
			_ = s.slot.StopLocked()
			if errors.Is(err, proc.ErrExited) && strings.Contains(output.String(), "address already in use") {
				return fmt.Errorf("starting Hydra: %w: %s", errPortTaken, output.String())
			}
			return fmt.Errorf("starting Hydra: waiting for %s: %w: %s", u, err, output.String())
		}
	}
	if err := s.seedKeys(ctx, child.Done()); err != nil {
		_ = s.slot.StopLocked()
		return fmt.Errorf("starting Hydra: %w: %s", err, output.String())
	}
	return nil
}

// gaveUpDraining says whether Hydra's output ends with it giving up its
// graceful shutdown. On SIGTERM each of its listeners drains for 5 s
// (ory/graceful's DefaultShutdownTimeout, not configurable) and then Hydra
// exits 1, its last line "Could not gracefully run server" with the
// context's deadline. Go's http.Server counts a connection that was dialed
// but has sent no request yet as busy for its first 5 s, so a spare
// connection the operator's transport opened just before the stop is
// enough: Hydra was asked to stop and stopped, which is not a failure of
// the test.
func gaveUpDraining(output string) bool {
	lines := strings.Split(strings.TrimRight(output, "\n"), "\n")
	last := lines[len(lines)-1]
	return strings.Contains(last, `"Could not gracefully run server"`) && strings.Contains(last, context.DeadlineExceeded.Error())
}

// env is a minimal environment: Hydra reads every config key from the
// environment too (DSN, SERVE_PUBLIC_PORT, ...), so the parent's is not
// passed on. Telemetry is off: tests talk only to loopback.
func (s *Server) env() []string {
	env := []string{"SQA_OPT_OUT=true", "HOME=" + s.dir}
	for _, k := range []string{"PATH", "TMPDIR", "TZ"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// Stop ends Hydra (SIGTERM to its process group, SIGKILL after 10s) and
// waits for it; the database stays, so Restart brings the same clients
// back. Stopping a stopped server does nothing.
func (s *Server) Stop() error { return s.slot.Stop() }

// Restart starts a stopped Hydra again on the same ports with the same
// database. A running one is stopped first.
func (s *Server) Restart(ctx context.Context) error {
	if err := s.Stop(); err != nil {
		return fmt.Errorf("restarting Hydra: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, startupTimeout)
		defer cancel()
	}
	return s.start(ctx)
}

// Close stops Hydra and removes the directory Start created.
func (s *Server) Close() error {
	err := s.Stop()
	s.removeDir()
	return err
}

func (s *Server) removeDir() {
	if s.ownDir {
		_ = os.RemoveAll(s.dir)
	}
}

// ClientCredentialsToken gets an access token for the client with the
// client_credentials grant at Hydra's token endpoint (client_secret_basic,
// id and secret form-encoded as RFC 6749 §2.3.1 asks); scope may be empty.
func (s *Server) ClientCredentialsToken(ctx context.Context, clientID, clientSecret, scope string) (string, error) {
	return oauthcall.ClientCredentialsToken(ctx, s.http, s.TokenURL, clientID, clientSecret, scope)
}

// Admin makes a raw call to the admin API, for tests that change Hydra
// behind the operator's back. path is below AdminURL (e.g.
// "/admin/clients/ID"); body, when not nil, is sent as JSON. It returns the
// status and body.
func (s *Server) Admin(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, fmt.Errorf("admin %s %s: encoding the body: %w", method, path, err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, s.AdminURL+path, rd)
	if err != nil {
		return 0, nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	status, b, err := oauthcall.Do(s.http, req)
	if err != nil {
		return 0, nil, fmt.Errorf("admin %s %s: %w", method, path, err)
	}
	return status, b, nil
}

// AdminClient reads one client from the admin API as a JSON object; found
// is false on 404.
func (s *Server) AdminClient(ctx context.Context, clientID string) (client map[string]any, found bool, err error) {
	status, body, err := s.Admin(ctx, http.MethodGet, "/admin/clients/"+url.PathEscape(clientID), nil)
	if err != nil {
		return nil, false, err
	}
	switch status {
	case http.StatusOK:
	case http.StatusNotFound:
		return nil, false, nil
	default:
		return nil, false, fmt.Errorf("reading client %q: %s", clientID, oauthcall.Describe(status, body))
	}
	if err := json.Unmarshal(body, &client); err != nil {
		return nil, false, fmt.Errorf("reading client %q: decoding: %w", clientID, err)
	}
	return client, true, nil
}

// AdminClientCount returns how many clients Hydra holds (its X-Total-Count).
func (s *Server) AdminClientCount(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.AdminURL+"/admin/clients?page_size=1", nil)
	if err != nil {
		return 0, err
	}
	resp, err := s.http.Do(req)
	if err != nil {
		return 0, fmt.Errorf("counting clients: %w", err)
	}
	defer func() { _ = resp.Body.Close() }()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("counting clients: HTTP %d", resp.StatusCode)
	}
	n, err := strconv.Atoi(resp.Header.Get("X-Total-Count"))
	if err != nil {
		return 0, fmt.Errorf("counting clients: X-Total-Count %q", resp.Header.Get("X-Total-Count"))
	}
	return n, nil
}

// repoRoot returns the directory holding go.mod, searching up from the
// working directory.
func repoRoot() (string, error) {
	root, err := reporoot.Find()
	if errors.Is(err, reporoot.ErrNotFound) {
		return "", fmt.Errorf("finding hack/hydra.sh: %w (%s)", err, buildHint)
	}
	if err != nil {
		return "", fmt.Errorf("finding hack/hydra.sh: %w", err)
	}
	return root, nil
}
