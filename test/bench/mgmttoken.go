package main

import (
	"context"
	"fmt"
	"math"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// The client-credentials variant: short tokens so that a short phase spans
// several token lifetimes.
const (
	ccTokenTTL     = 30 * time.Second
	ccEarlyRefresh = 10 * time.Second // the manager's --token-early-refresh
	ccWaves        = 3
	ccPerWave      = 10
)

// mgmtTokenResult counts the operator's management-token requests.
type mgmtTokenResult struct {
	// IATTokenRequests is POST /token at the main auth server over the whole
	// run: its AuthServer uses an initial access token, which needs none.
	IATTokenRequests float64 `json:"iat_token_requests"`
	// ClientCredentials is an AuthServer whose management credentials are
	// OAuth client credentials, at a second auth server.
	ClientCredentials ccResult `json:"client_credentials"`
}

// ccResult is the client-credentials variant.
type ccResult struct {
	Clients             int     `json:"clients"`
	Waves               int     `json:"waves"`
	TokenTTLSeconds     float64 `json:"token_ttl_seconds"`
	EarlyRefreshSeconds float64 `json:"early_refresh_seconds"`
	// LifetimeSeconds is how long the operator may use one token.
	LifetimeSeconds float64 `json:"lifetime_seconds"`
	Seconds         float64 `json:"seconds"`
	// LifetimesSpanned is how many token lifetimes the phase covered.
	LifetimesSpanned int     `json:"lifetimes_spanned"`
	TokenRequests    float64 `json:"token_requests"`
	PerLifetime      float64 `json:"token_requests_per_lifetime"`
	Auth             traffic `json:"auth_server"`
}

// runClientCredentials registers a management client at a second auth
// server (open registration), points an AuthServer at it with client
// credentials, and creates clients in waves a token lifetime apart. Every
// registration needs a management token; the cache should fetch one per
// lifetime, not one per registration.
func (h *harness) runClientCredentials(ctx context.Context) (ccResult, error) {
	res := ccResult{
		Clients: ccWaves * ccPerWave, Waves: ccWaves,
		TokenTTLSeconds: ccTokenTTL.Seconds(), EarlyRefreshSeconds: ccEarlyRefresh.Seconds(),
		LifetimeSeconds: (ccTokenTTL - ccEarlyRefresh).Seconds(),
	}
	srv, err := authserver.Start(ctx, authserver.Options{AccessTokenTTL: ccTokenTTL, Stderr: h.authLog})
	if err != nil {
		return res, err
	}
	defer func() { _ = srv.Stop() }()
	reg, err := newRegistrar(ctx, srv.Issuer, "", 2)
	if err != nil {
		return res, err
	}
	id, secret, err := reg.register(ctx, ccMetadata("oauth-client-operator management", ""))
	if err != nil {
		return res, fmt.Errorf("registering the management client: %w", err)
	}
	before, err := authRequests(ctx, srv)
	if err != nil {
		return res, err
	}

	start := time.Now()
	creds := v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
		ClientID:     id,
		ClientSecret: &v1alpha1.SecretKeySelector{Name: serverName + "-credentials", Key: "client-secret"},
	}}
	if err := createAuthServer(ctx, h.k, ccNamespace, serverName, srv.Issuer, map[string]string{"client-secret": secret}, creds); err != nil {
		return res, err
	}
	lifetime := ccTokenTTL - ccEarlyRefresh
	for w := range ccWaves {
		waveStart := time.Now()
		names := clientNames(fmt.Sprintf("cc-wave%d", w), ccPerWave)
		if err := createClients(ctx, h.k, h.tracker, ccNamespace, names, ccPerWave); err != nil {
			return res, err
		}
		if err := h.tracker.waitReady(ctx, keysOf(ccNamespace, names), 2*time.Minute); err != nil {
			return res, err
		}
		if w < ccWaves-1 {
			select {
			case <-ctx.Done():
				return res, ctx.Err()
			case <-time.After(time.Until(waveStart.Add(lifetime + time.Second))):
			}
		}
	}
	elapsed := time.Since(start)
	after, err := authRequests(ctx, srv)
	if err != nil {
		return res, err
	}
	res.Auth = newTraffic(diff(after, before))
	res.Seconds = seconds(elapsed)
	res.TokenRequests = res.Auth.Requests["POST /token"]
	res.LifetimesSpanned = int(math.Ceil(elapsed.Seconds() / lifetime.Seconds()))
	res.PerLifetime = ratio(res.TokenRequests, float64(res.LifetimesSpanned))
	return res, nil
}
