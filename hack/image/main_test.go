package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestRunIsReproducible builds an image for two platforms twice, from
// different working directories, with the go build the manager's image
// uses: the same commit gives the same digest and the same bytes.
// (make test-cluster does the same with the manager itself.)
func TestRunIsReproducible(t *testing.T) {
	if testing.Short() {
		t.Skip("builds binaries for two platforms")
	}
	base, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	var digests []string
	var archives [][]byte
	for i, wd := range []string{".", "oci"} {
		out := filepath.Join(t.TempDir(), "image.tar")
		t.Chdir(filepath.Join(base, wd))
		_, digest, err := run(options{
			out:       out,
			image:     "example.com/hello:test",
			platforms: "linux/amd64,linux/arm64",
			pkg:       "github.com/oauth-client-operator/oauth-client-operator/hack/image/testdata/hello",
			path:      "/hello",
			source:    defaultSource,
			revision:  "0123456789abcdef",
			created:   "2026-01-02T03:04:05Z",
			title:     "hello",
		})
		if err != nil {
			t.Fatalf("build %d: %v", i+1, err)
		}
		data, err := os.ReadFile(out) //nolint:gosec // G304: the archive this test just wrote to its temporary directory
		if err != nil {
			t.Fatal(err)
		}
		digests = append(digests, digest)
		archives = append(archives, data)
	}
	if digests[0] != digests[1] {
		t.Errorf("digest %s, then %s", digests[0], digests[1])
	}
	if !bytes.Equal(archives[0], archives[1]) {
		t.Error("the two archives differ")
	}
}
