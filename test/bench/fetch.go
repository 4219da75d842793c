package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
)

// fetchURL copies the body of a GET of url to w; a status other than 200
// is an error.
func fetchURL(ctx context.Context, hc *http.Client, url string, w io.Writer) error {
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
		return fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	if _, err := io.Copy(w, resp.Body); err != nil {
		return fmt.Errorf("reading the answer: %w", err)
	}
	return nil
}

// saveURL writes the body of a GET of url to path.
func saveURL(ctx context.Context, hc *http.Client, url, path string) error {
	f, err := os.Create(path) //nolint:gosec // G304: a file in the benchmark's output directory
	if err != nil {
		return err
	}
	if err := fetchURL(ctx, hc, url, f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}

// freshDir makes dir an empty directory: profiles of an earlier run must
// not mix in.
func freshDir(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	return os.MkdirAll(dir, 0o755) //nolint:gosec // G301: a profile directory in the benchmark's output, readable like any build output
}
