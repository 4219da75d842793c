package keycloak

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Client attributes the adapter manages.
const (
	// AttributeOwner holds the ownership marker (provider.Config.Owner).
	AttributeOwner = "oauth.clientoperator.io/owner"
	// AttributeCreateKey holds the ClientSpec.CreateKey the client was
	// created with, reported back in an observed client's Spec.CreateKey:
	// it tells the controller a create of its own whose answer was lost
	// from a client someone else made under the same clientId.
	AttributeCreateKey = "oauth.clientoperator.io/create-key"
	// attrDevice switches the device authorization grant.
	attrDevice = "oauth2.device.authorization.grant.enabled"
	// attrRefresh switches refresh tokens.
	attrRefresh = "use.refresh.tokens"
	// attrTokenExchange switches standard token exchange (Keycloak 26.2+).
	attrTokenExchange = "standard.token.exchange.enabled"
	// attrSecretExpiration is when the secret expires (epoch seconds), set
	// by the realm's secret-rotation executor.
	attrSecretExpiration = "client.secret.expiration.time"
)

// Grant types the adapter maps to Keycloak's switches.
const (
	grantClientCredentials = "client_credentials"
	grantAuthorizationCode = "authorization_code"
	grantRefreshToken      = "refresh_token"
	grantPassword          = "password"
	grantImplicit          = "implicit"
	grantDeviceCode        = "urn:ietf:params:oauth:grant-type:device_code"
	grantTokenExchange     = "urn:ietf:params:oauth:grant-type:token-exchange" //nolint:gosec // G101: a grant type name, not a credential
)

// Keycloak's client authenticators, by the RFC 7591 method they implement.
var authenticators = map[string]string{
	"client_secret_basic": "client-secret",
	"client_secret_post":  "client-secret",
	"client_secret_jwt":   "client-secret-jwt",
	"private_key_jwt":     "client-jwt",
	"tls_client_auth":     "client-x509",
}

// mapper is a protocol mapper of a client.
type mapper struct {
	ID             string            `json:"id,omitempty"`
	Name           string            `json:"name"`
	Protocol       string            `json:"protocol"`
	ProtocolMapper string            `json:"protocolMapper"`
	Config         map[string]string `json:"config,omitempty"`
}

// audienceMapperType is Keycloak's audience mapper; audiencePrefix names
// the mappers the adapter made, one per audience, so that mappers an
// administrator added are left alone.
const (
	audienceMapperType = "oidc-audience-mapper"
	audiencePrefix     = "oauth-client-operator audience "
)

// audienceMapper is the mapper that puts aud into the client's tokens.
func audienceMapper(aud string) mapper {
	return mapper{Name: audiencePrefix + aud, Protocol: "openid-connect", ProtocolMapper: audienceMapperType,
		Config: map[string]string{"included.custom.audience": aud, "access.token.claim": "true", "id.token.claim": "false", "introspection.token.claim": "true"}}
}

// rep is the part of a ClientRepresentation the adapter reads.
type rep struct {
	ID                        string            `json:"id"`
	ClientID                  string            `json:"clientId"`
	Name                      string            `json:"name"`
	Description               string            `json:"description"`
	Enabled                   *bool             `json:"enabled"`
	PublicClient              bool              `json:"publicClient"`
	ClientAuthenticatorType   string            `json:"clientAuthenticatorType"`
	StandardFlowEnabled       bool              `json:"standardFlowEnabled"`
	ImplicitFlowEnabled       bool              `json:"implicitFlowEnabled"`
	DirectAccessGrantsEnabled bool              `json:"directAccessGrantsEnabled"`
	ServiceAccountsEnabled    bool              `json:"serviceAccountsEnabled"`
	RedirectURIs              []string          `json:"redirectUris"`
	Attributes                map[string]string `json:"attributes"`
	ProtocolMappers           []mapper          `json:"protocolMappers"`
}

// parseRep reads one client representation, keeping the raw object for a
// full-representation update. Its errors name the field, never a value.
func parseRep(body []byte) (rep, map[string]json.RawMessage, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return rep{}, nil, fmt.Errorf("not a JSON object")
	}
	r, err := repOf(raw)
	return r, raw, err
}

func repOf(raw map[string]json.RawMessage) (rep, error) {
	var r rep
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &r); err != nil {
		var te *json.UnmarshalTypeError
		if ok := asTypeError(err, &te); ok {
			return rep{}, fmt.Errorf("field %s has the wrong type", te.Field)
		}
		return rep{}, fmt.Errorf("not a client representation")
	}
	if r.ID == "" {
		return rep{}, fmt.Errorf("field id is missing")
	}
	if r.ClientID == "" {
		return rep{}, fmt.Errorf("field clientId is missing")
	}
	return r, nil
}

func asTypeError(err error, te **json.UnmarshalTypeError) bool {
	t, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*te = t
	}
	return ok
}

// enabled is the client's switch (Keycloak's default is on).
func (r rep) enabled() bool { return r.Enabled == nil || *r.Enabled }

// grants are the grant types the client's switches allow.
func (r rep) grants() []string {
	var g []string
	add := func(on bool, grant string) {
		if on {
			g = append(g, grant)
		}
	}
	add(r.ServiceAccountsEnabled, grantClientCredentials)
	add(r.StandardFlowEnabled, grantAuthorizationCode)
	add(r.DirectAccessGrantsEnabled, grantPassword)
	add(r.ImplicitFlowEnabled, grantImplicit)
	device := r.Attributes[attrDevice] == "true"
	add(device, grantDeviceCode)
	refresh, set := r.Attributes[attrRefresh]
	add(refresh == "true" || (!set && (r.StandardFlowEnabled || r.DirectAccessGrantsEnabled || device)), grantRefreshToken)
	add(r.Attributes[attrTokenExchange] == "true", grantTokenExchange)
	return g
}

// authMethod is the RFC 7591 name of the client's authenticator.
func (r rep) authMethod() string {
	if r.PublicClient {
		return "none"
	}
	for _, m := range []string{"client_secret_basic", "client_secret_jwt", "private_key_jwt", "tls_client_auth"} {
		if authenticators[m] == r.ClientAuthenticatorType {
			return m
		}
	}
	return r.ClientAuthenticatorType
}

// audiences are the audiences of the adapter's audience mappers.
func (r rep) audiences() []string {
	var a []string
	for _, m := range r.ProtocolMappers {
		if m.ProtocolMapper == audienceMapperType && strings.HasPrefix(m.Name, audiencePrefix) {
			a = append(a, m.Config["included.custom.audience"])
		}
	}
	return a
}

// spec is the registration the client holds, in the operator's terms
// (scopes and roles are read separately).
func (r rep) spec() provider.ClientSpec {
	s := provider.ClientSpec{
		ClientName:              r.Name,
		Description:             r.Description,
		GrantTypes:              r.grants(),
		Audience:                r.audiences(),
		RedirectURIs:            r.RedirectURIs,
		TokenEndpointAuthMethod: r.authMethod(),
		CreateKey:               r.Attributes[AttributeCreateKey],
		JWKS:                    keySetOf(r.Attributes),
	}
	if o := r.Attributes[AttributeOwner]; o != "" {
		s.Extra = map[string]string{AttributeOwner: o}
	}
	return s
}

// managed reads what the operator manages of a client from its spec: the
// provider options, the representation's switches and its attributes.
func managed(spec provider.ClientSpec) (options, map[string]any, map[string]string, error) {
	opts, err := optionsOf(spec)
	if err != nil {
		return options{}, nil, nil, err
	}
	fields, attrs, err := switches(spec)
	return opts, fields, attrs, err
}

// switches are the representation's fields and managed attributes that
// spec's grant types and auth method set. Unknown grants are refused,
// naming the field.
func switches(spec provider.ClientSpec) (map[string]any, map[string]string, error) {
	has := func(g string) bool { return slices.Contains(spec.GrantTypes, g) }
	for _, g := range spec.GrantTypes {
		switch g {
		case grantClientCredentials, grantAuthorizationCode, grantRefreshToken, grantPassword, grantImplicit, grantDeviceCode, grantTokenExchange:
		default:
			return nil, nil, provider.Errorf(provider.KindInvalidMetadata, "spec.grantTypes: Keycloak has no switch for grant type %q", g)
		}
	}
	onOff := func(on bool) string {
		if on {
			return "true"
		}
		return "false"
	}
	fields := map[string]any{
		"protocol":                  "openid-connect",
		"serviceAccountsEnabled":    has(grantClientCredentials),
		"standardFlowEnabled":       has(grantAuthorizationCode),
		"directAccessGrantsEnabled": has(grantPassword),
		"implicitFlowEnabled":       has(grantImplicit),
		"redirectUris":              nonNil(spec.RedirectURIs),
		"name":                      spec.ClientName,
		"description":               spec.Description,
	}
	switch m := spec.TokenEndpointAuthMethod; m {
	case "none":
		fields["publicClient"] = true
		if has(grantClientCredentials) {
			return nil, nil, provider.Errorf(provider.KindInvalidMetadata, "spec.tokenEndpointAuthMethod: a public client (none) cannot use client_credentials in Keycloak")
		}
	case "":
		fields["publicClient"], fields["clientAuthenticatorType"] = false, "client-secret"
	default:
		a, ok := authenticators[m]
		if !ok {
			return nil, nil, provider.Errorf(provider.KindInvalidMetadata, "spec.tokenEndpointAuthMethod: Keycloak has no authenticator for %q", m)
		}
		fields["publicClient"], fields["clientAuthenticatorType"] = false, a
	}
	attrs := map[string]string{
		attrDevice:        onOff(has(grantDeviceCode)),
		attrRefresh:       onOff(has(grantRefreshToken)),
		attrTokenExchange: onOff(has(grantTokenExchange)),
	}
	maps.Copy(attrs, keySetAttributes(spec))
	return fields, attrs, nil
}

// nonNil returns s, or an empty list for nil (Keycloak reads a missing
// list as "leave as is").
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// merge writes fields and attributes into a raw representation, leaving
// every other field and attribute as it was. It reports whether anything
// changed.
func merge(raw map[string]json.RawMessage, fields map[string]any, attrs map[string]string) (bool, error) {
	changed := false
	for _, k := range slices.Sorted(maps.Keys(fields)) {
		b, err := json.Marshal(fields[k])
		if err != nil {
			return false, err
		}
		if old, ok := raw[k]; !ok || !sameJSON(old, b) {
			raw[k], changed = b, true
		}
	}
	current := map[string]string{}
	if v, ok := raw["attributes"]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &current); err != nil {
			return false, fmt.Errorf("field attributes has the wrong type")
		}
	}
	attrChanged := false
	for k, v := range attrs {
		if cur, ok := current[k]; !ok || cur != v {
			current[k], attrChanged = v, true
		}
	}
	if attrChanged {
		b, _ := json.Marshal(current)
		raw["attributes"], changed = b, true
	}
	return changed, nil
}

// sameJSON compares two JSON values by meaning.
func sameJSON(a, b []byte) bool {
	var x, y any
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil {
		return false
	}
	xb, _ := json.Marshal(x)
	yb, _ := json.Marshal(y)
	return string(xb) == string(yb)
}
