// Command image builds the manager's container image without a container
// engine: the static manager binary for each platform (built exactly as the
// Dockerfile builds it), assembled with the go-containerregistry library
// into a multi-platform OCI image index (see package oci), written as an OCI
// layout tar archive.
//
//	go run ./hack/image -o bin/oauth-client-operator-image.tar
//	ctr -n k8s.io images import bin/oauth-client-operator-image.tar
//	docker load -i bin/oauth-client-operator-image.tar         # Docker 25+
//	mkdir img && tar -xf bin/oauth-client-operator-image.tar -C img && crane push img REGISTRY/oauth-client-operator:TAG
//
// The same commit gives the same digest: file times are the commit's time
// (or SOURCE_DATE_EPOCH), and nothing of the build machine goes in. The
// last line of the output is "<reference> <index digest>".
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/hack/image/oci"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/reporoot"
)

const (
	chartFile     = "charts/oauth-client-operator/Chart.yaml"
	defaultSource = "https://github.com/oauth-client-operator/oauth-client-operator"
	defaultRepo   = "oauth-client-operator"
)

type options struct {
	out       string
	image     string
	platforms string
	pkg       string
	path      string
	source    string
	revision  string
	created   string
	title     string
}

func main() {
	var o options
	flag.StringVar(&o.out, "o", "bin/oauth-client-operator-image.tar", "the OCI layout tar archive to write")
	flag.StringVar(&o.image, "image", "", "the image reference; default "+defaultRepo+":<appVersion of "+chartFile+">")
	flag.StringVar(&o.platforms, "platforms", "linux/amd64,linux/arm64", "comma-separated os/arch list")
	flag.StringVar(&o.pkg, "package", "./cmd", "the Go main package to build")
	flag.StringVar(&o.path, "path", "/manager", "where the binary goes in the image (the entrypoint)")
	flag.StringVar(&o.source, "source", defaultSource, "label "+oci.LabelSource)
	flag.StringVar(&o.revision, "revision", "", "label "+oci.LabelRevision+"; default the checkout's commit")
	flag.StringVar(&o.created, "created", "", "image and file times, RFC 3339; default $SOURCE_DATE_EPOCH, else the commit's time")
	flag.StringVar(&o.title, "title", "oauth-client-operator", "label "+oci.LabelTitle)
	flag.Parse()
	ref, digest, err := run(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
	fmt.Printf("%s %s\n", ref, digest)
}

func run(o options) (ref, digest string, err error) {
	root, err := reporoot.Find()
	if err != nil {
		return "", "", err
	}
	version, err := chartAppVersion(filepath.Join(root, chartFile))
	if err != nil {
		return "", "", err
	}
	if o.image == "" {
		o.image = defaultRepo + ":" + version
	}
	ref, err = oci.NormalizeRef(o.image)
	if err != nil {
		return "", "", err
	}
	if o.revision == "" {
		if o.revision, err = gitRevision(root); err != nil {
			return "", "", err
		}
	}
	created, err := createdTime(root, o.created)
	if err != nil {
		return "", "", err
	}
	var platforms []oci.Platform
	for s := range strings.SplitSeq(o.platforms, ",") {
		p, err := oci.ParsePlatform(strings.TrimSpace(s))
		if err != nil {
			return "", "", err
		}
		platforms = append(platforms, p)
	}

	tmp, err := os.MkdirTemp("", "image-")
	if err != nil {
		return "", "", err
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	binaries := map[oci.Platform]string{}
	for _, p := range platforms {
		bin := filepath.Join(tmp, p.OS+"-"+p.Arch, filepath.Base(o.path))
		fmt.Fprintf(os.Stderr, "image: building %s for %s\n", o.pkg, p)
		if err := goBuild(root, o.pkg, p, bin); err != nil {
			return "", "", err
		}
		binaries[p] = bin
	}

	idx, err := oci.Build(oci.Spec{
		Binaries: binaries,
		Path:     o.path,
		Created:  created,
		Ports:    []string{"8080/tcp", "8081/tcp"},
		Labels: map[string]string{
			oci.LabelSource:   o.source,
			oci.LabelVersion:  version,
			oci.LabelRevision: o.revision,
			oci.LabelCreated:  created.UTC().Format(time.RFC3339),
			oci.LabelTitle:    o.title,
		},
	})
	if err != nil {
		return "", "", err
	}
	d, err := idx.Digest()
	if err != nil {
		return "", "", err
	}
	if err := writeAtomically(o.out, func(f *os.File) error { return oci.WriteLayout(f, idx, ref) }); err != nil {
		return "", "", fmt.Errorf("writing %s: %w", o.out, err)
	}
	fmt.Fprintf(os.Stderr, "image: wrote %s (%s, %s)\n", o.out, o.platforms, o.revision)
	return ref, d.String(), nil
}

// goBuild builds pkg for p the way the Dockerfile does (static, -trimpath,
// stripped), with nothing of the caller's environment that changes the
// output (GOFLAGS, GOAMD64, GOARM64, GOEXPERIMENT) and no VCS stamp.
func goBuild(root, pkg string, p oci.Platform, out string) error {
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, pkg) //nolint:gosec // G204: go build of the package the developer names, with fixed flags
	cmd.Dir = root
	cmd.Env = append(filteredEnv("GOFLAGS", "GOAMD64", "GOARM64", "GOARM", "GOEXPERIMENT", "CGO_ENABLED", "GOOS", "GOARCH"),
		"CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOFLAGS=-mod=readonly")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build %s for %s: %w", pkg, p, err)
	}
	return nil
}

func filteredEnv(drop ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		keep := true
		for _, d := range drop {
			if name == d {
				keep = false
			}
		}
		if keep {
			env = append(env, kv)
		}
	}
	return env
}

// chartAppVersion is the chart's appVersion: the one version of the
// operator, which config/manager's image tag repeats.
func chartAppVersion(file string) (string, error) {
	b, err := os.ReadFile(file) //nolint:gosec // G304: the chart's Chart.yaml in this checkout
	if err != nil {
		return "", fmt.Errorf("reading the version: %w", err)
	}
	var chart struct {
		AppVersion string `json:"appVersion"`
	}
	if err := yaml.Unmarshal(b, &chart); err != nil {
		return "", fmt.Errorf("reading the version from %s: %w", file, err)
	}
	if chart.AppVersion == "" {
		return "", fmt.Errorf("%s has no appVersion", file)
	}
	return chart.AppVersion, nil
}

func git(root string, args ...string) (string, error) {
	cmd := exec.Command("git", args...) //nolint:gosec // G204: git with fixed subcommands in this checkout
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(string(out)), nil
}

// gitRevision is HEAD, marked -dirty when what the binary is built from has
// uncommitted changes.
func gitRevision(root string) (string, error) {
	rev, err := git(root, "rev-parse", "HEAD")
	if err != nil {
		return "", fmt.Errorf("finding the revision (or pass -revision): %w", err)
	}
	status, err := git(root, "status", "--porcelain", "--untracked-files=no", "--", "go.mod", "go.sum", "api", "cmd", "controllers", "internal")
	if err != nil {
		return "", err
	}
	if status != "" {
		rev += "-dirty"
	}
	return rev, nil
}

func createdTime(root, flagValue string) (time.Time, error) {
	if flagValue != "" {
		t, err := time.Parse(time.RFC3339, flagValue)
		if err != nil {
			return time.Time{}, fmt.Errorf("-created: %w", err)
		}
		return t, nil
	}
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("SOURCE_DATE_EPOCH: %w", err)
		}
		return time.Unix(n, 0), nil
	}
	s, err := git(root, "log", "-1", "--format=%ct")
	if err != nil {
		return time.Time{}, fmt.Errorf("finding the commit time (or pass -created): %w", err)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("commit time %q: %w", s, err)
	}
	return time.Unix(n, 0), nil
}

func writeAtomically(name string, write func(*os.File) error) error {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil { //nolint:gosec // G301: the output directory (bin/), readable like the rest of the checkout
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return err
	}
	defer func() { _ = os.Remove(f.Name()) }()
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		_ = f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), name)
}
