// Package keycloak manages OAuth clients in one Keycloak realm through the
// Admin REST API ({base}/admin/realms/{realm}/clients).
//
// Keycloak knows a client by two names: the clientId the operator chooses
// (so a create retried after a crash finds, by GET ?clientId=, the client
// it made) and an internal id (a UUID) that every other admin path takes;
// the adapter keeps the id in the provider state. Updates are a read,
// modify, write of the full client representation: fields the operator
// does not manage, such as an attribute an administrator added, are sent
// back as they were read. Secrets are readable (GET .../client-secret) and
// regenerated in place (POST .../client-secret); where the realm's client
// policies rotate secrets (the secret-rotation executor), Keycloak keeps
// the previous secret valid as the rotated secret, which the adapter
// reports as overlap and revokes on request (DELETE .../client-secret/rotated).
// Disabling uses the client's own enabled switch.
package keycloak

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Name is the provider block name this adapter is registered under.
const Name = "keycloak"

// DefaultPageSize is the number of clients List asks for per page (max).
const DefaultPageSize = 100

// Config is what the adapter needs to reach one Keycloak realm.
type Config struct {
	// BaseURL is Keycloak's base URL, without /admin or /realms.
	BaseURL string
	// AdminPathPrefix goes before /admin (/auth for WildFly distributions).
	AdminPathPrefix string
	// Realm is the realm the clients are created in.
	Realm string
	// HTTPClient carries TLS settings and timeouts; it adds no
	// authentication. Default: a client with a 30s timeout.
	HTTPClient *http.Client
	// Token yields the admin API's bearer token (client credentials of a
	// service account with realm-management roles; a fixed token:
	// provider.StaticToken).
	Token oauth2.TokenSource
	// Owner is the ownership marker, written to the client attribute
	// AttributeOwner of every client created. Empty writes none.
	Owner string
	// PageSize is the max of each List page; default DefaultPageSize.
	PageSize int
	// RotatedSecretLifetime, when not zero, says the realm's client
	// policies rotate secrets (the secret-rotation executor) and keep the
	// previous secret valid this long: RotateSecret then overlaps.
	RotatedSecretLifetime time.Duration
}

// Provider is the Keycloak adapter. It is safe for concurrent use.
type Provider struct {
	// realmPath is the escaped admin path of the realm:
	// {prefix}/admin/realms/{realm}.
	base      *url.URL
	realmPath string
	hc        *http.Client
	token     oauth2.TokenSource
	owner     string
	pageSize  int
	rotated   time.Duration
}

var _ provider.Provider = (*Provider)(nil)

// New builds the adapter for cfg. It makes no request.
func New(cfg Config) (*Provider, error) {
	base, ok := provider.BaseURL(cfg.BaseURL)
	if !ok || base.User != nil {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.baseURL: %q is not an absolute http(s) URL without query", Name, cfg.BaseURL)
	}
	for _, part := range []string{"/admin", "/realms"} {
		if strings.Contains(base.Path+"/", part+"/") {
			return nil, provider.Errorf(provider.KindInvalidMetadata,
				"spec.%s.baseURL: %q holds %s; give Keycloak's base URL, the adapter adds /admin/realms/...", Name, cfg.BaseURL, part)
		}
	}
	if cfg.Realm == "" || strings.ContainsAny(cfg.Realm, "/?#%\\ \t") {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.realm: %q is empty or holds /, ?, #, %%, \\ or a space", Name, cfg.Realm)
	}
	prefix := strings.TrimSuffix(cfg.AdminPathPrefix, "/")
	if prefix != "" && (!strings.HasPrefix(prefix, "/") || strings.ContainsAny(prefix, "?#% ")) {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.adminPathPrefix: %q is not a path such as /auth", Name, cfg.AdminPathPrefix)
	}
	pageSize, err := provider.PageSize(Name, cfg.PageSize, DefaultPageSize, 0)
	if err != nil {
		return nil, err
	}
	if cfg.RotatedSecretLifetime < 0 {
		return nil, provider.Errorf(provider.KindInvalidMetadata, "spec.%s.secretRotation.rotatedSecretLifetime: %s is negative", Name, cfg.RotatedSecretLifetime)
	}
	return &Provider{
		base: base, realmPath: base.EscapedPath() + prefix + "/admin/realms/" + url.PathEscape(cfg.Realm),
		hc: provider.HTTPClient(cfg.HTTPClient), token: cfg.Token, owner: cfg.Owner, pageSize: pageSize, rotated: cfg.RotatedSecretLifetime,
	}, nil
}

// Capabilities reports what Keycloak can do: the caller chooses the
// clientId and may supply the secret; the secret is readable and can be
// regenerated; clients can be listed by the ownership attribute and
// disabled. With the realm's secret rotation (RotatedSecretLifetime), a
// regenerated secret overlaps with the previous one (two valid at most),
// and every secret expires. A private_key_jwt client (client-jwt) holds
// its public keys as an inline key set (attribute jwks.string).
func (p *Provider) Capabilities() provider.Capabilities {
	c := provider.Capabilities{
		List:                 true,
		CallerChosenID:       true,
		CallerSuppliedSecret: true,
		SecretReadable:       true,
		RegenerateSecret:     true,
		NativeDisable:        true,
		KeySet:               true,
	}
	if p.rotated > 0 {
		c.OverlapSecrets, c.MaxSecrets, c.SecretExpiry = true, 2, true
	}
	return c
}

// RotatedSecretLifetime is how long Keycloak keeps a previous secret valid
// after a rotation; zero without the realm's secret rotation.
func (p *Provider) RotatedSecretLifetime() time.Duration { return p.rotated }
