// Package proc holds what the test rig, the demo, the benchmark and the e2e
// tests need to run child processes: a process group that dies with its
// parent, and waiting for a process's HTTP probe.
package proc

import (
	"context"
	"errors"
	"net/http"
	"time"
)

// ErrExited is returned by WaitOK when the process ended first.
var ErrExited = errors.New("the process exited")

// WaitOK polls url until it answers 200, exited is closed (ErrExited), or ctx
// ends.
func WaitOK(ctx context.Context, url string, exited <-chan struct{}) error {
	hc := &http.Client{Timeout: 2 * time.Second}
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		if resp, err := hc.Do(req); err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-exited:
			return ErrExited
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
