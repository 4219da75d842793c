package oci_test

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/validate"

	"github.com/oauth-client-operator/oauth-client-operator/hack/image/oci"
)

var (
	amd64 = oci.Platform{OS: "linux", Arch: "amd64"}
	arm64 = oci.Platform{OS: "linux", Arch: "arm64"}
)

// binaries writes stand-in binaries into a fresh directory, with the given
// file mode and modification time: neither may reach the image.
func binaries(t *testing.T, mode os.FileMode, mtime time.Time) map[oci.Platform]string {
	t.Helper()
	dir := t.TempDir()
	out := map[oci.Platform]string{}
	for _, p := range []oci.Platform{arm64, amd64} {
		name := filepath.Join(dir, p.Arch)
		if err := os.WriteFile(name, []byte("#!binary for "+p.String()+strings.Repeat("x", 4096)), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(name, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		out[p] = name
	}
	return out
}

func spec(bins map[oci.Platform]string) oci.Spec {
	return oci.Spec{
		Binaries: bins,
		Path:     "/manager",
		Created:  time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Ports:    []string{"8080/tcp"},
		Labels: map[string]string{
			oci.LabelSource:   "https://example.com/src",
			oci.LabelVersion:  "v1.2.3",
			oci.LabelRevision: "0123abcd",
		},
	}
}

func archive(t *testing.T, s oci.Spec, ref string) (v1.Hash, []byte) {
	t.Helper()
	idx, err := oci.Build(s)
	if err != nil {
		t.Fatal(err)
	}
	d, err := idx.Digest()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := oci.WriteLayout(&buf, idx, ref); err != nil {
		t.Fatal(err)
	}
	return d, buf.Bytes()
}

func TestBuildIsReproducible(t *testing.T) {
	const ref = "docker.io/library/oauth-client-operator:v1.2.3"
	d1, a1 := archive(t, spec(binaries(t, 0o755, time.Now())), ref)
	d2, a2 := archive(t, spec(binaries(t, 0o700, time.Unix(12345, 0))), ref)
	if d1 != d2 {
		t.Errorf("index digest %s, then %s from the same binaries", d1, d2)
	}
	if !bytes.Equal(a1, a2) {
		t.Error("the archives differ from the same binaries")
	}

	other := spec(binaries(t, 0o755, time.Now()))
	other.Labels[oci.LabelRevision] = "fedc9876"
	if d3, _ := archive(t, other, ref); d3 == d1 {
		t.Error("another revision label gives the same digest")
	}
}

func TestLayoutIsValidAndDescribesTheImage(t *testing.T) {
	const ref = "registry.example.com:5000/team/oauth-client-operator:v1.2.3"
	digest, data := archive(t, spec(binaries(t, 0o755, time.Now())), ref)
	dir := untar(t, data)

	top, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Manifests) != 1 || tm.Manifests[0].Digest != digest {
		t.Fatalf("index.json %+v, want one entry %s", tm.Manifests, digest)
	}
	ann := tm.Manifests[0].Annotations
	if ann[oci.AnnotationContainerdName] != ref || ann[oci.AnnotationRefName] != "v1.2.3" {
		t.Errorf("index.json annotations %v", ann)
	}
	idx, err := top.ImageIndex(digest)
	if err != nil {
		t.Fatal(err)
	}
	if err := validate.Index(idx); err != nil {
		t.Fatalf("the layout does not validate: %v", err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if im.Annotations[oci.LabelRevision] != "0123abcd" {
		t.Errorf("index annotations %v lack the revision", im.Annotations)
	}
	if len(im.Manifests) != 2 {
		t.Fatalf("%d platform manifests, want 2", len(im.Manifests))
	}
	for _, desc := range im.Manifests {
		img, err := idx.Image(desc.Digest)
		if err != nil {
			t.Fatal(err)
		}
		cf, err := img.ConfigFile()
		if err != nil {
			t.Fatal(err)
		}
		p := desc.Platform
		if p == nil || cf.OS != p.OS || cf.Architecture != p.Architecture || p.OS != "linux" {
			t.Errorf("descriptor platform %+v, config %s/%s", p, cf.OS, cf.Architecture)
		}
		if cf.Config.User != oci.NonRootUser || len(cf.Config.Entrypoint) != 1 || cf.Config.Entrypoint[0] != "/manager" {
			t.Errorf("%s: user %q entrypoint %v", p.Architecture, cf.Config.User, cf.Config.Entrypoint)
		}
		if cf.Config.Labels[oci.LabelSource] != "https://example.com/src" || cf.Config.Labels[oci.LabelVersion] != "v1.2.3" {
			t.Errorf("%s: labels %v", p.Architecture, cf.Config.Labels)
		}
		if !cf.Created.Equal(time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)) {
			t.Errorf("%s: created %v", p.Architecture, cf.Created)
		}
		files := layerFiles(t, img)
		bin, ok := files["manager"]
		if !ok || bin.Mode != 0o755 || bin.Uid != 0 || !strings.Contains(string(bin.content), p.Architecture) {
			t.Errorf("%s: /manager %+v (want mode 0755, owner 0, this platform's binary)", p.Architecture, bin.Header)
		}
		if !strings.Contains(string(files["etc/passwd"].content), ":65532:65532:") {
			t.Errorf("%s: /etc/passwd lacks the non-root user", p.Architecture)
		}
		if tmp := files["tmp/"]; tmp.Mode != 0o1777 {
			t.Errorf("%s: /tmp mode %o, want 1777", p.Architecture, tmp.Mode)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(files["etc/ssl/certs/ca-certificates.crt"].content) {
			t.Errorf("%s: no CA bundle", p.Architecture)
		}
		for name, f := range files {
			if !f.ModTime.Equal(cf.Created.Time) {
				t.Errorf("%s: %s has time %v, want the image's %v", p.Architecture, name, f.ModTime, cf.Created.Time)
			}
		}
	}
}

type file struct {
	*tar.Header
	content []byte
}

// layerFiles reads the image's file system, later layers winning.
func layerFiles(t *testing.T, img v1.Image) map[string]file {
	t.Helper()
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]file{}
	for _, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		tr := tar.NewReader(rc)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			b, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			files[h.Name] = file{h, b}
		}
		_ = rc.Close()
	}
	return files
}

func untar(t *testing.T, data []byte) string {
	t.Helper()
	dir := t.TempDir()
	tr := tar.NewReader(bytes.NewReader(data))
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return dir
		}
		if err != nil {
			t.Fatal(err)
		}
		name := filepath.Join(dir, filepath.FromSlash(h.Name))
		if h.Typeflag == tar.TypeDir {
			if err := os.MkdirAll(name, 0o755); err != nil { //nolint:gosec // G301: the test's own temporary directory
				t.Fatal(err)
			}
			continue
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, b, 0o644); err != nil { //nolint:gosec // G306: the test's own temporary directory
			t.Fatal(err)
		}
	}
}

func TestNormalizeRef(t *testing.T) {
	for in, want := range map[string]string{
		"oauth-client-operator:v0.1.0":                    "docker.io/library/oauth-client-operator:v0.1.0",
		"oauth-client-operator":                           "docker.io/library/oauth-client-operator:latest",
		"team/app:1":                                      "docker.io/team/app:1",
		"index.docker.io/team/app:1":                      "docker.io/team/app:1",
		"registry.example.com:5000/team/app:v1":           "registry.example.com:5000/team/app:v1",
		"registry.example.com:5000/team/app":              "registry.example.com:5000/team/app:latest",
		"localhost/app:dev":                               "localhost/app:dev",
		"ghcr.io/o/app@sha256:" + strings.Repeat("a", 64): "ghcr.io/o/app@sha256:" + strings.Repeat("a", 64),
	} {
		got, err := oci.NormalizeRef(in)
		if err != nil || got != want {
			t.Errorf("NormalizeRef(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "Upper/Case:1", "with space:1"} {
		if got, err := oci.NormalizeRef(bad); err == nil {
			t.Errorf("NormalizeRef(%q) = %q, want an error", bad, got)
		}
	}
}
