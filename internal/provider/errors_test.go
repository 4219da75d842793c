package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTypedErrorsCrossWrapping(t *testing.T) {
	cases := []struct {
		err      error
		kind     Kind
		sentinel error
		terminal bool
		retry    time.Duration
	}{
		{&Error{Kind: KindNotFound}, KindNotFound, ErrNotFound, false, 0},
		{fmt.Errorf("reading client: %w", &Error{Kind: KindInvalidMetadata, Code: "invalid_redirect_uri"}), KindInvalidMetadata, ErrInvalidMetadata, true, 0},
		{fmt.Errorf("registering: %w", &Error{Kind: KindRateLimited, RetryAfter: 7 * time.Second}), KindRateLimited, ErrRateLimited, false, 7 * time.Second},
		{Errorf(KindUnsupported, "no rotation"), KindUnsupported, ErrUnsupported, true, 0},
		{errors.New("connection reset"), KindTransient, nil, false, 0},
	}
	for _, tc := range cases {
		if got := KindOf(tc.err); got != tc.kind {
			t.Errorf("KindOf(%v) = %s, want %s", tc.err, got, tc.kind)
		}
		if tc.sentinel != nil && !errors.Is(tc.err, tc.sentinel) {
			t.Errorf("errors.Is(%v, %v) = false", tc.err, tc.sentinel)
		}
		if errors.Is(tc.err, ErrConflict) {
			t.Errorf("%v matches ErrConflict", tc.err)
		}
		if IsTerminal(tc.err) != tc.terminal {
			t.Errorf("IsTerminal(%v) = %v", tc.err, !tc.terminal)
		}
		if RetryAfter(tc.err) != tc.retry {
			t.Errorf("RetryAfter(%v) = %s", tc.err, RetryAfter(tc.err))
		}
	}
	msg := (&Error{Kind: KindInvalidMetadata, Code: "invalid_client_metadata", Description: "scope must be known"}).Error()
	if !strings.Contains(msg, "invalid_client_metadata") || !strings.Contains(msg, "scope must be known") {
		t.Errorf("message %q lacks the server's code and description", msg)
	}
}

func TestRegistry(t *testing.T) {
	r := NewRegistry()
	r.Register("dynamicRegistration", func(_ context.Context, _ Config) (Provider, error) { return nil, nil })
	if _, err := r.New(context.Background(), "keycloak", Config{}); KindOf(err) != KindUnsupported || !strings.Contains(err.Error(), "dynamicRegistration") {
		t.Errorf("unknown provider: %v", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("registering a name twice did not panic")
		}
	}()
	r.Register("dynamicRegistration", nil)
}
