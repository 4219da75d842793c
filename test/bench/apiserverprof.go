package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"

	"k8s.io/client-go/rest"
)

// apiServerSlice is the length of each kube-apiserver CPU profile, in
// seconds: profiles are taken back to back, so a phase of unknown length
// is covered up to its last slice (`go tool pprof DIR/*.pprof` merges them).
const apiServerSlice = 5

// profileAPIServer saves CPU profiles of kube-apiserver (its
// /debug/pprof/profile, on by default) into dir, one slice after another,
// until the returned stop function is called; stop waits for the slice
// being taken. The API server is where the apply's time goes, so these say
// what its work per client is made of.
func (h *harness) profileAPIServer(ctx context.Context, dir string) (stop func(), err error) {
	if err := os.RemoveAll(dir); err != nil { // profiles of an earlier run must not mix in
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil { //nolint:gosec // G301: a profile directory in the benchmark's output, readable like any build output
		return nil, err
	}
	hc, err := rest.HTTPClientFor(h.env.Config)
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", strings.TrimSuffix(h.env.Config.Host, "/"), apiServerSlice)
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; ; i++ {
			if err := saveURL(ctx, hc, url, filepath.Join(dir, fmt.Sprintf("cpu-%04d.pprof", i))); err != nil {
				progress("kube-apiserver profile: %v", err)
				return
			}
			select {
			case <-quit:
				return
			case <-ctx.Done():
				return
			default:
			}
		}
	}()
	return func() { close(quit); <-done }, nil
}

// saveURL writes the body of a GET of url to path.
func saveURL(ctx context.Context, hc *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	f, err := os.Create(path) //nolint:gosec // G304: a file in the benchmark's output directory
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// apiServerProfiles is a start function for profileAPIServer into the
// output's directory name, listed among the files as what; a failure to
// start is reported and leaves the phase unprofiled.
func (h *harness) apiServerProfiles(ctx context.Context, what, name string) func() (stop func()) {
	return func() func() {
		stop, err := h.profileAPIServer(ctx, h.file(what, name))
		if err != nil {
			progress("kube-apiserver profile: %v", err)
			return func() {}
		}
		return stop
	}
}
