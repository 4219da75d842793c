package okta

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Okta's app fields the adapter reads and writes.
const (
	// appName is the name of every OpenID Connect app (its "app type").
	appName        = "oidc_client"
	signOnModeOIDC = "OPENID_CONNECT"
	statusActive   = "ACTIVE"
	statusInactive = "INACTIVE"

	// ProfileOwner is the key of the app's profile that holds the
	// ownership marker; ProfileDescription holds the description (Okta
	// apps have no description field).
	ProfileOwner       = "oauthClientOperatorOwner"
	ProfileDescription = "description"
	// ExtraOwner is the key under which an observed client's Spec.Extra
	// reports the ownership marker, ExtraAccessPolicy the ID of the
	// client's access policy (absent when it has none).
	ExtraOwner        = "owner"
	ExtraAccessPolicy = "accessPolicy"
)

// Names of the managed fields, as Diff reports them.
const (
	DiffAccessPolicy = "accessPolicy"
)

// readOnlyAppFields are the app fields Okta sets itself; a PUT must not
// echo them (the API document marks them readOnly).
var readOnlyAppFields = []string{"id", "created", "lastUpdated", "status", "features", "orn", "_links", "_embedded"}

// wireApp is an app as Okta answers it, reduced to what the adapter reads,
// beside the whole object for a read-modify-write.
type wireApp struct {
	ID          string         `json:"id"`
	Name        string         `json:"name"`
	Label       string         `json:"label"`
	Status      string         `json:"status"`
	SignOnMode  string         `json:"signOnMode"`
	Profile     map[string]any `json:"profile"`
	Credentials struct {
		OAuthClient struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
			AuthMethod   string `json:"token_endpoint_auth_method"`
		} `json:"oauthClient"`
	} `json:"credentials"`
	Settings struct {
		OAuthClient struct {
			GrantTypes   []string `json:"grant_types"`
			RedirectURIs []string `json:"redirect_uris"`
		} `json:"oauthClient"`
	} `json:"settings"`

	raw map[string]any
}

// parseApp reads one app object. Its errors name the field at fault, never
// a value.
func parseApp(body []byte) (wireApp, error) {
	var raw map[string]any
	if err := json.Unmarshal(body, &raw); err != nil || raw == nil {
		return wireApp{}, fmt.Errorf("not a JSON object")
	}
	var a wireApp
	if err := json.Unmarshal(body, &a); err != nil {
		return wireApp{}, fmt.Errorf("a field has the wrong type")
	}
	switch {
	case a.ID == "":
		return wireApp{}, fmt.Errorf("field id is missing")
	case a.Credentials.OAuthClient.ClientID == "":
		return wireApp{}, fmt.Errorf("field credentials.oauthClient.client_id is missing")
	}
	a.raw = raw
	return a, nil
}

// owner is the ownership marker the app carries.
func (a wireApp) owner() string {
	s, _ := a.Profile[ProfileOwner].(string)
	return s
}

// client converts the app for the controller, with the scopes of the
// client's access policy when acc is not nil (List reads no policies).
func (a wireApp) client(acc *access) provider.Client {
	spec := provider.ClientSpec{
		ClientName:              a.Label,
		GrantTypes:              a.Settings.OAuthClient.GrantTypes,
		RedirectURIs:            a.Settings.OAuthClient.RedirectURIs,
		TokenEndpointAuthMethod: a.Credentials.OAuthClient.AuthMethod,
	}
	spec.Description, _ = a.Profile[ProfileDescription].(string)
	spec.Extra = map[string]string{}
	if o := a.owner(); o != "" {
		spec.Extra[ExtraOwner] = o
	}
	if acc != nil {
		spec.Scopes = acc.scopes
		// A policy whose rule allows other grant types than the app's is
		// out of line: reported as no policy, so Update makes it right.
		if acc.found() && (acc.grantTypes == nil || provider.SameSet(acc.grantTypes, spec.GrantTypes)) {
			spec.Extra[ExtraAccessPolicy] = acc.policyID
		}
	}
	return provider.Client{
		ClientID: a.Credentials.OAuthClient.ClientID, ClientSecret: a.Credentials.OAuthClient.ClientSecret,
		Spec: spec, Enabled: a.Status == statusActive,
	}
}

// checkSpec refuses what Okta cannot hold as asked, naming the field.
func checkSpec(spec provider.ClientSpec) error {
	if spec.Options != nil {
		return provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions: the okta adapter takes no options block (got %T)", spec.Options)
	}
	if len(spec.Extra) > 0 {
		return provider.Errorf(provider.KindInvalidMetadata, "extra metadata %v: the okta adapter passes no extra fields through", slices.Sorted(maps.Keys(spec.Extra)))
	}
	if len(spec.Audience) > 0 {
		return provider.Errorf(provider.KindInvalidMetadata,
			"spec.audience: an Okta client's tokens carry its authorization server's audience; set it on the authorization server and leave audience empty")
	}
	if spec.ClientID != "" {
		if err := checkClientID(spec.ClientID); err != nil {
			return err
		}
	}
	if s := spec.ClientSecret; s != "" && (len(s) < 14 || len(s) > 100) {
		return provider.Errorf(provider.KindInvalidMetadata, "the client secret must be 14 to 100 characters long for Okta")
	}
	return nil
}

// checkClientID refuses a client_id Okta does not take (6 to 100
// characters, not ALL_CLIENTS) or one that cannot go into a query.
func checkClientID(id string) error {
	switch {
	case len(id) < 6 || len(id) > 100:
		return provider.Errorf(provider.KindInvalidMetadata, "spec.clientID: Okta wants 6 to 100 characters, got %d", len(id))
	case id == "ALL_CLIENTS":
		return provider.Errorf(provider.KindInvalidMetadata, "spec.clientID: ALL_CLIENTS is reserved by Okta")
	}
	for _, r := range id {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok && !containsRune("$-_.+!*'(),", r) {
			return provider.Errorf(provider.KindInvalidMetadata, "spec.clientID: %q holds a character Okta does not allow (letters, digits and $-_.+!*'(), only)", id)
		}
	}
	return nil
}

func containsRune(s string, r rune) bool {
	for _, c := range s {
		if c == r {
			return true
		}
	}
	return false
}

// grantTypes is spec's grant types, client_credentials when none is given.
func grantTypes(spec provider.ClientSpec) []string {
	if len(spec.GrantTypes) == 0 {
		return []string{"client_credentials"}
	}
	return spec.GrantTypes
}

// applicationType is Okta's kind of OIDC app for spec: a service app for
// machine clients (client_credentials only), a browser app for a public
// client, a web app otherwise.
func applicationType(spec provider.ClientSpec) (appType string, responseTypes []string) {
	gt := grantTypes(spec)
	switch {
	case len(gt) == 1 && gt[0] == "client_credentials":
		return "service", []string{"token"}
	case provider.AuthMethod(spec.TokenEndpointAuthMethod) == "none":
		return "browser", []string{"code"}
	default:
		return "web", []string{"code"}
	}
}

// createBody is the body of POST /api/v1/apps for spec.
func createBody(spec provider.ClientSpec, owner string) map[string]any {
	oauthClient := map[string]any{"token_endpoint_auth_method": provider.AuthMethod(spec.TokenEndpointAuthMethod)}
	if spec.ClientID != "" {
		oauthClient["client_id"] = spec.ClientID
	}
	if spec.ClientSecret != "" {
		oauthClient["client_secret"] = spec.ClientSecret
	}
	app := map[string]any{
		"name":        appName,
		"signOnMode":  signOnModeOIDC,
		"credentials": map[string]any{"oauthClient": oauthClient},
		"settings":    map[string]any{"oauthClient": map[string]any{}},
		"profile":     map[string]any{},
	}
	setManaged(app, spec, owner)
	return app
}

// setManaged writes the managed fields of spec into app (a create body, or
// an app read back for a PUT).
func setManaged(app map[string]any, spec provider.ClientSpec, owner string) {
	app["label"] = label(spec)
	creds := object(app, "credentials")
	oc := object(creds, "oauthClient")
	oc["token_endpoint_auth_method"] = provider.AuthMethod(spec.TokenEndpointAuthMethod)
	settings := object(app, "settings")
	so := object(settings, "oauthClient")
	appType, responses := applicationType(spec)
	so["application_type"] = appType
	so["response_types"] = responses
	so["grant_types"] = grantTypes(spec)
	if len(spec.RedirectURIs) > 0 {
		so["redirect_uris"] = spec.RedirectURIs
	} else {
		delete(so, "redirect_uris")
	}
	profile := object(app, "profile")
	if owner != "" {
		profile[ProfileOwner] = owner
	}
	if spec.Description != "" {
		profile[ProfileDescription] = spec.Description
	} else {
		delete(profile, ProfileDescription)
	}
}

// putBody is the app read back, with spec's managed fields set and Okta's
// read-only fields (and the secret) left out: the body of PUT
// /api/v1/apps/{id}, which replaces the whole app.
func putBody(a wireApp, spec provider.ClientSpec, owner string) map[string]any {
	app := deepCopy(a.raw)
	for _, f := range readOnlyAppFields {
		delete(app, f)
	}
	delete(object(object(app, "credentials"), "oauthClient"), "client_secret")
	setManaged(app, spec, owner)
	return app
}

// label is the app's display name: the client name, or a stand-in (Okta
// requires one).
func label(spec provider.ClientSpec) string {
	if spec.ClientName != "" {
		return spec.ClientName
	}
	if spec.ClientID != "" {
		return spec.ClientID
	}
	return "oauth-client-operator client"
}

// object returns m[key] as an object, making it when absent or not one.
func object(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}

// deepCopy copies a JSON object decoded into maps and slices.
func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m) // values decoded from JSON always encode
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	if out == nil {
		out = map[string]any{}
	}
	return out
}

// diff lists the managed fields where observed differs from desired, in a
// fixed order, Okta's defaults in mind: no scopes means any scope of the
// authorization server, no auth method client_secret_basic, no grant type
// client_credentials.
func diff(desired, observed provider.ClientSpec, owner string) []string {
	var d []string
	add := func(name string, differs bool) {
		if differs {
			d = append(d, name)
		}
	}
	add(provider.DiffClientName, label(desired) != observed.ClientName)
	add(provider.DiffDescription, desired.Description != observed.Description)
	add(provider.DiffGrantTypes, !provider.SameSet(grantTypes(desired), observed.GrantTypes))
	add(provider.DiffScopes, !provider.SameSet(desired.Scopes, observed.Scopes))
	add(provider.DiffRedirectURIs, !provider.SameSet(desired.RedirectURIs, observed.RedirectURIs))
	add(provider.DiffAuthMethod, provider.AuthMethod(desired.TokenEndpointAuthMethod) != provider.AuthMethod(observed.TokenEndpointAuthMethod))
	add(provider.DiffOwner, owner != "" && observed.Extra[ExtraOwner] != owner)
	add(DiffAccessPolicy, observed.Extra[ExtraAccessPolicy] == "")
	return d
}

// appFields reports whether a diff field lives on the app (scopes and the
// policy itself live on the access policy).
func appFields(fields []string) bool {
	for _, f := range fields {
		if f != provider.DiffScopes && f != DiffAccessPolicy {
			return true
		}
	}
	return false
}
