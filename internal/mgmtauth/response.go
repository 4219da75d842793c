package mgmtauth

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const (
	// maxDescription bounds how much of a server's error text reaches an
	// error message (and from there a condition).
	maxDescription = 256
	// maxLifetime caps expires_in (about 68 years) so Expiry cannot overflow.
	maxLifetime = math.MaxInt32
	// maxRetryAfter caps a server's Retry-After.
	maxRetryAfter = 24 * time.Hour
)

// tokenResponse is the JSON body of a token endpoint response, success
// (RFC 6749 section 5.1) or error (section 5.2).
type tokenResponse struct {
	AccessToken      string          `json:"access_token"`
	TokenType        string          `json:"token_type"`
	RefreshToken     string          `json:"refresh_token"`
	ExpiresIn        json.RawMessage `json:"expires_in"`
	Error            string          `json:"error"`
	ErrorDescription string          `json:"error_description"`
}

// ParseTokenResponse turns a token endpoint's JSON response into a token or a
// typed provider error. It does no I/O: now is when the response arrived and
// anchors the expiry. Error messages hold the server's error code and
// description (shortened) but never the token itself.
func ParseTokenResponse(status int, header http.Header, body []byte, now time.Time) (*oauth2.Token, error) {
	var r tokenResponse
	jsonErr := json.Unmarshal(body, &r)
	if status < 200 || status > 299 {
		if jsonErr != nil {
			// Not an RFC 6749 error object: the status alone decides.
			r = tokenResponse{}
		}
		return nil, classify(status, header, r.Error, r.ErrorDescription, now)
	}
	if jsonErr != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "malformed token response", Err: jsonErr}
	}
	if r.Error != "" {
		// Some servers report errors with a 2xx status.
		return nil, classify(status, header, r.Error, r.ErrorDescription, now)
	}
	if r.AccessToken == "" {
		return nil, provider.Errorf(provider.KindTransient, "token response has no access_token")
	}
	lifetime, ok := parseExpiresIn(r.ExpiresIn)
	if !ok {
		return nil, provider.Errorf(provider.KindTransient, "token response has an invalid expires_in")
	}
	t := &oauth2.Token{
		AccessToken:  r.AccessToken,
		TokenType:    r.TokenType,
		RefreshToken: r.RefreshToken,
		ExpiresIn:    int64(lifetime / time.Second),
	}
	if lifetime > 0 {
		t.Expiry = now.Add(lifetime)
	}
	var extra map[string]any
	if json.Unmarshal(body, &extra) == nil {
		t = t.WithExtra(extra)
	}
	return t, nil
}

// parseExpiresIn reads expires_in, which servers send as a number or, now and
// then, as a string. Absent or zero means the token does not expire.
func parseExpiresIn(raw json.RawMessage) (time.Duration, bool) {
	if len(raw) == 0 || string(raw) == "null" {
		return 0, true
	}
	var s string
	if raw[0] == '"' {
		if json.Unmarshal(raw, &s) != nil {
			return 0, false
		}
	} else {
		var n json.Number
		if json.Unmarshal(raw, &n) != nil {
			return 0, false
		}
		s = n.String()
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsNaN(f) || f < 0 {
		return 0, false
	}
	f = min(f, maxLifetime)
	return time.Duration(f * float64(time.Second)), true
}

// classify maps a failed token request to a provider error kind:
// rate limiting, passing faults, or refused credentials.
func classify(status int, header http.Header, code, description string, now time.Time) *provider.Error {
	e := &provider.Error{Code: sanitize(code, 64)}
	what := fmt.Sprintf("token endpoint returned HTTP %d", status)
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = provider.KindRateLimited
		e.RetryAfter = parseRetryAfter(header.Get("Retry-After"), now)
	case status >= 500, status == http.StatusRequestTimeout,
		code == "server_error", code == "temporarily_unavailable":
		e.Kind = provider.KindTransient
	case code == "invalid_scope":
		e.Kind = provider.KindUnauthorized
		what = fmt.Sprintf("token endpoint refused the requested scope (HTTP %d)", status)
	case code != "", status >= 400 && status < 500:
		// invalid_client, unauthorized_client, invalid_grant,
		// invalid_request, unsupported_grant_type, or a bare 4xx: the
		// credentials or their configuration were refused. Retrying the
		// same request will not help until someone fixes them.
		e.Kind = provider.KindUnauthorized
	default:
		e.Kind = provider.KindTransient
	}
	e.Description = what
	if d := sanitize(description, maxDescription); d != "" {
		e.Description += ": " + d
	}
	return e
}

// parseRetryAfter reads a Retry-After header: delay seconds or an HTTP date.
// It returns zero when the header is absent or unreadable.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseUint(v, 10, 64); err == nil {
		d = time.Duration(min(secs, uint64(maxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return max(0, min(d, maxRetryAfter))
}

// sanitize makes server-supplied text fit for an error message: valid UTF-8,
// no control characters, at most limit runes.
func sanitize(s string, limit int) string {
	s = strings.ToValidUTF8(s, "?")
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) > limit {
		s = string([]rune(s)[:limit]) + "..."
	}
	return s
}
