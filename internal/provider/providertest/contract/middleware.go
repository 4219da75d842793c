package contract

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"net/http"
	"testing"
)

// Handler wraps a fake server's handler: every request it is given and every
// response it writes is checked against the document, and each violation
// fails t (with t.Errorf, so it is safe on the server's goroutines). The
// request and the response pass through unchanged, violation or not, so the
// adapter under test sees what the fake said.
func (s *Spec) Handler(t testing.TB, fake http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("contract: %s: reading the request body of %s %s: %v", s.d.file, r.Method, r.URL.EscapedPath(), err)
			http.Error(w, "contract: unreadable request body", http.StatusBadRequest)
			return
		}
		_ = r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(body))
		ex := s.checkRequest(r, body)

		rec := &capture{header: http.Header{}}
		fake.ServeHTTP(rec, r)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		ex.checkResponse(rec.status, rec.header, rec.body.Bytes())
		ex.report(t)

		maps.Copy(w.Header(), rec.header)
		w.WriteHeader(rec.status)
		_, _ = w.Write(rec.body.Bytes())
	})
}

// capture is the ResponseWriter the fake writes to, so the response can be
// checked before it goes out.
type capture struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (c *capture) Header() http.Header { return c.header }

func (c *capture) WriteHeader(status int) {
	if c.status == 0 {
		c.status = status
	}
}

func (c *capture) Write(p []byte) (int, error) {
	if c.status == 0 {
		c.status = http.StatusOK
	}
	return c.body.Write(p)
}

// Transport wraps the adapter's HTTP transport (nil means
// http.DefaultTransport): every request it sends and every response it gets
// is checked against the document, and each violation fails t with t.Errorf.
// Requests and responses pass through unchanged. Use it when the fake is not
// yours to wrap; use Handler when it is.
func (s *Spec) Transport(t testing.TB, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	return &transport{s: s, t: t, base: base}
}

type transport struct {
	s    *Spec
	t    testing.TB
	base http.RoundTripper
}

func (tr *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		_ = req.Body.Close()
		if err != nil {
			return nil, fmt.Errorf("contract: reading the request body: %w", err)
		}
	}
	// A RoundTripper must not change the caller's request: send a copy with
	// a body that can be read again.
	out := req.Clone(req.Context())
	if req.Body != nil && req.Body != http.NoBody {
		out.Body = io.NopCloser(bytes.NewReader(body))
		out.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		out.ContentLength = int64(len(body))
	}
	ex := tr.s.checkRequest(out, body)

	resp, err := tr.base.RoundTrip(out)
	if err != nil {
		ex.report(tr.t)
		return nil, err
	}
	rbody, err := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		ex.report(tr.t)
		return nil, fmt.Errorf("contract: reading the response body: %w", err)
	}
	resp.Body = io.NopCloser(bytes.NewReader(rbody))
	ex.checkResponse(resp.StatusCode, resp.Header, rbody)
	ex.report(tr.t)
	return resp, nil
}
