package reporoot

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestFindFromBelowTheRoot(t *testing.T) {
	root, err := Find()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("Find() = %s, which holds no go.mod: %v", root, err)
	}
}

func TestFindOutsideAModule(t *testing.T) {
	t.Chdir(t.TempDir())
	if _, err := Find(); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Find() outside a module: %v, want ErrNotFound", err)
	}
}
