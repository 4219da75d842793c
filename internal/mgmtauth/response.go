package mgmtauth

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
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

// ResponseFormat describes how a token endpoint deviates from RFC 6749 in
// its successful responses. The zero value is the RFC: expires_in counts
// seconds, and a token without it is taken never to expire.
type ResponseFormat struct {
	// ExpiresInUnit is the length of one unit of expires_in. Zero means
	// time.Second (RFC 6749 section 5.1); some servers document minutes.
	ExpiresInUnit time.Duration `json:",omitempty"`
	// DefaultLifetime is how long a token is taken to live when the
	// response has no expires_in (absent, null or 0). Zero keeps such a
	// token until the credentials change.
	DefaultLifetime time.Duration `json:",omitempty"`
}

// validate names the first bad field under prefix p.
func (f ResponseFormat) validate(p string) error {
	switch {
	case f.ExpiresInUnit < 0:
		return errors.New(p + "expiresInUnit: must not be negative")
	case f.ExpiresInUnit != 0 && f.ExpiresInUnit < time.Millisecond:
		return errors.New(p + "expiresInUnit: must be at least a millisecond")
	case f.ExpiresInUnit > 24*time.Hour:
		return errors.New(p + "expiresInUnit: must be at most a day")
	case f.DefaultLifetime < 0:
		return errors.New(p + "defaultLifetime: must not be negative")
	}
	return nil
}

// unit returns ExpiresInUnit, defaulting to a second.
func (f ResponseFormat) unit() time.Duration {
	if f.ExpiresInUnit <= 0 {
		return time.Second
	}
	return f.ExpiresInUnit
}

// tokenResponse is the body of a token endpoint response, success
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
// typed provider error, reading it as RFC 6749 says (the zero
// ResponseFormat). It does no I/O: now is when the response arrived and
// anchors the expiry. Error messages hold the server's error code and
// description (shortened) but never the token itself.
func ParseTokenResponse(status int, header http.Header, body []byte, now time.Time) (*oauth2.Token, error) {
	return ResponseFormat{}.Parse(status, header, body, now)
}

// Parse is ParseTokenResponse for a server with this format's quirks. It
// also reads a form-encoded body (application/x-www-form-urlencoded or
// text/plain, as some servers send without being asked) when the
// Content-Type header says so.
func (f ResponseFormat) Parse(status int, header http.Header, body []byte, now time.Time) (*oauth2.Token, error) {
	return f.parse(status, header, body, now, nil)
}

// parse is Parse removing secrets from the server's error code and
// description before they are shortened: a secret cut in half by the
// shortening would no longer be found whole afterwards.
func (f ResponseFormat) parse(status int, header http.Header, body []byte, now time.Time, secrets []string) (*oauth2.Token, error) {
	r, extra, decodeErr := decodeTokenResponse(header, body)
	r.Error, r.ErrorDescription = scrub(r.Error, secrets), scrub(r.ErrorDescription, secrets)
	if status < 200 || status > 299 {
		if decodeErr != nil {
			// Not an RFC 6749 error object: the status alone decides.
			r = tokenResponse{}
		}
		return nil, classify(status, header, r.Error, r.ErrorDescription, now)
	}
	if decodeErr != nil {
		return nil, &provider.Error{Kind: provider.KindTransient, Description: "malformed token response", Err: decodeErr}
	}
	if r.Error != "" {
		// Some servers report errors with a 2xx status.
		return nil, classify(status, header, r.Error, r.ErrorDescription, now)
	}
	if r.AccessToken == "" {
		return nil, provider.Errorf(provider.KindTransient, "token response has no access_token")
	}
	lifetime, ok := parseExpiresIn(r.ExpiresIn, f.unit())
	if !ok {
		return nil, provider.Errorf(provider.KindTransient, "token response has an invalid expires_in")
	}
	if lifetime == 0 {
		lifetime = min(f.DefaultLifetime, maxLifetime*time.Second)
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
	if extra != nil {
		t = t.WithExtra(extra)
	}
	return t, nil
}

// decodeTokenResponse reads body as JSON, or as a form when the Content-Type
// says it is one. extra holds every field, for oauth2.Token.Extra.
func decodeTokenResponse(header http.Header, body []byte) (tokenResponse, map[string]any, error) {
	var r tokenResponse
	if isFormResponse(header) {
		v, err := url.ParseQuery(string(body))
		if err != nil {
			return r, nil, errors.New("token response is not a valid form")
		}
		r = tokenResponse{
			AccessToken:      v.Get("access_token"),
			TokenType:        v.Get("token_type"),
			RefreshToken:     v.Get("refresh_token"),
			Error:            v.Get("error"),
			ErrorDescription: v.Get("error_description"),
		}
		if e := v.Get("expires_in"); e != "" {
			// A JSON string, so parseExpiresIn reads it as one.
			r.ExpiresIn, _ = json.Marshal(e)
		}
		extra := make(map[string]any, len(v))
		for k := range v {
			extra[k] = v.Get(k)
		}
		return r, extra, nil
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return r, nil, err
	}
	var extra map[string]any
	if json.Unmarshal(body, &extra) != nil {
		extra = nil
	}
	return r, extra, nil
}

// isFormResponse reports whether the Content-Type names a form-encoded body.
func isFormResponse(header http.Header) bool {
	mt, _, err := mime.ParseMediaType(header.Get("Content-Type"))
	return err == nil && (mt == "application/x-www-form-urlencoded" || mt == "text/plain")
}

// parseExpiresIn reads expires_in, which servers send as a number or, now and
// then, as a string, counting units of unit. Absent, null or zero yields zero
// (no lifetime given).
func parseExpiresIn(raw json.RawMessage, unit time.Duration) (time.Duration, bool) {
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
	secs := min(f*unit.Seconds(), maxLifetime)
	return time.Duration(secs * float64(time.Second)), true
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
