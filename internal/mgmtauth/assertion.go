package mgmtauth

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/net/http/httpguts"
)

// maxAssertionBytes bounds an assertion file: a Kubernetes service-account
// token is one to two KiB.
const maxAssertionBytes = 64 << 10

// readAssertionFile reads the JWT in path, as it is now: a projected
// Kubernetes service-account token is rewritten by the kubelet before it
// expires, so the file is read for every token request and never cached.
// Errors name the file and say what is wrong, never the content.
func readAssertionFile(path string) (string, error) {
	f, err := os.Open(path) //nolint:gosec // G304: reading the file the credential configuration names is the point; validAssertionFile requires an absolute path
	if err != nil {
		return "", fmt.Errorf("reading the assertion file: %w", err)
	}
	defer func() { _ = f.Close() }()
	b, err := io.ReadAll(io.LimitReader(f, maxAssertionBytes+1))
	if err != nil {
		return "", fmt.Errorf("reading the assertion file %s: %w", path, err)
	}
	return checkAssertion(path, b)
}

// checkAssertion trims the file's content and checks it looks like a
// compact JWT, so a wrong file is reported here rather than as the
// server's invalid_grant.
func checkAssertion(path string, b []byte) (string, error) {
	if len(b) > maxAssertionBytes {
		return "", fmt.Errorf("the assertion file %s is longer than %d KiB: not a JWT", path, maxAssertionBytes>>10)
	}
	b = bytes.TrimSpace(b)
	s := string(b)
	switch {
	case len(b) == 0:
		return "", fmt.Errorf("the assertion file %s is empty", path)
	case !threeParts(s):
		return "", fmt.Errorf("the assertion file %s does not hold a JWT (three base64url parts separated by dots)", path)
	case !isBase64URLAndDots(s) || !httpguts.ValidHeaderFieldValue(s):
		return "", fmt.Errorf("the assertion file %s holds characters a JWT cannot hold", path)
	}
	return s, nil
}

// threeParts reports whether s is three non-empty parts separated by dots,
// the shape of a compact JWS.
func threeParts(s string) bool {
	parts := strings.Split(s, ".")
	return len(parts) == 3 && parts[0] != "" && parts[1] != "" && parts[2] != ""
}

func isBase64URLAndDots(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
		default:
			return false
		}
	}
	return true
}

// validAssertionFile checks the path of an assertion file; the file itself
// is read for each token request, so it may appear later (a volume not yet
// mounted).
func validAssertionFile(field, path string) error {
	switch {
	case path == "":
		return errors.New(field + ": required")
	case !filepath.IsAbs(path):
		return errors.New(field + ": must be an absolute path")
	}
	return nil
}
