package hydra

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"maps"
	"math/big"
	"net/http"
	"sync"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/oauthcall"
)

// Hydra makes its signing keys (RSA 4096) on first use, in the request
// that needs them: the first discovery or JWKS request can take seconds,
// longer than Hydra's own write timeout on a loaded machine, and then ends
// in EOF. Start installs one RSA 2048 key, made once per test process, in
// each of Hydra's two key sets before anything asks for them.
var (
	keyOnce sync.Once
	keyJWK  map[string]any
	keyErr  error
)

// keySets are the sets Hydra signs with: ID tokens (and discovery's
// algorithms) and JWT access tokens.
var keySets = []string{"hydra.openid.id-token", "hydra.jwt.access-token"}

func signingKey() (map[string]any, error) {
	keyOnce.Do(func() {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			keyErr = fmt.Errorf("making a signing key for Hydra: %w", err)
			return
		}
		k.Precompute()
		b := func(i *big.Int) string { return base64.RawURLEncoding.EncodeToString(i.Bytes()) }
		keyJWK = map[string]any{
			"kty": "RSA", "use": "sig", "alg": "RS256",
			"n": b(k.N), "e": b(big.NewInt(int64(k.E))), "d": b(k.D),
			"p": b(k.Primes[0]), "q": b(k.Primes[1]),
			"dp": b(k.Precomputed.Dp), "dq": b(k.Precomputed.Dq), "qi": b(k.Precomputed.Qinv),
		}
	})
	return keyJWK, keyErr
}

// seedKeys installs the signing key in each set that has none yet, then
// waits until discovery and the JWKS answer 200 (polling, each request
// allowed to take long: should a key still be made, the next try finds it).
func (s *Server) seedKeys(ctx context.Context, exited <-chan struct{}) error {
	key, err := signingKey()
	if err != nil {
		return err
	}
	for _, set := range keySets {
		status, _, err := s.Admin(ctx, http.MethodGet, "/admin/keys/"+set, nil)
		if err != nil {
			return fmt.Errorf("reading key set %s: %w", set, err)
		}
		if status == http.StatusOK {
			continue // kept from an earlier run on this database
		}
		jwk := map[string]any{"kid": set + "-test"}
		maps.Copy(jwk, key)
		status, body, err := s.Admin(ctx, http.MethodPut, "/admin/keys/"+set, map[string]any{"keys": []any{jwk}})
		if err != nil || status != http.StatusOK {
			return fmt.Errorf("installing a signing key in %s: status %d, %v: %s", set, status, err, oauthcall.Describe(status, body))
		}
	}
	hc := &http.Client{Timeout: 30 * time.Second}
	for _, u := range []string{s.PublicURL + "/.well-known/openid-configuration", s.PublicURL + "/.well-known/jwks.json"} {
		for {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
			if err != nil {
				return err
			}
			resp, err := hc.Do(req)
			if err == nil {
				_ = resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			select {
			case <-exited:
				return fmt.Errorf("waiting for %s: Hydra exited", u)
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w", u, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nil
}
