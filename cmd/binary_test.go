package main

import (
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestManagerKeepsNoMethodOnlyReflectionCouldCall guards the manager's
// size. When any package in the binary can look a method up by name at run
// time (reflect's MethodByName, as text/template's executor does), the Go
// linker must keep every exported method of every type the binary holds:
// for the manager, all of client-go's API types, 9 MiB (a fifth of the
// binary) that the process maps and partly counts in its RSS.
// SwaggerDoc, a method of every API type that nothing calls, is the sign.
func TestManagerKeepsNoMethodOnlyReflectionCouldCall(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the manager")
	}
	bin := filepath.Join(t.TempDir(), "manager")
	build := exec.Command("go", "build", "-trimpath", "-o", bin, ".") //nolint:gosec // G204: builds this package into the test's own directory
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	syms, err := f.Symbols()
	if err != nil {
		t.Fatal(err)
	}
	var kept, executor int
	for _, s := range syms {
		switch {
		case strings.HasSuffix(s.Name, ").SwaggerDoc"):
			kept++
		case strings.HasPrefix(s.Name, "text/template.(*state)"), strings.HasPrefix(s.Name, "html/template."):
			executor++
		}
	}
	if kept > 0 || executor > 0 {
		t.Errorf("the manager keeps %d SwaggerDoc methods and %d functions of text/template's executor: a package it links looks methods up by name (reflect's Method or MethodByName), so the linker keeps every exported method; find it with `go build -o /dev/null -ldflags=-dumpdep ./cmd 2>&1 | grep ReflectMethod`", kept, executor)
	}
}
