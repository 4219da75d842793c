package oktafake

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// app is one OpenID Connect app.
type app struct {
	id, clientID, status string
	created, updated     time.Time
	// seq orders the apps; list cursors (after) are seq numbers.
	seq int
	// body is the app as last written, without what Okta sets itself.
	body    map[string]any
	secrets []*secret
}

// oidc is what the fake reads of an app body.
type oidc struct {
	Name        string         `json:"name"`
	Label       string         `json:"label"`
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
			ApplicationType string   `json:"application_type"`
			GrantTypes      []string `json:"grant_types"`
			RedirectURIs    []string `json:"redirect_uris"`
		} `json:"oauthClient"`
	} `json:"settings"`
}

func (a *app) oidc() oidc {
	var o oidc
	b, _ := json.Marshal(a.body)
	_ = json.Unmarshal(b, &o)
	return o
}

var authMethods = []string{"client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt", "none"}

// validate checks an app body the way Okta does for the fields the fake
// knows, and returns the causes of a refusal.
func validate(o oidc) []string {
	var causes []string
	if o.Label == "" {
		causes = append(causes, "label: The field cannot be left blank")
	}
	if o.SignOnMode != "OPENID_CONNECT" || o.Name != "oidc_client" {
		causes = append(causes, "signOnMode: the fake serves OpenID Connect apps (name oidc_client) only")
	}
	oc := o.Credentials.OAuthClient
	if oc.ClientID != "" && (len(oc.ClientID) < 6 || len(oc.ClientID) > 100 || oc.ClientID == "ALL_CLIENTS") {
		causes = append(causes, "client_id: must be 6 to 100 characters and not ALL_CLIENTS")
	}
	if oc.ClientSecret != "" && (len(oc.ClientSecret) < 14 || len(oc.ClientSecret) > 100) {
		causes = append(causes, "client_secret: must be 14 to 100 characters")
	}
	if oc.AuthMethod != "" && !slices.Contains(authMethods, oc.AuthMethod) {
		causes = append(causes, "token_endpoint_auth_method: unsupported value")
	}
	s := o.Settings.OAuthClient
	if len(s.GrantTypes) == 0 {
		causes = append(causes, "grant_types: The field cannot be left blank")
	}
	if s.ApplicationType == "service" && !slices.Equal(s.GrantTypes, []string{"client_credentials"}) {
		causes = append(causes, "grant_types: a service app allows client_credentials only")
	}
	if slices.Contains(s.GrantTypes, "authorization_code") && len(s.RedirectURIs) == 0 {
		causes = append(causes, "redirect_uris: required for the authorization_code grant")
	}
	for _, u := range s.RedirectURIs {
		p, err := url.Parse(u)
		if err != nil || !p.IsAbs() || p.Fragment != "" || strings.Contains(u, "#") {
			causes = append(causes, "redirect_uris: '"+u+"' is not a valid redirect URI (absolute, no fragment)")
		}
	}
	return causes
}

// view is the app as Okta answers it.
func (a *app) view(withSecret string) map[string]any {
	out := deepCopy(a.body)
	out["id"], out["status"] = a.id, a.status
	out["created"], out["lastUpdated"] = stamp(a.created), stamp(a.updated)
	oc := object(object(out, "credentials"), "oauthClient")
	oc["client_id"] = a.clientID
	delete(oc, "client_secret")
	if withSecret != "" {
		oc["client_secret"] = withSecret
	}
	return out
}

func (f *Fake) findApp(id string) *app {
	for _, a := range f.apps {
		if a.id == id {
			return a
		}
	}
	return nil
}

func (f *Fake) createApp(_ http.ResponseWriter, r *http.Request) (int, any) {
	var body map[string]any
	if !decodeBody(r, &body) {
		return invalid("the body is not a JSON object")
	}
	a := &app{body: body}
	o := a.oidc()
	causes := validate(o)
	id := f.nextID("0oa")
	clientID := o.Credentials.OAuthClient.ClientID
	if clientID == "" {
		clientID = id
	}
	for _, other := range f.apps {
		if other.clientID == clientID {
			causes = append(causes, "client_id: An object with this field already exists in the current organization")
		}
	}
	if len(causes) > 0 {
		return invalid(causes...)
	}
	now := time.Now()
	a.id, a.clientID, a.created, a.updated, a.seq = id, clientID, now, now, f.n
	a.status = "ACTIVE"
	if r.URL.Query().Get("activate") == "false" {
		a.status = "INACTIVE"
	}
	value := o.Credentials.OAuthClient.ClientSecret
	if needsSecret(o.Credentials.OAuthClient.AuthMethod) {
		if value == "" {
			value = newSecretValue()
		}
		a.secrets = []*secret{f.newSecret(value, "ACTIVE")}
	}
	delete(object(object(a.body, "credentials"), "oauthClient"), "client_secret")
	f.apps = append(f.apps, a)
	return http.StatusOK, a.view(value)
}

func needsSecret(method string) bool {
	return method == "" || strings.HasPrefix(method, "client_secret_")
}

func (f *Fake) getApp(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	return http.StatusOK, a.view("")
}

// replaceApp is PUT: the whole app is replaced; client_id stays.
func (f *Fake) replaceApp(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	var body map[string]any
	if !decodeBody(r, &body) {
		return invalid("the body is not a JSON object")
	}
	next := &app{body: body}
	o := next.oidc()
	causes := validate(o)
	if id := o.Credentials.OAuthClient.ClientID; id != "" && id != a.clientID {
		causes = append(causes, "client_id: cannot be changed")
	}
	if len(causes) > 0 {
		return invalid(causes...)
	}
	delete(object(object(body, "credentials"), "oauthClient"), "client_secret")
	a.body, a.updated = body, time.Now()
	return http.StatusOK, a.view("")
}

// deleteApp deletes an inactive app; an active one must be deactivated
// first.
func (f *Fake) deleteApp(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	if a.status == "ACTIVE" {
		return http.StatusForbidden, oktaError("E0000056", "Delete application forbidden: deactivate the application first")
	}
	f.apps = slices.DeleteFunc(f.apps, func(x *app) bool { return x == a })
	return http.StatusNoContent, nil
}

func (f *Fake) appLifecycle(_ http.ResponseWriter, r *http.Request) (int, any) {
	a := f.findApp(r.PathValue("id"))
	if a == nil {
		return notFound("AppInstance", r.PathValue("id"))
	}
	switch r.PathValue("verb") {
	case "activate":
		a.status = "ACTIVE"
	case "deactivate":
		a.status = "INACTIVE"
	default:
		return notFound("Lifecycle", r.PathValue("verb"))
	}
	a.updated = time.Now()
	return http.StatusOK, map[string]any{}
}

// listApps pages through the apps in creation order: filter name eq "x"
// or status eq "X", q (name or label starts with), limit and after, with
// a rel="next" Link while more follow.
func (f *Fake) listApps(w http.ResponseWriter, r *http.Request) (int, any) {
	q := r.URL.Query()
	match, ok := appFilter(q.Get("filter"))
	if !ok {
		return invalid("filter: unsupported expression")
	}
	limit := 20
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			return invalid("limit: must be a positive number")
		}
		limit = min(n, 200)
	}
	prefix := strings.ToLower(q.Get("q"))
	var sel []*app
	for _, a := range f.apps {
		o := a.oidc()
		if !match(a, o) {
			continue
		}
		if prefix != "" && !strings.HasPrefix(strings.ToLower(o.Label), prefix) && !strings.HasPrefix(o.Name, prefix) {
			continue
		}
		sel = append(sel, a)
	}
	start := 0
	if after := q.Get("after"); after != "" {
		cursor, err := strconv.Atoi(after)
		if err != nil {
			return invalid("after: not a cursor of this list")
		}
		start = len(sel)
		for i, a := range sel {
			if a.seq > cursor {
				start = i
				break
			}
		}
	}
	end := min(start+limit, len(sel))
	page := make([]map[string]any, 0, end-start)
	for _, a := range sel[start:end] {
		page = append(page, a.view(""))
	}
	self := *r.URL
	self.Scheme, self.Host = "http", r.Host
	links := []string{"<" + self.String() + `>; rel="self"`}
	if end < len(sel) {
		next := self
		nq := next.Query()
		nq.Set("after", strconv.Itoa(sel[end-1].seq))
		next.RawQuery = nq.Encode()
		links = append(links, "<"+next.String()+`>; rel="next"`)
	}
	w.Header()["Link"] = links
	return http.StatusOK, page
}

// appFilter parses the filter expressions the fake knows.
func appFilter(expr string) (func(*app, oidc) bool, bool) {
	if expr == "" {
		return func(*app, oidc) bool { return true }, true
	}
	field, rest, ok := strings.Cut(expr, " eq ")
	value, err := strconv.Unquote(strings.TrimSpace(rest))
	if !ok || err != nil {
		return nil, false
	}
	switch strings.TrimSpace(field) {
	case "name":
		return func(_ *app, o oidc) bool { return o.Name == value }, true
	case "status":
		return func(a *app, _ oidc) bool { return a.status == value }, true
	}
	return nil, false
}

// object returns m[key] as an object, making it when absent.
func object(m map[string]any, key string) map[string]any {
	if o, ok := m[key].(map[string]any); ok {
		return o
	}
	o := map[string]any{}
	m[key] = o
	return o
}

func deepCopy(m map[string]any) map[string]any {
	b, _ := json.Marshal(m)
	out := map[string]any{}
	_ = json.Unmarshal(b, &out)
	return out
}
