// Package reporoot finds the repository's root, the directory holding
// go.mod, for the test rigs and tools that need files beside it. It imports
// nothing of the project, so that any of them can use it.
package reporoot

import (
	"errors"
	"os"
	"path/filepath"
)

// ErrNotFound is returned by Find when no directory above the working
// directory holds go.mod.
var ErrNotFound = errors.New("no go.mod above the working directory")

// Find returns the directory holding go.mod, searching up from the working
// directory.
func Find() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", ErrNotFound
		}
		dir = parent
	}
}
