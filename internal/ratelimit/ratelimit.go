// Package ratelimit protects an authorization server from a flood of
// requests: every request to one server waits for a token from that
// server's bucket.
package ratelimit

import (
	"net/http"

	"golang.org/x/time/rate"
)

// Transport limits the requests sent through Base.
type Transport struct {
	Base    http.RoundTripper
	Limiter *rate.Limiter
}

// RoundTrip waits for the limiter (or the request's context) and sends req.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	if err := t.Limiter.Wait(req.Context()); err != nil {
		return nil, err
	}
	return t.Base.RoundTrip(req)
}

// Client returns a copy of hc whose requests are limited to qps per second
// with bursts of burst. qps <= 0 means no limit.
func Client(hc *http.Client, qps float64, burst int) *http.Client {
	if qps <= 0 {
		return hc
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *hc
	c.Transport = &Transport{Base: base, Limiter: rate.NewLimiter(rate.Limit(qps), max(burst, 1))}
	return &c
}
