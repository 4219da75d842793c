package dynamicregistration

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// RFC 7591 §2 client metadata and §3.2.1 client information names.
const (
	fieldClientID        = "client_id"
	fieldClientSecret    = "client_secret"
	fieldIDIssuedAt      = "client_id_issued_at"
	fieldSecretExpiresAt = "client_secret_expires_at"
	fieldClientName      = "client_name"
	fieldGrantTypes      = "grant_types"
	fieldScope           = "scope"
	fieldRedirectURIs    = "redirect_uris"
	fieldAuthMethod      = "token_endpoint_auth_method"
	fieldResponseTypes   = "response_types"
	// fieldAudience is not RFC 7591 metadata, but the name servers that
	// register an audience use (Ory Hydra: a list of strings).
	fieldAudience = "audience"
	// fieldJWKS and fieldSigningAlg are RFC 7591 §2 metadata of a
	// private_key_jwt client: its public keys, and the JWS algorithm of
	// its assertions.
	fieldJWKS       = "jwks"
	fieldSigningAlg = "token_endpoint_auth_signing_alg"
)

// reserved are the names Extra may not set: the adapter manages them from
// ClientSpec fields, or the server assigns them.
var reserved = []string{
	fieldClientID, fieldClientSecret, fieldIDIssuedAt, fieldSecretExpiresAt,
	fieldClientName, fieldGrantTypes, fieldScope, fieldRedirectURIs, fieldAuthMethod, fieldResponseTypes,
	StateRegistrationAccessToken, StateRegistrationClientURI,
	fieldJWKS, fieldSigningAlg, "jwks_uri",
}

// maxTime is the largest client_secret_expires_at accepted (year 9999).
const maxTime = 253402300799

// metadata renders spec as an RFC 7591 registration request body.
//
// ClientSpec.Description has no RFC 7591 metadata and is not sent; set a
// server's own name for it through Extra. Audience, when set, is sent as
// "audience" (a list, as Ory Hydra takes it); a server that does not
// register it leaves it out of its answer, and the adapter refuses that
// (checkAudience) rather than ignore spec.audience. response_types is
// ["code"] for an authorization_code client and [] otherwise, because the
// RFC 7591 default (["code"]) would otherwise demand redirect URIs.
func metadata(spec provider.ClientSpec) (map[string]any, error) {
	m := map[string]any{}
	for k, v := range spec.Extra {
		if slices.Contains(reserved, k) {
			return nil, &provider.Error{Kind: provider.KindInvalidMetadata,
				Description: fmt.Sprintf("extra metadata %q is set by the adapter or the server and cannot be given as an extra", k)}
		}
		m[k] = v
	}
	provider.PutMetadata(m, spec)
	if len(spec.Audience) > 0 {
		m[fieldAudience] = spec.Audience
	}
	if len(spec.JWKS) > 0 {
		m[fieldJWKS] = spec.JWKS
		if alg := signingAlg(spec.JWKS); alg != "" {
			m[fieldSigningAlg] = alg
		}
	}
	m[fieldResponseTypes] = []string{}
	if slices.Contains(spec.GrantTypes, "authorization_code") {
		m[fieldResponseTypes] = []string{"code"}
	}
	return m, nil
}

// clientInfo is an RFC 7591 §3.2.1 / RFC 7592 §3 client information response.
type clientInfo struct {
	ClientID                string
	ClientSecret            string
	SecretExpiresAt         time.Time
	RegistrationAccessToken string
	RegistrationClientURI   string
	// Spec is the registered metadata; Extra holds every other string-valued
	// field the server returned.
	Spec provider.ClientSpec
}

// needsSecret reports whether the effective token endpoint auth method of a
// registration is one that authenticates with a client secret. An empty
// method means client_secret_basic, the RFC 7591 default.
func (c clientInfo) needsSecret(requested string) bool {
	method := c.Spec.TokenEndpointAuthMethod
	if method == "" {
		method = requested
	}
	switch method {
	case "", "client_secret_basic", "client_secret_post", "client_secret_jwt":
		return true
	}
	return false
}

// parseClientInfo reads a client information response. Its errors name the
// offending field, never its value.
func parseClientInfo(body []byte) (clientInfo, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return clientInfo{}, fmt.Errorf("response is not a JSON object")
	}
	var c clientInfo
	var expires float64
	var scope string
	fields := []struct {
		name string
		into any
	}{
		{fieldClientID, &c.ClientID},
		{fieldClientSecret, &c.ClientSecret},
		{fieldSecretExpiresAt, &expires},
		{StateRegistrationAccessToken, &c.RegistrationAccessToken},
		{StateRegistrationClientURI, &c.RegistrationClientURI},
		{fieldClientName, &c.Spec.ClientName},
		{fieldGrantTypes, &c.Spec.GrantTypes},
		{fieldRedirectURIs, &c.Spec.RedirectURIs},
		{fieldAuthMethod, &c.Spec.TokenEndpointAuthMethod},
		{fieldScope, &scope},
		{fieldAudience, &c.Spec.Audience},
		{fieldJWKS, &c.Spec.JWKS},
	}
	for _, f := range fields {
		v, ok := raw[f.name]
		if !ok {
			continue
		}
		if err := json.Unmarshal(v, f.into); err != nil {
			return clientInfo{}, fmt.Errorf("response field %s has the wrong type", f.name)
		}
	}
	if expires < 0 || expires > maxTime || math.IsNaN(expires) {
		return clientInfo{}, fmt.Errorf("response field %s is out of range", fieldSecretExpiresAt)
	}
	if expires > 0 {
		c.SecretExpiresAt = time.Unix(int64(expires), 0).UTC()
	}
	if scopes := strings.Fields(scope); len(scopes) > 0 {
		c.Spec.Scopes = scopes
	}
	for k, v := range raw {
		if slices.Contains(reserved, k) {
			continue
		}
		var s string
		if string(v) != "null" && json.Unmarshal(v, &s) == nil {
			if c.Spec.Extra == nil {
				c.Spec.Extra = map[string]string{}
			}
			c.Spec.Extra[k] = s
		}
	}
	return c, nil
}

// checkAudience refuses a registration in which the server did not keep
// the audience that spec asks for: RFC 7591 §3.2.1 has the answer carry
// every registered metadata value, so a server that ignored audience
// leaves it out, and the client would get tokens for whatever audience
// the server picks.
func checkAudience(info clientInfo, spec provider.ClientSpec) error {
	if len(spec.Audience) == 0 || provider.SameSet(spec.Audience, info.Spec.Audience) {
		return nil
	}
	return &provider.Error{Kind: provider.KindInvalidMetadata,
		Description: "spec.audience: the server did not register the audience (it is not RFC 7591 metadata and this server does not keep it); remove spec.audience, or use a provider block for this server that supports it"}
}

// signingAlg is the algorithm all keys of a key set share, for
// token_endpoint_auth_signing_alg; "" when they differ (a rotation that
// changed spec.keys.algorithm), so the server accepts either.
func signingAlg(jwks json.RawMessage) string {
	var set struct {
		Keys []struct {
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if json.Unmarshal(jwks, &set) != nil || len(set.Keys) == 0 {
		return ""
	}
	alg := set.Keys[0].Alg
	for _, k := range set.Keys[1:] {
		if k.Alg != alg {
			return ""
		}
	}
	return alg
}

// checkKeySet refuses a registration in which the server did not keep the
// key set spec asks for (RFC 7591 §3.2.1: the answer carries every
// registered metadata value): a private_key_jwt client whose keys the
// server dropped could never authenticate.
func checkKeySet(info clientInfo, spec provider.ClientSpec) error {
	if len(spec.JWKS) == 0 || provider.SameSet(provider.KeyIDs(spec.JWKS), provider.KeyIDs(info.Spec.JWKS)) {
		return nil
	}
	return &provider.Error{Kind: provider.KindInvalidMetadata,
		Description: "spec.tokenEndpointAuthMethod: the server did not register the client's public keys (jwks); it may not support private_key_jwt for dynamically registered clients"}
}
