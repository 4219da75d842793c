package mgmtauth

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeTokenServer is a FAKE OAuth 2.0 token endpoint for these tests only,
// not a model of any real server. It authenticates one client sent in any
// of the three secret auth styles, or by a client assertion that
// verifyAssertion accepts; it grants client_credentials, refresh_token and,
// when acceptGrant is set, the JWT bearer grant; it issues numbered tokens
// (and refresh tokens when asked), and records every request so tests can
// check the wire format.
type fakeTokenServer struct {
	srv *httptest.Server

	mu           sync.Mutex
	clientID     string
	clientSecret string
	expiresIn    int
	issueRefresh bool
	delay        time.Duration
	// reply, when set, is sent instead of processing the request.
	reply    *fakeReply
	requests []fakeRequest
	issued   int
	// refreshTokens are the refresh tokens the fake still honours.
	refreshTokens map[string]bool
	// verifyAssertion, when set, authenticates a request carrying
	// client_assertion: it returns the client ID the assertion proves.
	verifyAssertion func(assertion string) (clientID string, err error)
	// acceptGrant, when set, enables the JWT bearer grant and decides
	// whether its assertion is good. Such a request needs no client
	// authentication, but any it carries must be right.
	acceptGrant func(assertion string) error
}

// fakeReply is a canned response.
type fakeReply struct {
	status int
	header map[string]string
	body   string
}

// fakeRequest is what the fake saw of one request.
type fakeRequest struct {
	method      string
	contentType string
	header      http.Header
	hasBasic    bool
	basicUser   string
	basicPass   string
	// params is the form or JSON body, flattened to strings.
	params map[string]string
	// values is the form body with repeated parameters; json is the JSON
	// body as decoded.
	values url.Values
	json   map[string]any
}

// newFakeTokenServer starts the fake; it accepts testClientID and secret
// and issues tokens living an hour.
func newFakeTokenServer(t testing.TB, secret string) *fakeTokenServer {
	t.Helper()
	f := &fakeTokenServer{
		clientID:      testClientID,
		clientSecret:  secret,
		expiresIn:     3600,
		refreshTokens: map[string]bool{},
	}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// tokenURL is the fake's token endpoint.
func (f *fakeTokenServer) tokenURL() string { return f.srv.URL + "/token" }

// set changes the fake's behaviour under its lock.
func (f *fakeTokenServer) set(change func(f *fakeTokenServer)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	change(f)
}

// seen returns a copy of the recorded requests.
func (f *fakeTokenServer) seen() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeRequest(nil), f.requests...)
}

func (f *fakeTokenServer) serve(w http.ResponseWriter, r *http.Request) {
	rec := fakeRequest{
		method:      r.Method,
		contentType: r.Header.Get("Content-Type"),
		header:      r.Header.Clone(),
		params:      map[string]string{},
	}
	if user, pass, ok := r.BasicAuth(); ok {
		// RFC 6749 section 2.3.1: both are form-urlencoded before Basic.
		rec.hasBasic = true
		rec.basicUser, _ = url.QueryUnescape(user)
		rec.basicPass, _ = url.QueryUnescape(pass)
	}
	if strings.HasPrefix(rec.contentType, "application/json") {
		_ = json.NewDecoder(r.Body).Decode(&rec.json)
		for k, v := range rec.json {
			rec.params[k] = fmt.Sprint(v)
		}
	} else {
		_ = r.ParseForm()
		rec.values = r.PostForm
		for k := range r.PostForm {
			rec.params[k] = r.PostForm.Get(k)
		}
	}

	f.mu.Lock()
	f.requests = append(f.requests, rec)
	delay, reply := f.delay, f.reply
	f.mu.Unlock()
	// A client that gives up ends the wait: the server's Close waits for
	// this handler.
	select {
	case <-time.After(delay):
	case <-r.Context().Done():
		return
	}
	if reply != nil {
		w.Header().Set("Content-Type", "application/json")
		for k, v := range reply.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(reply.status)
		_, _ = w.Write([]byte(reply.body))
		return
	}

	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.authenticated(w, rec) {
		return
	}
	switch rec.params["grant_type"] {
	case "client_credentials":
	case "refresh_token":
		if !f.refreshTokens[rec.params["refresh_token"]] {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": "refresh token unknown"})
			return
		}
	case GrantTypeJWTBearer:
		if f.acceptGrant == nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
			return
		}
		if err := f.acceptGrant(rec.params["assertion"]); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_grant", "error_description": err.Error()})
			return
		}
	default:
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "unsupported_grant_type"})
		return
	}
	f.issued++
	resp := map[string]any{
		"access_token": fmt.Sprintf("at-%d", f.issued),
		"token_type":   "Bearer",
		"expires_in":   f.expiresIn,
	}
	if f.issueRefresh {
		rt := fmt.Sprintf("rt-%d", f.issued)
		f.refreshTokens[rt] = true
		resp["refresh_token"] = rt
	}
	writeJSON(w, http.StatusOK, resp)
}

// authenticated checks the client's authentication, answering
// invalid_client when it fails. f.mu is held.
func (f *fakeTokenServer) authenticated(w http.ResponseWriter, rec fakeRequest) bool {
	refuse := func(why string) bool {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"error": "invalid_client", "error_description": why})
		return false
	}
	if a, ok := rec.params["client_assertion"]; ok {
		if rec.params["client_assertion_type"] != ClientAssertionTypeJWT {
			return refuse("wrong client_assertion_type")
		}
		if f.verifyAssertion == nil {
			return refuse("client assertions not accepted")
		}
		id, err := f.verifyAssertion(a)
		if err != nil {
			return refuse(err.Error())
		}
		if rec.params["client_id"] != "" && rec.params["client_id"] != id {
			return refuse("client_id does not match the assertion")
		}
		return true
	}
	id, secret := rec.params["client_id"], rec.params["client_secret"]
	if rec.hasBasic {
		id, secret = rec.basicUser, rec.basicPass
	}
	if rec.params["grant_type"] == GrantTypeJWTBearer && secret == "" && !rec.hasBasic {
		// No client authentication: the grant's assertion alone decides.
		return true
	}
	if id != f.clientID || secret != f.clientSecret {
		return refuse("client authentication failed")
	}
	return true
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// fakeClock is a settable clock for the cache, starting at the real time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now()} }

// Now returns the clock's time.
func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
