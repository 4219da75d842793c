package mgmtauth

import (
	"errors"
	"net/http"
	"sync/atomic"
	"time"
)

// Verify obtains one token with src's grant, uncached and with no refresh:
// how the operator proves that credentials brought by a user work. src
// must be a grant (ClientCredentials or JWTBearer). The error of a refused
// request is a *provider.Error with the server's OAuth error code and
// description; it never holds a secret. base carries the request (TLS,
// timeouts); nil means http.DefaultClient.
func Verify(base *http.Client, src Source) error {
	r, err := src.prepare()
	if err != nil {
		return err
	}
	if r == nil {
		return errors.New("verifying credentials needs a grant, not a static token")
	}
	if base == nil {
		base = http.DefaultClient
	}
	g := &grantSource{r: r, client: HeaderClient(base, r.headers), requests: new(atomic.Int64), now: time.Now}
	_, err = g.login()
	return err
}
