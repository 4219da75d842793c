package provider

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"5", 5 * time.Second},
		{"120", 2 * time.Minute},
		{" 3 ", 3 * time.Second},
		{"0", 0},
		{"-1", 0},
		{"-5", 0},
		{"1.5", 0},
		{"soon", 0},
		{"99999999999999999999", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"Fri, 99 Foo 2026", 0},
	}
	for _, tt := range tests {
		if got := ParseRetryAfter(tt.value, now); got != tt.want {
			t.Errorf("ParseRetryAfter(%q) = %v, want %v", tt.value, got, tt.want)
		}
	}
}

func TestRetryAfterHeader(t *testing.T) {
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	h := http.Header{}
	h.Set("Retry-After", "Tue, 01 Dec 2026 00:01:00 GMT")
	if got := RetryAfterHeader(h, now); got != time.Minute {
		t.Errorf("RetryAfterHeader = %v, want 1m", got)
	}
	if got := RetryAfterHeader(nil, now); got != 0 {
		t.Errorf("RetryAfterHeader(nil) = %v, want 0", got)
	}
}

func TestCleanText(t *testing.T) {
	const limit = 300
	tests := []struct {
		in, want string
	}{
		{"plain", "plain"},
		{"line\nbreak\x00", "linebreak"},
		{"has tok123 inside", "has [redacted] inside"},
		{strings.Repeat("é", 400), strings.Repeat("é", limit) + "..."},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in, limit, []string{"tok123", ""}); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTokenError(t *testing.T) {
	wrapped := TokenError("obtaining the key", &Error{Kind: KindNotFound})
	if pe, ok := errors.AsType[*Error](wrapped); !ok || pe.Kind != KindNotFound || !strings.HasPrefix(wrapped.Error(), "obtaining the key: ") {
		t.Errorf("TokenError(provider error) = %v", wrapped)
	}
	for status, want := range map[int]Kind{400: KindUnauthorized, 401: KindUnauthorized, 403: KindUnauthorized, 429: KindRateLimited, 500: KindTransient} {
		re := &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, ErrorCode: "bad\ncode", Body: []byte("secret-body")}
		err := TokenError("obtaining the key", re)
		pe, ok := errors.AsType[*Error](err)
		if !ok || pe.Kind != want || pe.Code != "badcode" {
			t.Errorf("HTTP %d: %#v, want kind %s", status, err, want)
		}
		if strings.Contains(err.Error(), "secret-body") {
			t.Errorf("HTTP %d: the body reached the message: %q", status, err)
		}
	}
	if pe, ok := errors.AsType[*Error](TokenError("x", errors.New("dial"))); !ok || pe.Kind != KindTransient {
		t.Errorf("TokenError(network error) is not transient")
	}
}

func TestStatusError(t *testing.T) {
	wait := http.Header{"Retry-After": {"7"}}
	for _, tc := range []struct {
		status int
		want   Kind
		retry  time.Duration
	}{
		{http.StatusBadRequest, KindInvalidMetadata, 0},
		{http.StatusUnauthorized, KindUnauthorized, 0},
		{http.StatusForbidden, KindUnauthorized, 0},
		{http.StatusNotFound, KindNotFound, 0},
		{http.StatusGone, KindNotFound, 0},
		{http.StatusConflict, KindConflict, 0},
		{http.StatusTooManyRequests, KindRateLimited, 7 * time.Second},
		{http.StatusServiceUnavailable, KindTransient, 7 * time.Second},
		{http.StatusTeapot, KindTransient, 7 * time.Second},
	} {
		e := StatusError(tc.status, wait)
		if e.Kind != tc.want || e.RetryAfter != tc.retry {
			t.Errorf("StatusError(%d) = kind %v, retry after %s; want %v, %s", tc.status, e.Kind, e.RetryAfter, tc.want, tc.retry)
		}
		if tc.status != http.StatusBadRequest && !strings.Contains(e.Error(), strconv.Itoa(tc.status)) {
			t.Errorf("StatusError(%d) = %q, want the status in the message", tc.status, e)
		}
	}
}

func TestScrubError(t *testing.T) {
	plain := errors.New("dial tcp 127.0.0.1:1: connection refused")
	if got := ScrubError(plain, []string{"s3cret", ""}); got != plain {
		t.Errorf("an error without a secret was replaced: %v", got)
	}
	got := ScrubError(errors.New(`Get "https://x/?token=s3cret": EOF`), []string{"s3cret"})
	if strings.Contains(got.Error(), "s3cret") || !strings.Contains(got.Error(), "[redacted]") {
		t.Errorf("ScrubError = %q, want the secret redacted", got)
	}
}
