package dynamicregistration

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
)

// fakeServer is a small RFC 7591/7592 server for unit tests: it checks the
// initial access token, registers, reads, replaces and deletes clients, can
// rotate registration access tokens on update, and answers client
// credentials token checks directly.
type fakeServer struct {
	*httptest.Server
	iat    string
	rotate bool
	// scopes the server knows; registering any other is invalid metadata.
	scopes []string
	// ignored are metadata names the server does not keep (as RFC 7591
	// §2 lets a server ignore metadata it does not understand).
	ignored []string

	mu      sync.Mutex
	seq     int
	clients map[string]*fakeClient
	rats    map[string]string // registration access token -> client id
	// requests records method, path and decoded JSON body of each call.
	requests []fakeRequest
}

type fakeClient struct {
	meta   map[string]any
	secret string
}

type fakeRequest struct {
	method, path, auth string
	body               map[string]any
}

func newFakeServer(t *testing.T, iat string, rotate bool) *fakeServer {
	t.Helper()
	f := &fakeServer{iat: iat, rotate: rotate, scopes: []string{"read", "write", "admin"},
		clients: map[string]*fakeClient{}, rats: map[string]string{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /reg", f.register)
	mux.HandleFunc("/reg/{id}", f.configure)
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	return f
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func oauthErr(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

func bearer(r *http.Request) string {
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
}

// record notes a request and decodes its body.
func (f *fakeServer) record(r *http.Request) (map[string]any, error) {
	var body map[string]any
	var err error
	if r.Body != nil && r.ContentLength != 0 {
		err = json.NewDecoder(r.Body).Decode(&body)
	}
	f.requests = append(f.requests, fakeRequest{method: r.Method, path: r.URL.Path, auth: r.Header.Get("Authorization"), body: body})
	return body, err
}

// validate checks metadata the way a strict server would.
func (f *fakeServer) validate(meta map[string]any) (code, desc string) {
	if uris, ok := meta["redirect_uris"].([]any); ok {
		for _, u := range uris {
			s, _ := u.(string)
			if p, err := url.Parse(s); err != nil || p.Scheme == "" || p.Fragment != "" {
				return "invalid_redirect_uri", fmt.Sprintf("redirect_uri %q is not an absolute URI", s)
			}
		}
	}
	scope, _ := meta["scope"].(string)
	for s := range strings.FieldsSeq(scope) {
		if !slices.Contains(f.scopes, s) {
			return "invalid_client_metadata", fmt.Sprintf("scope %q is not known", s)
		}
	}
	return "", ""
}

func (f *fakeServer) register(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	meta, err := f.record(r)
	if err != nil {
		oauthErr(w, 400, "invalid_request", "body is not JSON")
		return
	}
	if f.iat != "" && bearer(r) != f.iat {
		oauthErr(w, 401, "invalid_token", "invalid initial access token")
		return
	}
	if code, desc := f.validate(meta); code != "" {
		oauthErr(w, 400, code, desc)
		return
	}
	f.seq++
	id := fmt.Sprintf("client-%d", f.seq)
	for _, k := range f.ignored {
		delete(meta, k)
	}
	c := &fakeClient{meta: meta}
	if m := meta["token_endpoint_auth_method"]; m != "none" && m != "private_key_jwt" {
		c.secret = fmt.Sprintf("secret-%d", f.seq)
	}
	f.clients[id] = c
	rat := fmt.Sprintf("rat-%d", f.seq)
	f.rats[rat] = id
	writeJSON(w, 201, f.info(id, rat))
}

// info renders the client information response.
func (f *fakeServer) info(id, rat string) map[string]any {
	c := f.clients[id]
	out := map[string]any{}
	maps.Copy(out, c.meta)
	out["client_id"] = id
	out["client_id_issued_at"] = 1700000000
	out["application_type"] = "web"
	if c.secret != "" {
		out["client_secret"] = c.secret
		out["client_secret_expires_at"] = 0
	}
	out["registration_access_token"] = rat
	out["registration_client_uri"] = f.URL + "/reg/" + id
	return out
}

func (f *fakeServer) configure(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	body, err := f.record(r)
	if err != nil {
		oauthErr(w, 400, "invalid_request", "body is not JSON")
		return
	}
	id, rat := r.PathValue("id"), bearer(r)
	if f.rats[rat] != id || f.clients[id] == nil {
		delete(f.rats, rat) // RFC 7592 §2.1: revoke a token used for an unknown client
		oauthErr(w, 401, "invalid_token", "invalid registration access token")
		return
	}
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, 200, f.info(id, rat))
	case http.MethodPut:
		if body["client_id"] != id {
			oauthErr(w, 400, "invalid_request", "client_id does not match")
			return
		}
		for _, k := range []string{"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"} {
			if _, ok := body[k]; ok {
				oauthErr(w, 400, "invalid_request", "request must not include "+k)
				return
			}
		}
		if code, desc := f.validate(body); code != "" {
			oauthErr(w, 400, code, desc)
			return
		}
		meta := maps.Clone(body)
		delete(meta, "client_id")
		for _, k := range f.ignored {
			delete(meta, k)
		}
		f.clients[id].meta = meta
		if f.rotate {
			delete(f.rats, rat)
			f.seq++
			rat = fmt.Sprintf("rat-%d", f.seq)
			f.rats[rat] = id
		}
		writeJSON(w, 200, f.info(id, rat))
	case http.MethodDelete:
		delete(f.clients, id)
		delete(f.rats, rat)
		w.WriteHeader(http.StatusNoContent)
	default:
		w.WriteHeader(http.StatusMethodNotAllowed)
	}
}

// canAuthenticate is a client credentials grant check.
func (f *fakeServer) canAuthenticate(id, secret, scope string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.clients[id]
	if c == nil || c.secret == "" || c.secret != secret {
		return errors.New("invalid_client")
	}
	allowed, _ := c.meta["scope"].(string)
	for s := range strings.FieldsSeq(scope) {
		if !slices.Contains(strings.Fields(allowed), s) {
			return fmt.Errorf("invalid_scope: %s", s)
		}
	}
	return nil
}

// calls returns the recorded requests.
func (f *fakeServer) calls() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}
