// Package oci assembles container images from static binaries, without a
// container engine or a registry, with the go-containerregistry library: a
// base layer (passwd and group with a numeric non-root user, a CA bundle,
// /tmp) shared by every platform, a layer with the binary, an OCI image
// index over the platforms, written as an OCI image layout in a tar archive.
//
// The result depends on its inputs only: file times in the layers are the
// Created time, owners are 0:0, entries and blobs are sorted, and the tar
// archive itself carries fixed times. The same binaries give the same
// digest.
package oci

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"golang.org/x/crypto/x509roots/fallback/bundle"
)

// NonRootUser is the numeric user and group the images run as, the one
// distroless calls nonroot.
const NonRootUser = "65532:65532"

// Annotation and label keys of the OCI image spec.
const (
	LabelSource   = "org.opencontainers.image.source"
	LabelVersion  = "org.opencontainers.image.version"
	LabelRevision = "org.opencontainers.image.revision"
	LabelCreated  = "org.opencontainers.image.created"
	LabelTitle    = "org.opencontainers.image.title"
	// AnnotationRefName names an index.json entry (the tag).
	AnnotationRefName = "org.opencontainers.image.ref.name"
	// AnnotationContainerdName is the full reference ctr and Docker's
	// containerd store give the imported image.
	AnnotationContainerdName = "io.containerd.image.name"
)

// Platform is an OS/architecture pair such as linux/arm64.
type Platform struct {
	OS   string
	Arch string
}

func (p Platform) String() string { return p.OS + "/" + p.Arch }

// ParsePlatform reads "os/arch".
func ParsePlatform(s string) (Platform, error) {
	osName, arch, ok := strings.Cut(s, "/")
	if !ok || osName == "" || arch == "" || strings.Contains(arch, "/") {
		return Platform{}, fmt.Errorf("platform %q: want os/arch, e.g. linux/amd64", s)
	}
	return Platform{OS: osName, Arch: arch}, nil
}

// Spec describes an image.
type Spec struct {
	// Binaries is the static binary for each platform.
	Binaries map[Platform]string
	// Path is where the binary goes in the image, e.g. "/manager"; it is
	// also the entrypoint.
	Path string
	// Args follow the entrypoint (the image's Cmd).
	Args []string
	// Created is the image's creation time and every file's time; use the
	// commit's time for a reproducible image.
	Created time.Time
	// Labels go into each image's config and, as annotations, on the index.
	Labels map[string]string
	// Ports are exposed ports such as "8080/tcp" (documentation only).
	Ports []string
}

// Build assembles the image index described by spec.
func Build(spec Spec) (v1.ImageIndex, error) {
	if len(spec.Binaries) == 0 {
		return nil, errors.New("no binaries")
	}
	if !path.IsAbs(spec.Path) || path.Clean(spec.Path) != spec.Path || spec.Path == "/" {
		return nil, fmt.Errorf("binary path %q: want a clean absolute file path", spec.Path)
	}
	created := spec.Created.UTC().Truncate(time.Second)
	base, err := baseLayer(created)
	if err != nil {
		return nil, fmt.Errorf("building the base layer: %w", err)
	}

	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	platforms := slices.SortedFunc(maps.Keys(spec.Binaries), func(a, b Platform) int {
		return strings.Compare(a.String(), b.String())
	})
	for _, p := range platforms {
		img, err := platformImage(spec, p, created, base)
		if err != nil {
			return nil, fmt.Errorf("building the %s image: %w", p, err)
		}
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{
			Add:        img,
			Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: p.OS, Architecture: p.Arch}},
		})
	}
	if len(spec.Labels) > 0 {
		idx = mutate.Annotations(idx, spec.Labels).(v1.ImageIndex)
	}
	return idx, nil
}

func platformImage(spec Spec, p Platform, created time.Time, base v1.Layer) (v1.Image, error) {
	bin, err := os.ReadFile(spec.Binaries[p])
	if err != nil {
		return nil, fmt.Errorf("reading the binary: %w", err)
	}
	binLayer, err := layer(created, func(w *fileTree) {
		w.file(spec.Path, 0o755, bin)
	})
	if err != nil {
		return nil, fmt.Errorf("building the binary layer: %w", err)
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	img, err = mutate.Append(img,
		mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{
			Created: v1.Time{Time: created}, CreatedBy: "oci.Build: passwd, group, CA bundle, /tmp",
		}},
		mutate.Addendum{Layer: binLayer, MediaType: types.OCILayer, History: v1.History{
			Created: v1.Time{Time: created}, CreatedBy: "oci.Build: " + spec.Path,
		}},
	)
	if err != nil {
		return nil, err
	}
	cf, err := img.ConfigFile()
	if err != nil {
		return nil, err
	}
	cf = cf.DeepCopy()
	cf.OS = p.OS
	cf.Architecture = p.Arch
	cf.Created = v1.Time{Time: created}
	cf.Config = v1.Config{
		Entrypoint: []string{spec.Path},
		Cmd:        spec.Args,
		User:       NonRootUser,
		WorkingDir: "/",
		Labels:     spec.Labels,
	}
	if len(spec.Ports) > 0 {
		cf.Config.ExposedPorts = map[string]struct{}{}
		for _, port := range spec.Ports {
			cf.Config.ExposedPorts[port] = struct{}{}
		}
	}
	return mutate.ConfigFile(img, cf)
}

// baseLayer holds what a static binary expects of a minimal root: a passwd
// and group naming the non-root user, the Mozilla CA bundle (from
// golang.org/x/crypto/x509roots/fallback, so it is pinned by go.sum rather
// than taken from the build machine) and a world-writable /tmp.
func baseLayer(created time.Time) (v1.Layer, error) {
	cas, err := caBundle()
	if err != nil {
		return nil, err
	}
	return layer(created, func(w *fileTree) {
		w.file("/etc/passwd", 0o644, []byte("root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"))
		w.file("/etc/group", 0o644, []byte("root:x:0:\nnonroot:x:65532:\n"))
		w.file("/etc/ssl/certs/ca-certificates.crt", 0o644, cas)
		w.dir("/home/nonroot", 0o700, 65532)
		w.dir("/tmp", 0o1777, 0)
	})
}

// caBundle is the PEM bundle of the roots that carry no extra constraint (a
// PEM file cannot express "distrusted after").
func caBundle() ([]byte, error) {
	var buf bytes.Buffer
	n := 0
	for root := range bundle.Roots() {
		if root.Constraint != nil {
			continue
		}
		if _, err := x509.ParseCertificate(root.Certificate); err != nil {
			return nil, fmt.Errorf("CA bundle: %w", err)
		}
		if err := pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: root.Certificate}); err != nil {
			return nil, err
		}
		n++
	}
	if n == 0 {
		return nil, errors.New("CA bundle: no roots")
	}
	return buf.Bytes(), nil
}

// fileTree collects the entries of a layer; parent directories are added
// as needed.
type fileTree struct {
	entries map[string]entry
}

type entry struct {
	mode    int64
	owner   int
	content []byte
	isDir   bool
}

func (t *fileTree) parents(name string) {
	for d := path.Dir(name); d != "/"; d = path.Dir(d) {
		if _, ok := t.entries[d]; !ok {
			t.entries[d] = entry{mode: 0o755, isDir: true}
		}
	}
}

func (t *fileTree) file(name string, mode int64, content []byte) {
	t.parents(name)
	t.entries[name] = entry{mode: mode, content: content}
}

func (t *fileTree) dir(name string, mode int64, owner int) {
	t.parents(name)
	t.entries[name] = entry{mode: mode, owner: owner, isDir: true}
}

// layer writes the entries fill adds as a tar stream, sorted by name, every
// time set to created, and wraps it as a gzip-compressed OCI layer.
func layer(created time.Time, fill func(*fileTree)) (v1.Layer, error) {
	t := &fileTree{entries: map[string]entry{}}
	fill(t)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, name := range slices.Sorted(maps.Keys(t.entries)) {
		e := t.entries[name]
		hdr := &tar.Header{
			Name:    strings.TrimPrefix(name, "/"),
			Mode:    e.mode,
			Uid:     e.owner,
			Gid:     e.owner,
			ModTime: created,
			Format:  tar.FormatPAX,
		}
		if e.isDir {
			hdr.Typeflag = tar.TypeDir
			hdr.Name += "/"
		} else {
			hdr.Typeflag = tar.TypeReg
			hdr.Size = int64(len(e.content))
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return nil, err
		}
		if _, err := tw.Write(e.content); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	data := buf.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	}, tarball.WithMediaType(types.OCILayer), tarball.WithCompressionLevel(6))
}

// WriteLayout writes idx as an OCI image layout (oci-layout, index.json,
// blobs/sha256/...) in a tar archive, the form `ctr images import`,
// `docker load` (Docker 25 and later) and, unpacked, `crane push DIR REF`
// take. ref is the image's full reference, e.g.
// docker.io/library/oauth-client-operator:v0.1.0; its tag names the
// index.json entry.
func WriteLayout(w io.Writer, idx v1.ImageIndex, ref string) error {
	digest, err := idx.Digest()
	if err != nil {
		return err
	}
	size, err := idx.Size()
	if err != nil {
		return err
	}
	mt, err := idx.MediaType()
	if err != nil {
		return err
	}
	annotations := map[string]string{AnnotationContainerdName: ref}
	if tag := refTag(ref); tag != "" {
		annotations[AnnotationRefName] = tag
	}
	top := v1.IndexManifest{
		SchemaVersion: 2,
		MediaType:     types.OCIImageIndex,
		Manifests: []v1.Descriptor{{
			MediaType: mt, Size: size, Digest: digest, Annotations: annotations,
		}},
	}
	topJSON, err := json.Marshal(top)
	if err != nil {
		return err
	}

	blobs := map[v1.Hash]func() (io.ReadCloser, error){}
	if err := collectIndex(idx, blobs); err != nil {
		return err
	}

	tw := tar.NewWriter(w)
	epoch := time.Unix(0, 0)
	writeBytes := func(name string, data []byte) error {
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(data)), ModTime: epoch, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		_, err := tw.Write(data)
		return err
	}
	for _, dir := range []string{"blobs/", "blobs/sha256/"} {
		if err := tw.WriteHeader(&tar.Header{Name: dir, Mode: 0o755, ModTime: epoch, Typeflag: tar.TypeDir, Format: tar.FormatPAX}); err != nil {
			return err
		}
	}
	for _, h := range slices.SortedFunc(maps.Keys(blobs), func(a, b v1.Hash) int { return strings.Compare(a.String(), b.String()) }) {
		rc, err := blobs[h]()
		if err != nil {
			return fmt.Errorf("reading blob %s: %w", h, err)
		}
		data, err := io.ReadAll(rc)
		_ = rc.Close()
		if err != nil {
			return fmt.Errorf("reading blob %s: %w", h, err)
		}
		if err := writeBytes("blobs/"+h.Algorithm+"/"+h.Hex, data); err != nil {
			return err
		}
	}
	if err := writeBytes("oci-layout", []byte(`{"imageLayoutVersion":"1.0.0"}`)); err != nil {
		return err
	}
	if err := writeBytes("index.json", topJSON); err != nil {
		return err
	}
	return tw.Close()
}

// collectIndex adds the blobs of idx and of everything it references.
func collectIndex(idx v1.ImageIndex, blobs map[v1.Hash]func() (io.ReadCloser, error)) error {
	raw, err := idx.RawManifest()
	if err != nil {
		return err
	}
	d, err := idx.Digest()
	if err != nil {
		return err
	}
	blobs[d] = bytesOpener(raw)
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	for _, desc := range im.Manifests {
		switch {
		case desc.MediaType.IsIndex():
			child, err := idx.ImageIndex(desc.Digest)
			if err != nil {
				return err
			}
			if err := collectIndex(child, blobs); err != nil {
				return err
			}
		case desc.MediaType.IsImage():
			img, err := idx.Image(desc.Digest)
			if err != nil {
				return err
			}
			if err := collectImage(img, blobs); err != nil {
				return err
			}
		default:
			return fmt.Errorf("index entry %s: unexpected media type %s", desc.Digest, desc.MediaType)
		}
	}
	return nil
}

func collectImage(img v1.Image, blobs map[v1.Hash]func() (io.ReadCloser, error)) error {
	raw, err := img.RawManifest()
	if err != nil {
		return err
	}
	d, err := img.Digest()
	if err != nil {
		return err
	}
	blobs[d] = bytesOpener(raw)
	cfg, err := img.RawConfigFile()
	if err != nil {
		return err
	}
	cd, err := img.ConfigName()
	if err != nil {
		return err
	}
	blobs[cd] = bytesOpener(cfg)
	layers, err := img.Layers()
	if err != nil {
		return err
	}
	for _, l := range layers {
		ld, err := l.Digest()
		if err != nil {
			return err
		}
		blobs[ld] = l.Compressed
	}
	return nil
}

func bytesOpener(b []byte) func() (io.ReadCloser, error) {
	return func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }
}

// refTag is the tag of a reference such as registry:5000/name:tag, or "".
func refTag(ref string) string {
	if i := strings.Index(ref, "@"); i >= 0 {
		ref = ref[:i]
	}
	slash := strings.LastIndex(ref, "/")
	if colon := strings.LastIndex(ref, ":"); colon > slash {
		return ref[colon+1:]
	}
	return ""
}

// NormalizeRef spells ref the way containerd and the kubelet do: a name
// without a registry is on docker.io, one without a path under library/,
// one without a tag or digest gets :latest.
func NormalizeRef(ref string) (string, error) {
	if ref == "" || strings.ContainsAny(ref, " \t\n") {
		return "", fmt.Errorf("image reference %q: not a reference", ref)
	}
	name, digest, _ := strings.Cut(ref, "@")
	tag := refTag(name)
	if tag != "" {
		name = strings.TrimSuffix(name, ":"+tag)
	}
	if name == "" || name != strings.ToLower(name) {
		return "", fmt.Errorf("image reference %q: the name must be lower case", ref)
	}
	first, rest, hasSlash := strings.Cut(name, "/")
	if !hasSlash || !strings.ContainsAny(first, ".:") && first != "localhost" {
		// No registry host: Docker Hub.
		if !hasSlash {
			name = "docker.io/library/" + name
		} else {
			name = "docker.io/" + name
		}
	} else if first == "index.docker.io" {
		name = "docker.io/" + rest
	}
	if tag == "" && digest == "" {
		tag = "latest"
	}
	out := name
	if tag != "" {
		out += ":" + tag
	}
	if digest != "" {
		out += "@" + digest
	}
	return out, nil
}
