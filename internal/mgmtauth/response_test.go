package mgmtauth

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestParseTokenResponse(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name        string
		status      int
		header      http.Header
		body        string
		wantToken   string
		wantRefresh string
		wantExpiry  time.Time
		wantKind    provider.Kind
		wantCode    string
		wantRetry   time.Duration
	}{
		{
			name:      "full",
			status:    200,
			body:      `{"access_token":"at","token_type":"Bearer","expires_in":3600,"refresh_token":"rt","scope":"a b"}`,
			wantToken: "at", wantRefresh: "rt", wantExpiry: now.Add(time.Hour),
		},
		{name: "no expiry", status: 200, body: `{"access_token":"at"}`, wantToken: "at"},
		{name: "null expiry", status: 200, body: `{"access_token":"at","expires_in":null}`, wantToken: "at"},
		{name: "zero expiry", status: 200, body: `{"access_token":"at","expires_in":0}`, wantToken: "at"},
		{name: "string expiry", status: 200, body: `{"access_token":"at","expires_in":"60"}`, wantToken: "at", wantExpiry: now.Add(time.Minute)},
		{name: "fractional expiry", status: 200, body: `{"access_token":"at","expires_in":1.5}`, wantToken: "at", wantExpiry: now.Add(1500 * time.Millisecond)},
		{name: "huge expiry is capped", status: 200, body: `{"access_token":"at","expires_in":1e15}`, wantToken: "at", wantExpiry: now.Add(maxLifetime * time.Second)},
		{name: "201 is success", status: 201, body: `{"access_token":"at"}`, wantToken: "at"},
		{name: "negative expiry", status: 200, body: `{"access_token":"at","expires_in":-1}`, wantKind: provider.KindTransient},
		{name: "garbage expiry", status: 200, body: `{"access_token":"at","expires_in":"soon"}`, wantKind: provider.KindTransient},
		{name: "object expiry", status: 200, body: `{"access_token":"at","expires_in":{}}`, wantKind: provider.KindTransient},
		{name: "empty body", status: 200, body: ``, wantKind: provider.KindTransient},
		{name: "not JSON", status: 200, body: `access_token=at`, wantKind: provider.KindTransient},
		{name: "access token not a string", status: 200, body: `{"access_token":5}`, wantKind: provider.KindTransient},
		{name: "no access token", status: 200, body: `{"token_type":"Bearer"}`, wantKind: provider.KindTransient},
		{name: "error with 200", status: 200, body: `{"error":"invalid_client"}`, wantKind: provider.KindUnauthorized, wantCode: "invalid_client"},
		{name: "invalid_client", status: 401, body: `{"error":"invalid_client"}`, wantKind: provider.KindUnauthorized, wantCode: "invalid_client"},
		{name: "invalid_scope", status: 400, body: `{"error":"invalid_scope"}`, wantKind: provider.KindUnauthorized, wantCode: "invalid_scope"},
		{name: "unsupported_grant_type", status: 400, body: `{"error":"unsupported_grant_type"}`, wantKind: provider.KindUnauthorized, wantCode: "unsupported_grant_type"},
		{name: "403 no body", status: 403, wantKind: provider.KindUnauthorized},
		{name: "404", status: 404, body: `not found`, wantKind: provider.KindUnauthorized},
		{name: "408", status: 408, wantKind: provider.KindTransient},
		{name: "temporarily_unavailable", status: 400, body: `{"error":"temporarily_unavailable"}`, wantKind: provider.KindTransient, wantCode: "temporarily_unavailable"},
		{name: "502", status: 502, body: `<html/>`, wantKind: provider.KindTransient},
		{name: "429 seconds", status: 429, header: http.Header{"Retry-After": {"30"}}, wantKind: provider.KindRateLimited, wantRetry: 30 * time.Second},
		{
			name: "429 date", status: 429, header: http.Header{"Retry-After": {now.Add(2 * time.Minute).Format(http.TimeFormat)}},
			wantKind: provider.KindRateLimited, wantRetry: 2 * time.Minute,
		},
		{name: "429 no header", status: 429, wantKind: provider.KindRateLimited},
		{name: "redirect", status: 302, wantKind: provider.KindTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, err := ParseTokenResponse(tt.status, tt.header, []byte(tt.body), now)
			if tt.wantKind != "" {
				if tok != nil || err == nil {
					t.Fatalf("got token %v, err %v; want a %s error", tok != nil, err, tt.wantKind)
				}
				pe, ok := err.(*provider.Error)
				if !ok {
					t.Fatalf("error %T is not a *provider.Error", err)
				}
				if pe.Kind != tt.wantKind || pe.Code != tt.wantCode || pe.RetryAfter != tt.wantRetry {
					t.Errorf("got %s %q %s, want %s %q %s", pe.Kind, pe.Code, pe.RetryAfter, tt.wantKind, tt.wantCode, tt.wantRetry)
				}
				return
			}
			if err != nil {
				t.Fatalf("unexpected error: %v", err)
			}
			if tok.AccessToken != tt.wantToken || tok.RefreshToken != tt.wantRefresh || !tok.Expiry.Equal(tt.wantExpiry) {
				t.Errorf("got %q %q %s, want %q %q %s", tok.AccessToken, tok.RefreshToken, tok.Expiry, tt.wantToken, tt.wantRefresh, tt.wantExpiry)
			}
		})
	}
}

func TestParseTokenResponseKeepsExtras(t *testing.T) {
	tok, err := ParseTokenResponse(200, nil, []byte(`{"access_token":"at","scope":"a b"}`), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if got := tok.Extra("scope"); got != "a b" {
		t.Errorf("Extra(scope) = %v, want %q", got, "a b")
	}
}

func TestErrorDescriptionIsSanitized(t *testing.T) {
	long := strings.Repeat("x", 1000)
	_, err := ParseTokenResponse(400, nil, []byte(`{"error":"invalid_request","error_description":"line1\nline2\u0000`+long+`"}`), time.Now())
	msg := err.Error()
	if strings.ContainsAny(msg, "\n\x00") {
		t.Errorf("message %q holds control characters", msg)
	}
	if len(msg) > maxDescription+100 {
		t.Errorf("message is %d bytes long, want it shortened", len(msg))
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"", 0},
		{"0", 0},
		{" 12 ", 12 * time.Second},
		{"99999999999999999999", 0},
		{"9999999999", maxRetryAfter},
		{"-5", 0},
		{"soon", 0},
		{now.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{now.Add(-time.Hour).Format(http.TimeFormat), 0},
		{now.Add(1000 * time.Hour).Format(http.TimeFormat), maxRetryAfter},
	}
	for _, tt := range tests {
		if got := parseRetryAfter(tt.in, now); got != tt.want {
			t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestRefreshTime(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name   string
		expiry time.Time
		early  time.Duration
		want   time.Time
	}{
		{"never expires", time.Time{}, time.Minute, time.Time{}},
		{"long lived", now.Add(time.Hour), time.Minute, now.Add(59 * time.Minute)},
		{"short lived: half-life", now.Add(30 * time.Second), time.Minute, now.Add(15 * time.Second)},
		{"already expired", now.Add(-time.Second), time.Minute, now.Add(-time.Second)},
	}
	for _, tt := range tests {
		if got := refreshTime(now, tt.expiry, tt.early); !got.Equal(tt.want) {
			t.Errorf("%s: refreshTime = %s, want %s", tt.name, got, tt.want)
		}
	}
}
