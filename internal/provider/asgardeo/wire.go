package asgardeo

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Management scopes the adapter's calls need (WSO2's "internal_*" scopes
// of the Application Management API and the API Resource Management API).
const (
	ScopeView         = "internal_application_mgt_view"
	ScopeCreate       = "internal_application_mgt_create"
	ScopeUpdate       = "internal_application_mgt_update"
	ScopeDelete       = "internal_application_mgt_delete"
	ScopeSecretCreate = "internal_application_mgt_client_secret_create"
	ScopeSecretView   = "internal_application_mgt_client_secret_view"
	ScopeSecretDelete = "internal_application_mgt_client_secret_delete"
	ScopeAPIView      = "internal_api_resource_view"
)

// ManagementScopes are every scope the adapter may use: what a management
// login asks for when spec.credentials.clientCredentials.scopes is empty.
var ManagementScopes = v1alpha1.AsgardeoManagementScopes

// markerPrefix starts the last line of an application's description, which
// holds the ownership marker (the API has no owner field or writable
// attribute for it).
const markerPrefix = "oauth.clientoperator.io/owner: "

// ExtraOwner is the key under which an observed client's Spec.Extra reports
// the ownership marker found in the description.
const ExtraOwner = "owner"

// Keys of an observed client's Spec.Extra for what the adapter manages
// beyond the common fields.
const (
	ExtraAccessTokenType = "accessTokenType"
	ExtraPKCEMandatory   = "pkceMandatory"
	ExtraAuthorizedAPIs  = "authorizedAPIs"
)

// oidcConfig is the part of OpenIDConnectConfiguration the adapter reads.
type oidcConfig struct {
	ClientID              string   `json:"clientId"`
	ClientSecret          string   `json:"clientSecret"`
	ClientSecretExpiresAt int64    `json:"clientSecretExpiresAt"`
	MultipleSecrets       bool     `json:"multipleClientSecretsConfigured"`
	State                 string   `json:"state"`
	GrantTypes            []string `json:"grantTypes"`
	CallbackURLs          []string `json:"callbackURLs"`
	PublicClient          bool     `json:"publicClient"`
	PKCE                  *struct {
		Mandatory bool `json:"mandatory"`
	} `json:"pkce"`
	AccessToken *struct {
		Type string `json:"type"`
	} `json:"accessToken"`
	ClientAuthentication *struct {
		TokenEndpointAuthMethod string `json:"tokenEndpointAuthMethod"`
	} `json:"clientAuthentication"`
}

// application is the part of ApplicationResponseModel (and of
// ApplicationListItem) the adapter reads.
type application struct {
	ID                 string `json:"id"`
	Name               string `json:"name"`
	Description        string `json:"description"`
	ClientID           string `json:"clientId"`
	ApplicationEnabled *bool  `json:"applicationEnabled"`
}

// enabled is applicationEnabled, true when absent (its default).
func (a application) enabled() bool { return a.ApplicationEnabled == nil || *a.ApplicationEnabled }

// appName is the application's name for a client: names are unique in an
// organization, and a replacing client (rotation by Replace) lives beside
// the one it replaces, so a chosen client ID is part of the name.
func appName(clientName, clientID string) string {
	switch {
	case clientName == "":
		return clientID
	case clientID == "":
		return clientName
	}
	return clientName + " (" + clientID + ")"
}

// clientName is the inverse of appName.
func clientName(name, clientID string) string {
	if clientID == "" {
		return name
	}
	if name == clientID {
		return ""
	}
	return strings.TrimSuffix(name, " ("+clientID+")")
}

// withMarker is the description to send: the user's text, then the
// ownership marker on a line of its own.
func withMarker(description, owner string) string {
	if owner == "" {
		return description
	}
	if description == "" {
		return markerPrefix + owner
	}
	return description + "\n" + markerPrefix + owner
}

// splitMarker splits a description into the user's text and the marker.
func splitMarker(description string) (text, owner string) {
	head, last := "", description
	if i := strings.LastIndexByte(description, '\n'); i >= 0 {
		head, last = description[:i], description[i+1:]
	}
	if m, ok := strings.CutPrefix(last, markerPrefix); ok {
		return head, m
	}
	return description, ""
}

// callbackURLs renders redirect URIs as WSO2 holds them: one URI as is,
// several as one regexp=(a|b) entry, WSO2's documented form for more than
// one callback.
func callbackURLs(uris []string) []string {
	switch len(uris) {
	case 0:
		return []string{}
	case 1:
		return []string{uris[0]}
	}
	quoted := make([]string, len(uris))
	for i, u := range uris {
		quoted[i] = regexp.QuoteMeta(u)
	}
	return []string{"regexp=(" + strings.Join(quoted, "|") + ")"}
}

// redirectURIs is the inverse of callbackURLs.
func redirectURIs(callbacks []string) []string {
	var out []string
	for _, c := range callbacks {
		inner, ok := strings.CutPrefix(c, "regexp=(")
		if !ok || !strings.HasSuffix(inner, ")") {
			out = append(out, c)
			continue
		}
		for _, alt := range alternatives(strings.TrimSuffix(inner, ")")) {
			out = append(out, unquoteMeta(alt))
		}
	}
	return out
}

// alternatives splits a pattern at the | that are not escaped.
func alternatives(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '|':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// unquoteMeta undoes regexp.QuoteMeta.
func unquoteMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// authMethod is the effective token endpoint auth method of a
// configuration: none for a public client, else what the server holds
// ("" when it holds none: both secret methods work).
func (o oidcConfig) authMethod() string {
	if o.PublicClient {
		return "none"
	}
	if o.ClientAuthentication != nil {
		return o.ClientAuthentication.TokenEndpointAuthMethod
	}
	return ""
}

// sameAuthMethod compares auth methods with the server's default in mind:
// "" means a secret sent either way.
func sameAuthMethod(desired, observed string) bool {
	norm := func(m string) string {
		if m == "" || m == "client_secret_basic" || m == "client_secret_post" {
			return "secret"
		}
		return m
	}
	if desired == observed {
		return true
	}
	if observed == "" || desired == "" {
		return norm(desired) == norm(observed)
	}
	return false
}

// needsSecret reports whether a client with this auth method uses a secret.
func needsSecret(method string) bool {
	return method != "none" && method != "private_key_jwt" && method != "tls_client_auth"
}

// putOIDC sets the managed fields of an OpenIDConnectConfiguration in m.
func putOIDC(m map[string]any, spec provider.ClientSpec, o options) {
	grants := spec.GrantTypes
	if len(grants) == 0 {
		grants = []string{"client_credentials"}
	}
	m["grantTypes"] = grants
	m["callbackURLs"] = callbackURLs(spec.RedirectURIs)
	m["publicClient"] = spec.TokenEndpointAuthMethod == "none"
	if spec.TokenEndpointAuthMethod != "" && spec.TokenEndpointAuthMethod != "none" {
		ca, _ := m["clientAuthentication"].(map[string]any)
		if ca == nil {
			ca = map[string]any{}
		}
		ca["tokenEndpointAuthMethod"] = spec.TokenEndpointAuthMethod
		m["clientAuthentication"] = ca
	}
	if o.PKCEMandatory != nil {
		pkce, _ := m["pkce"].(map[string]any)
		if pkce == nil {
			pkce = map[string]any{}
		}
		pkce["mandatory"] = *o.PKCEMandatory
		m["pkce"] = pkce
	}
	if o.AccessTokenType != "" {
		at, _ := m["accessToken"].(map[string]any)
		if at == nil {
			at = map[string]any{}
		}
		at["type"] = o.AccessTokenType
		m["accessToken"] = at
	}
}

// readOnlyOIDC are the fields of OpenIDConnectConfiguration a request must
// not carry.
var readOnlyOIDC = []string{"state", "multipleClientSecretsConfigured"}

// forPut turns a read OIDC configuration into the body of its PUT: without
// read-only fields and without the secret (which PUT would otherwise set).
func forPut(raw map[string]json.RawMessage) map[string]any {
	m := map[string]any{}
	for k, v := range raw {
		if slices.Contains(readOnlyOIDC, k) || k == "clientSecret" || k == "clientSecretExpiresAt" {
			continue
		}
		var x any
		if json.Unmarshal(v, &x) == nil && x != nil {
			m[k] = x
		}
	}
	return m
}
