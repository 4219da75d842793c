package hydra

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Hydra's client fields (the oAuth2Client schema of its admin API).
const (
	fieldClientID     = "client_id"
	fieldClientSecret = "client_secret"
	fieldClientName   = "client_name"
	fieldGrantTypes   = "grant_types"
	fieldScope        = "scope"
	fieldAudience     = "audience"
	fieldRedirectURIs = "redirect_uris"
	fieldAuthMethod   = "token_endpoint_auth_method"
	fieldOwner        = "owner"
	fieldMetadata     = "metadata"
	// fieldJWKS is a private_key_jwt client's public key set, and
	// fieldSigningAlg the algorithm Hydra accepts its assertions in
	// (Hydra assumes RS256 when it is not set).
	fieldJWKS       = "jwks"
	fieldSigningAlg = "token_endpoint_auth_signing_alg"
)

// ExtraClientID is the ClientSpec.Extra key that chooses the client_id
// (Hydra lets the caller choose). A create retried with the same ID finds
// the client it made before instead of making a second one.
const ExtraClientID = fieldClientID

// ExtraOwner is the key under which an observed client's Spec.Extra reports
// Hydra's owner field, the ownership marker.
const ExtraOwner = fieldOwner

// MetadataDescription is the key of Hydra's free-form metadata object that
// holds ClientSpec.Description (Hydra has no description field).
const MetadataDescription = "description"

// MetadataCreateKey is the key of Hydra's metadata object that holds the
// ClientSpec.CreateKey a client was created with, reported back in an
// observed client's Spec.CreateKey: it tells the controller a create of
// its own whose answer was lost from a client someone else made under the
// same chosen client_id.
const MetadataCreateKey = "oauth.clientoperator.io/create-key"

// extraFields are the Hydra string fields ClientSpec.Extra may set, beside
// ExtraClientID. Any other key is refused: Hydra silently drops fields it
// does not know, which would look like drift forever.
var extraFields = []string{
	"access_token_strategy",
	"backchannel_logout_uri",
	"client_uri",
	"frontchannel_logout_uri",
	"jwks_uri",
	"logo_uri",
	"policy_uri",
	"request_object_signing_alg",
	"sector_identifier_uri",
	"subject_type",
	"token_endpoint_auth_signing_alg",
	"tos_uri",
	"userinfo_signed_response_alg",
}

// wireClient is a client as Hydra's admin API answers it, reduced to what
// the adapter reads.
type wireClient struct {
	ClientID      string
	ClientSecret  string
	ClientName    string
	GrantTypes    []string
	Scope         string
	Audience      []string
	RedirectURIs  []string
	AuthMethod    string
	Owner         string
	Metadata      map[string]any // nil when absent or not an object
	MetadataOther bool           // metadata is present but not a JSON object
	Extra         map[string]string
	JWKS          json.RawMessage // nil when absent
}

// parseClient reads one client object. Its errors name the offending field,
// never its value.
func parseClient(raw map[string]json.RawMessage) (wireClient, error) {
	var c wireClient
	fields := []struct {
		name string
		into any
	}{
		{fieldClientID, &c.ClientID},
		{fieldClientSecret, &c.ClientSecret},
		{fieldClientName, &c.ClientName},
		{fieldGrantTypes, &c.GrantTypes},
		{fieldScope, &c.Scope},
		{fieldAudience, &c.Audience},
		{fieldRedirectURIs, &c.RedirectURIs},
		{fieldAuthMethod, &c.AuthMethod},
		{fieldOwner, &c.Owner},
	}
	for _, f := range fields {
		v, ok := raw[f.name]
		if !ok || string(v) == "null" {
			continue
		}
		if err := json.Unmarshal(v, f.into); err != nil {
			return wireClient{}, fmt.Errorf("field %s has the wrong type", f.name)
		}
	}
	if v, ok := raw[fieldJWKS]; ok && string(v) != "null" {
		c.JWKS = v
	}
	if v, ok := raw[fieldMetadata]; ok && string(v) != "null" {
		if err := json.Unmarshal(v, &c.Metadata); err != nil || c.Metadata == nil {
			c.Metadata, c.MetadataOther = nil, true
		}
	}
	for _, k := range extraFields {
		var s string
		if v, ok := raw[k]; ok && json.Unmarshal(v, &s) == nil && s != "" {
			if c.Extra == nil {
				c.Extra = map[string]string{}
			}
			c.Extra[k] = s
		}
	}
	if c.ClientID == "" {
		return wireClient{}, fmt.Errorf("field %s is missing", fieldClientID)
	}
	return c, nil
}

// parseOne reads a body holding one client object.
func parseOne(body []byte) (wireClient, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return wireClient{}, fmt.Errorf("not a JSON object")
	}
	return parseClient(raw)
}

// parseList reads a body holding an array of client objects.
func parseList(body []byte) ([]wireClient, error) {
	var raws []map[string]json.RawMessage
	if err := json.Unmarshal(body, &raws); err != nil {
		return nil, fmt.Errorf("not a JSON array of objects")
	}
	out := make([]wireClient, 0, len(raws))
	for i, raw := range raws {
		if raw == nil {
			return nil, fmt.Errorf("item %d is not an object", i)
		}
		c, err := parseClient(raw)
		if err != nil {
			return nil, fmt.Errorf("item %d: %w", i, err)
		}
		out = append(out, c)
	}
	return out, nil
}

// client converts what Hydra holds for the controller. Hydra cannot
// disable a client, so Enabled is always true; its secret is never
// readable, so ClientSecret is set only when the answer carried one.
func (c wireClient) client() provider.Client {
	spec := provider.ClientSpec{
		ClientName:              c.ClientName,
		GrantTypes:              c.GrantTypes,
		Scopes:                  strings.Fields(c.Scope),
		Audience:                c.Audience,
		RedirectURIs:            c.RedirectURIs,
		TokenEndpointAuthMethod: c.AuthMethod,
		JWKS:                    c.JWKS,
	}
	if d, ok := c.Metadata[MetadataDescription].(string); ok {
		spec.Description = d
	}
	if k, ok := c.Metadata[MetadataCreateKey].(string); ok {
		spec.CreateKey = k
	}
	if len(c.Extra) > 0 || c.Owner != "" {
		spec.Extra = maps.Clone(c.Extra)
		if spec.Extra == nil {
			spec.Extra = map[string]string{}
		}
		if c.Owner != "" {
			spec.Extra[ExtraOwner] = c.Owner
		}
	}
	return provider.Client{ClientID: c.ClientID, ClientSecret: c.ClientSecret, Spec: spec, Enabled: true}
}

// checkSpec refuses what Hydra cannot hold as asked, naming the field.
func checkSpec(spec provider.ClientSpec) error {
	for k := range spec.Extra {
		if k != ExtraClientID && !slices.Contains(extraFields, k) {
			return provider.Errorf(provider.KindInvalidMetadata,
				"extra metadata %q is not a Hydra client field the adapter passes through (allowed: %s, %s)",
				k, ExtraClientID, strings.Join(extraFields, ", "))
		}
	}
	if id, ok := spec.Extra[ExtraClientID]; ok {
		if err := checkClientID(id); err != nil {
			return err
		}
	}
	return nil
}

// checkClientID refuses a client ID that cannot be used in an admin API
// path: Hydra's router does not decode an escaped slash.
func checkClientID(id string) error {
	switch {
	case id == "":
		return provider.Errorf(provider.KindInvalidMetadata, "the chosen client_id is empty")
	case strings.ContainsAny(id, "/?#%") || strings.TrimSpace(id) != id:
		return provider.Errorf(provider.KindInvalidMetadata,
			"the chosen client_id %q holds a character Hydra's admin API paths cannot carry (/, ?, #, %% or surrounding space)", id)
	case len(id) > 255:
		return provider.Errorf(provider.KindInvalidMetadata, "the chosen client_id is longer than 255 bytes")
	}
	return nil
}

// createBody renders spec as the body of POST /admin/clients. Empty fields
// are left out so that Hydra applies its defaults; Diff does not report
// those defaults as drift.
func createBody(spec provider.ClientSpec, owner string) map[string]any {
	m := map[string]any{}
	for k, v := range spec.Extra {
		if v != "" {
			m[k] = v
		}
	}
	provider.PutMetadata(m, spec)
	if len(spec.Audience) > 0 {
		m[fieldAudience] = spec.Audience
	}
	if owner != "" {
		m[fieldOwner] = owner
	}
	if spec.ClientSecret != "" {
		m[fieldClientSecret] = spec.ClientSecret
	}
	md := map[string]any{}
	if spec.Description != "" {
		md[MetadataDescription] = spec.Description
	}
	if spec.CreateKey != "" {
		md[MetadataCreateKey] = spec.CreateKey
	}
	if len(md) > 0 {
		m[fieldMetadata] = md
	}
	if len(spec.JWKS) > 0 {
		m[fieldJWKS] = spec.JWKS
		if alg := signingAlg(spec); alg != "" {
			m[fieldSigningAlg] = alg
		}
	}
	return m
}

// signingAlg is the algorithm every key of spec's key set has, for
// token_endpoint_auth_signing_alg, unless Extra sets it; "" when the keys
// differ (Hydra then assumes RS256) or there are none.
func signingAlg(spec provider.ClientSpec) string {
	if v := spec.Extra[fieldSigningAlg]; v != "" {
		return v
	}
	var set struct {
		Keys []struct {
			Alg string `json:"alg"`
		} `json:"keys"`
	}
	if json.Unmarshal(spec.JWKS, &set) != nil || len(set.Keys) == 0 {
		return ""
	}
	for _, k := range set.Keys[1:] {
		if k.Alg != set.Keys[0].Alg {
			return ""
		}
	}
	return set.Keys[0].Alg
}

// diff lists the managed fields where observed differs from desired, in a
// fixed order. It does not report what Hydra fills in when desired leaves a
// field empty: no scopes means Hydra's default scope (Hydra cannot hold a
// client without one), no token endpoint auth method means
// client_secret_basic, an empty Extra value means Hydra's default. owner,
// when set, is the ownership marker the client must carry.
func diff(desired, observed provider.ClientSpec, owner string) []string {
	var d []string
	if desired.ClientName != observed.ClientName {
		d = append(d, provider.DiffClientName)
	}
	if desired.Description != observed.Description {
		d = append(d, provider.DiffDescription)
	}
	if !provider.SameSet(desired.GrantTypes, observed.GrantTypes) {
		d = append(d, provider.DiffGrantTypes)
	}
	if len(desired.Scopes) > 0 && !provider.SameSet(desired.Scopes, observed.Scopes) {
		d = append(d, provider.DiffScopes)
	}
	if !provider.SameSet(desired.Audience, observed.Audience) {
		d = append(d, provider.DiffAudience)
	}
	if !provider.SameSet(desired.RedirectURIs, observed.RedirectURIs) {
		d = append(d, provider.DiffRedirectURIs)
	}
	if provider.AuthMethod(desired.TokenEndpointAuthMethod) != provider.AuthMethod(observed.TokenEndpointAuthMethod) {
		d = append(d, provider.DiffAuthMethod)
	}
	if owner != "" && observed.Extra[ExtraOwner] != owner {
		d = append(d, provider.DiffOwner)
	}
	if len(desired.JWKS) > 0 && !provider.SameSet(provider.KeyIDs(desired.JWKS), provider.KeyIDs(observed.JWKS)) {
		d = append(d, provider.DiffJWKS)
	}
	for _, k := range slices.Sorted(maps.Keys(desired.Extra)) {
		if v := desired.Extra[k]; k != ExtraClientID && v != "" && observed.Extra[k] != v {
			d = append(d, k)
		}
	}
	return d
}

// patchOp is one RFC 6902 operation.
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value"`
}

// patchOps renders the fields diff reported as JSON Patch operations that
// set each to its desired value and touch nothing else. The metadata object
// is merged: keys other than MetadataDescription stay as they are.
func patchOps(fields []string, desired provider.ClientSpec, observed wireClient, owner string) []patchOp {
	var ops []patchOp
	set := func(field string, v any) { ops = append(ops, patchOp{Op: "add", Path: "/" + field, Value: v}) }
	list := func(v []string) []string {
		if v == nil {
			return []string{}
		}
		return v
	}
	for _, f := range fields {
		switch f {
		case provider.DiffClientName:
			set(fieldClientName, desired.ClientName)
		case provider.DiffDescription:
			md := maps.Clone(observed.Metadata)
			if md == nil {
				md = map[string]any{}
			}
			if desired.Description == "" {
				delete(md, MetadataDescription)
			} else {
				md[MetadataDescription] = desired.Description
			}
			set(fieldMetadata, md)
		case provider.DiffGrantTypes:
			set(fieldGrantTypes, list(desired.GrantTypes))
		case provider.DiffScopes:
			set(fieldScope, strings.Join(desired.Scopes, " "))
		case provider.DiffAudience:
			set(fieldAudience, list(desired.Audience))
		case provider.DiffRedirectURIs:
			set(fieldRedirectURIs, list(desired.RedirectURIs))
		case provider.DiffAuthMethod:
			set(fieldAuthMethod, provider.AuthMethod(desired.TokenEndpointAuthMethod))
		case provider.DiffOwner:
			set(fieldOwner, owner)
		case provider.DiffJWKS:
			set(fieldJWKS, desired.JWKS)
			if alg := signingAlg(desired); alg != "" {
				set(fieldSigningAlg, alg)
			}
		default: // an Extra field
			set(f, desired.Extra[f])
		}
	}
	return ops
}
