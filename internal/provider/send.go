package provider

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"

	"golang.org/x/oauth2"
)

// Request is one call of a native adapter to its server's management API,
// which speaks JSON.
type Request struct {
	Method string
	// URL is the whole address, query included.
	URL string
	// Body is sent as JSON when not nil.
	Body any
	// Header holds extra request headers.
	Header map[string]string
	// Authorize sets the request's credential and returns it, so that no
	// error can show it; nil sends none (see Bearer).
	Authorize func(*http.Request) (credential string, err error)
	// Secrets are values the request carries that no error may show.
	Secrets []string
	// MaxAnswer is the largest answer read, in bytes; a larger one is a
	// transient error.
	MaxAnswer int
}

// Answer is a management API's reply, read whole. Any status is an
// answer: the adapter judges it (StatusError and its own error shapes).
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// Send makes the request through hc and reads the answer. Its errors are
// typed (InvalidMetadata for a request that cannot be built, Transient for
// a failed exchange, what Authorize returns) and never hold the credential
// or a secret; where the answer is an error status, the credential is cut
// from its body too.
func Send(ctx context.Context, hc *http.Client, r Request) (Answer, error) {
	var rd io.Reader
	if r.Body != nil {
		b, err := json.Marshal(r.Body)
		if err != nil {
			return Answer{}, fmt.Errorf("encoding the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, r.URL, rd)
	if err != nil {
		return Answer{}, Errorf(KindInvalidMetadata, "building the request %s: %v", r.Method, ScrubError(err, r.Secrets))
	}
	req.Header.Set("Accept", "application/json")
	if r.Body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range r.Header {
		req.Header.Set(k, v)
	}
	var credential string
	if r.Authorize != nil {
		if credential, err = r.Authorize(req); err != nil {
			return Answer{}, err
		}
	}
	secrets := append([]string{credential}, r.Secrets...)
	where := r.Method + " " + req.URL.Path
	resp, err := hc.Do(req)
	if err != nil {
		return Answer{}, &Error{Kind: KindTransient, Description: where, Err: ScrubError(err, secrets)}
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, int64(r.MaxAnswer)+1))
	if err != nil {
		return Answer{}, &Error{Kind: KindTransient, Description: "reading the answer of " + where, Err: ScrubError(err, secrets)}
	}
	if len(b) > r.MaxAnswer {
		return Answer{}, Errorf(KindTransient, "the answer of %s is larger than %d bytes", where, r.MaxAnswer)
	}
	if credential != "" && resp.StatusCode >= 400 {
		b = bytes.ReplaceAll(b, []byte(credential), []byte("[redacted]"))
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Bearer is an Authorize that sends the token of ts as a bearer token;
// what names the token in errors ("the admin API token"). A nil ts sends
// nothing.
func Bearer(ts oauth2.TokenSource, what string) func(*http.Request) (string, error) {
	if ts == nil {
		return nil
	}
	return func(req *http.Request) (string, error) {
		tok, err := ts.Token()
		if err != nil {
			return "", TokenError("obtaining "+what, err)
		}
		if tok.AccessToken == "" {
			return "", Errorf(KindUnauthorized, "%s source returned an empty token", what)
		}
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		return tok.AccessToken, nil
	}
}
