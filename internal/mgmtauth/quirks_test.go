package mgmtauth

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

func TestResponseFormatQuirks(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	minutes := ResponseFormat{ExpiresInUnit: time.Minute}
	withDefault := ResponseFormat{DefaultLifetime: 15 * time.Minute}
	form := http.Header{"Content-Type": {"application/x-www-form-urlencoded; charset=utf-8"}}
	tests := []struct {
		name        string
		format      ResponseFormat
		status      int
		header      http.Header
		body        string
		wantToken   string
		wantRefresh string
		wantLife    time.Duration // 0: no expiry
		wantKind    provider.Kind
		wantCode    string
	}{
		{name: "number of seconds", body: `{"access_token":"at","expires_in":3600}`, wantToken: "at", wantLife: time.Hour},
		{name: "string of seconds", body: `{"access_token":"at","expires_in":"3600"}`, wantToken: "at", wantLife: time.Hour},
		{name: "string with spaces", body: `{"access_token":"at","expires_in":" 60 "}`, wantToken: "at", wantLife: time.Minute},
		{name: "missing, no default", body: `{"access_token":"at"}`, wantToken: "at"},
		{name: "missing, default", format: withDefault, body: `{"access_token":"at"}`, wantToken: "at", wantLife: 15 * time.Minute},
		{name: "null, default", format: withDefault, body: `{"access_token":"at","expires_in":null}`, wantToken: "at", wantLife: 15 * time.Minute},
		{name: "zero, default", format: withDefault, body: `{"access_token":"at","expires_in":0}`, wantToken: "at", wantLife: 15 * time.Minute},
		{name: "given, default unused", format: withDefault, body: `{"access_token":"at","expires_in":60}`, wantToken: "at", wantLife: time.Minute},
		{name: "minutes as number", format: minutes, body: `{"access_token":"at","expires_in":60}`, wantToken: "at", wantLife: time.Hour},
		{name: "minutes as string", format: minutes, body: `{"access_token":"at","expires_in":"5"}`, wantToken: "at", wantLife: 5 * time.Minute},
		{name: "fractional minutes", format: minutes, body: `{"access_token":"at","expires_in":1.5}`, wantToken: "at", wantLife: 90 * time.Second},
		{name: "hours", format: ResponseFormat{ExpiresInUnit: time.Hour}, body: `{"access_token":"at","expires_in":2}`, wantToken: "at", wantLife: 2 * time.Hour},
		{name: "huge minutes capped", format: minutes, body: `{"access_token":"at","expires_in":1e300}`, wantToken: "at", wantLife: maxLifetime * time.Second},
		{name: "huge default capped", format: ResponseFormat{DefaultLifetime: 1 << 62}, body: `{"access_token":"at"}`, wantToken: "at", wantLife: maxLifetime * time.Second},
		{name: "minutes, garbage", format: minutes, body: `{"access_token":"at","expires_in":"soon"}`, wantKind: provider.KindTransient},
		{name: "minutes, negative", format: minutes, body: `{"access_token":"at","expires_in":-1}`, wantKind: provider.KindTransient},
		{name: "refresh token kept", body: `{"access_token":"at","refresh_token":"rt","expires_in":"60"}`, wantToken: "at", wantRefresh: "rt", wantLife: time.Minute},
		{name: "form-encoded", header: form, body: `access_token=at&token_type=bearer&expires_in=120&refresh_token=rt`, wantToken: "at", wantRefresh: "rt", wantLife: 2 * time.Minute},
		{name: "form-encoded in minutes", format: minutes, header: form, body: `access_token=at&expires_in=2`, wantToken: "at", wantLife: 2 * time.Minute},
		{name: "text/plain form", header: http.Header{"Content-Type": {"text/plain"}}, body: `access_token=at`, wantToken: "at"},
		{name: "form-encoded error with 200", header: form, body: `error=bad_verification_code&error_description=gone`, wantKind: provider.KindUnauthorized, wantCode: "bad_verification_code"},
		{name: "form-encoded error", status: 401, header: form, body: `error=invalid_client`, wantKind: provider.KindUnauthorized, wantCode: "invalid_client"},
		{name: "form-encoded, bad expiry", header: form, body: `access_token=at&expires_in=x`, wantKind: provider.KindTransient},
		{name: "form-encoded, no token", header: form, body: `token_type=bearer`, wantKind: provider.KindTransient},
		{name: "form-encoded, broken", header: form, body: `access_token=%zz`, wantKind: provider.KindTransient},
		{name: "form body without the header is not read", body: `access_token=at`, wantKind: provider.KindTransient},
		{name: "invalid_client", status: 401, body: `{"error":"invalid_client"}`, wantKind: provider.KindUnauthorized, wantCode: "invalid_client"},
		{name: "rate limited", status: 429, header: http.Header{"Retry-After": {"5"}}, wantKind: provider.KindRateLimited},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status := tt.status
			if status == 0 {
				status = http.StatusOK
			}
			tok, err := tt.format.Parse(status, tt.header, []byte(tt.body), now)
			if tt.wantKind != "" {
				pe := asProviderError(err)
				if tok != nil || pe == nil || pe.Kind != tt.wantKind || pe.Code != tt.wantCode {
					t.Fatalf("got token %v, err %v; want %s %q", tok != nil, err, tt.wantKind, tt.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var wantExpiry time.Time
			if tt.wantLife > 0 {
				wantExpiry = now.Add(tt.wantLife)
			}
			if tok.AccessToken != tt.wantToken || tok.RefreshToken != tt.wantRefresh || !tok.Expiry.Equal(wantExpiry) {
				t.Errorf("got %q %q %s, want %q %q %s", tok.AccessToken, tok.RefreshToken, tok.Expiry, tt.wantToken, tt.wantRefresh, wantExpiry)
			}
		})
	}
}

func TestParseTokenResponseIsTheRFC(t *testing.T) {
	now := time.Now()
	body := []byte(`{"access_token":"at","expires_in":"90"}`)
	a, errA := ParseTokenResponse(200, nil, body, now)
	b, errB := ResponseFormat{}.Parse(200, nil, body, now)
	if errA != nil || errB != nil || !a.Expiry.Equal(b.Expiry) || !a.Expiry.Equal(now.Add(90*time.Second)) {
		t.Fatalf("ParseTokenResponse and the zero ResponseFormat disagree: %v %v / %v %v", a, errA, b, errB)
	}
}

// TestQuirksDriveRenewal checks the quirks end to end: the cache renews a
// token when its real lifetime says, not when a misread one would.
func TestQuirksDriveRenewal(t *testing.T) {
	tests := []struct {
		name   string
		format ResponseFormat
		body   string
		// renewAfter is when the cached token is replaced: 60s early.
		renewAfter time.Duration
	}{
		{name: "minutes", format: ResponseFormat{ExpiresInUnit: time.Minute}, body: `{"access_token":"at","expires_in":10}`, renewAfter: 9 * time.Minute},
		{name: "string seconds", body: `{"access_token":"at","expires_in":"600"}`, renewAfter: 9 * time.Minute},
		{name: "missing, default lifetime", format: ResponseFormat{DefaultLifetime: 10 * time.Minute}, body: `{"access_token":"at"}`, renewAfter: 9 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeTokenServer(t, testSecret)
			f.set(func(f *fakeTokenServer) { f.reply = &fakeReply{status: 200, body: tt.body} })
			c, clk := newTestCache(time.Minute)
			src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
			src.ClientCredentials.Response = tt.format
			mustToken(t, c, "k", src)
			clk.Advance(tt.renewAfter - time.Second)
			mustToken(t, c, "k", src)
			if n := c.Requests("k"); n != 1 {
				t.Fatalf("requests just before renewal = %d, want 1", n)
			}
			clk.Advance(2 * time.Second)
			mustToken(t, c, "k", src)
			if n := c.Requests("k"); n != 2 {
				t.Fatalf("requests just after renewal = %d, want 2", n)
			}
		})
	}
	t.Run("missing without default is kept", func(t *testing.T) {
		f := newFakeTokenServer(t, testSecret)
		f.set(func(f *fakeTokenServer) { f.reply = &fakeReply{status: 200, body: `{"access_token":"at"}`} })
		c, clk := newTestCache(0)
		src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
		mustToken(t, c, "k", src)
		clk.Advance(365 * 24 * time.Hour)
		mustToken(t, c, "k", src)
		if n := c.Requests("k"); n != 1 {
			t.Fatalf("requests = %d, want 1", n)
		}
	})
	t.Run("a changed format is new credentials", func(t *testing.T) {
		f := newFakeTokenServer(t, testSecret)
		c, _ := newTestCache(0)
		src := ccSourceFor(f, v1alpha1.AuthStyleBasic)
		mustToken(t, c, "k", src)
		src.ClientCredentials.Response.ExpiresInUnit = time.Minute
		mustToken(t, c, "k", src)
		if n := c.Requests("k"); n != 2 {
			t.Fatalf("requests = %d, want 2", n)
		}
	})
}

func TestResponseFormatValidate(t *testing.T) {
	tests := []struct {
		format ResponseFormat
		want   string
	}{
		{ResponseFormat{}, ""},
		{ResponseFormat{ExpiresInUnit: time.Minute, DefaultLifetime: time.Hour}, ""},
		{ResponseFormat{ExpiresInUnit: -time.Second}, "expiresInUnit: must not be negative"},
		{ResponseFormat{ExpiresInUnit: time.Microsecond}, "expiresInUnit: must be at least a millisecond"},
		{ResponseFormat{ExpiresInUnit: 48 * time.Hour}, "expiresInUnit: must be at most a day"},
		{ResponseFormat{DefaultLifetime: -1}, "defaultLifetime: must not be negative"},
	}
	for _, tt := range tests {
		err := tt.format.validate("x.response.")
		if (err == nil) != (tt.want == "") || (err != nil && !strings.Contains(err.Error(), "x.response."+tt.want)) {
			t.Errorf("%+v: err = %v, want %q", tt.format, err, tt.want)
		}
	}
}
