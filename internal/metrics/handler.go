package metrics

import (
	"compress/gzip"
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/prometheus/common/expfmt"
)

// Handler answers a scrape with next's series (a registry's: the
// controller-runtime metrics and the request counters, see Register)
// followed by the collector's. next is asked for the text format without
// compression, so that the two parts join; the whole answer is compressed
// when the scraper accepts gzip. When the cache cannot be read the scrape
// fails with 500, so Prometheus shows it as down rather than empty.
func (c *Collector) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		clients, servers, err := c.read(r.Context())
		if err != nil {
			http.Error(w, "reading the cache: "+err.Error(), http.StatusInternalServerError)
			return
		}
		inner := r.Clone(r.Context())
		inner.Header.Set("Accept", string(expfmt.NewFormat(expfmt.TypeTextPlain)))
		inner.Header.Del("Accept-Encoding")
		part := &firstPart{ResponseWriter: w, gzip: acceptsGzip(r)}
		next.ServeHTTP(part, inner)
		if part.status == 0 {
			part.WriteHeader(http.StatusOK)
		}
		if part.status != http.StatusOK {
			return
		}
		err = writeText(part.body(), clients, servers)
		if part.gz != nil {
			if err == nil {
				_ = part.gz.Close()
			}
			gzips.Put(part.gz)
		}
	})
}

// gzips are compressors to reuse: each holds about 800 KB.
var gzips = sync.Pool{New: func() any { return gzip.NewWriter(io.Discard) }}

// firstPart passes next's answer through, compressed when asked, and
// remembers its status.
type firstPart struct {
	http.ResponseWriter
	gzip   bool
	gz     *gzip.Writer
	status int
}

func (p *firstPart) WriteHeader(code int) {
	if p.status != 0 {
		return
	}
	p.status = code
	if code == http.StatusOK && p.gzip {
		p.Header().Set("Content-Encoding", "gzip")
		p.Header().Del("Content-Length")
		p.gz = gzips.Get().(*gzip.Writer)
		p.gz.Reset(p.ResponseWriter)
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *firstPart) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	return p.body().Write(b)
}

// body is where the answer's body goes.
func (p *firstPart) body() io.Writer {
	if p.gz != nil {
		return p.gz
	}
	return p.ResponseWriter
}

// acceptsGzip reports whether the request's Accept-Encoding offers gzip.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept-Encoding") {
		for part := range strings.SplitSeq(v, ",") {
			coding, params, _ := strings.Cut(strings.TrimSpace(part), ";")
			if strings.EqualFold(strings.TrimSpace(coding), "gzip") && strings.ReplaceAll(params, " ", "") != "q=0" {
				return true
			}
		}
	}
	return false
}
