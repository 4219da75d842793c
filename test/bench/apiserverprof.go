package main

import (
	"context"
	"fmt"
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
	if err := freshDir(dir); err != nil {
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
				progress("kube-apiserver profile %s: %v", url, err)
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
