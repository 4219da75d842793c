package entrafake

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// graph serves Microsoft Graph v1.0: it checks the bearer token, applies
// throttling, and routes by path segment.
func (f *Fake) graph(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.requests = append(f.requests, r.Method+" "+r.URL.Path)
	if f.throttle.Take(w) {
		w.Header().Set("x-ms-throttle-scope", "Tenant_Application/ReadWrite/"+f.Tenant)
		w.Header().Set("x-ms-throttle-information", "ResourceUnitLimitExceeded")
		graphErr(w, http.StatusTooManyRequests, "Request_ThrottledTemporarily", "The request has been throttled.")
		return
	}
	tok, ok := f.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok || !tok.graph || !f.now().Before(tok.expires) {
		graphErr(w, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience.")
		return
	}
	w.Header().Set("x-ms-resource-unit", "1")
	if f.denied {
		graphErr(w, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
		return
	}
	for i := range f.faults {
		if fl := &f.faults[i]; fl.n > 0 && strings.Contains(r.Method+" "+r.URL.Path, fl.match) {
			fl.n--
			graphErr(w, fl.status, "UnknownError", "The service is unavailable.")
			return
		}
	}
	var body map[string]json.RawMessage
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		b, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if err := json.Unmarshal(b, &body); err != nil || body == nil {
			graphErr(w, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload.")
			return
		}
	}
	segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/v1.0/"), "/")
	for i := range segs {
		segs[i], _ = url.PathUnescape(segs[i])
	}
	set, key, value := parseSegment(segs[0])
	switch set {
	case "applications":
		f.applications(w, r, key, value, segs[1:], body)
	case "servicePrincipals":
		f.servicePrincipals(w, r, key, value, segs[1:], body)
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+set+"'.")
	}
}

// segment matches set, set(key='value') forms.
var segment = regexp.MustCompile(`^([A-Za-z]+)(?:\((\w+)='((?:[^']|'')*)'\))?$`)

// parseSegment splits "applications(appId='x')" into its set, key, value.
func parseSegment(s string) (set, key, value string) {
	m := segment.FindStringSubmatch(s)
	if m == nil {
		return s, "", ""
	}
	return m[1], m[2], strings.ReplaceAll(m[3], "''", "'")
}

// applications serves /applications and below.
func (f *Fake) applications(w http.ResponseWriter, r *http.Request, key, value string, rest []string, body map[string]json.RawMessage) {
	if key == "" && len(rest) == 0 {
		switch r.Method {
		case http.MethodGet:
			f.listApps(w, r)
		case http.MethodPost:
			a := &app{id: newGUID(), appID: newGUID(), created: f.now()}
			if !f.setApp(w, a, body, true) {
				return
			}
			f.apps[a.id] = a
			writeJSON(w, http.StatusCreated, f.appJSON(a))
		default:
			graphErr(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The method is not allowed.")
		}
		return
	}
	var a *app
	switch {
	case key == "" && len(rest) > 0:
		a = f.apps[rest[0]]
		rest = rest[1:]
	case key == "appId":
		a = f.appByAppID(value)
	case key == "uniqueName":
		for _, x := range f.apps {
			if x.uniqueName == value && value != "" {
				a = x
			}
		}
	}
	if a == nil && key == "uniqueName" && r.Method == http.MethodPatch && len(rest) == 0 &&
		r.Header.Get("Prefer") == "create-if-missing" {
		a = &app{id: newGUID(), appID: newGUID(), uniqueName: value, created: f.now()}
		if !f.setApp(w, a, body, true) {
			return
		}
		f.apps[a.id] = a
		writeJSON(w, http.StatusCreated, f.appJSON(a))
		return
	}
	if a == nil {
		graphErr(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.")
		return
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.appJSON(a))
	case len(rest) == 0 && r.Method == http.MethodPatch:
		if f.setApp(w, a, body, false) {
			w.WriteHeader(http.StatusNoContent)
		}
	case len(rest) == 0 && r.Method == http.MethodDelete:
		f.deleteApp(a)
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 1 && rest[0] == "addPassword" && r.Method == http.MethodPost:
		f.addPassword(w, a, body)
	case len(rest) == 1 && rest[0] == "removePassword" && r.Method == http.MethodPost:
		var keyID string
		_ = json.Unmarshal(body["keyId"], &keyID)
		i := slices.IndexFunc(a.passwords, func(p password) bool { return p.keyID == keyID })
		if i < 0 {
			graphErr(w, http.StatusBadRequest, "Request_BadRequest", "No password credential found with keyId.")
			return
		}
		a.passwords = slices.Delete(a.passwords, i, i+1)
		w.WriteHeader(http.StatusNoContent)
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Unsupported request.")
	}
}

// setApp applies the writable properties of body to a. Invalid values
// are refused as Graph refuses them, naming the property.
func (f *Fake) setApp(w http.ResponseWriter, a *app, body map[string]json.RawMessage, creating bool) bool {
	next := *a
	for k, raw := range body {
		var err error
		switch k {
		case "displayName":
			err = json.Unmarshal(raw, &next.displayName)
		case "description":
			next.description = ""
			if string(raw) != "null" {
				err = json.Unmarshal(raw, &next.description)
			}
		case "tags":
			err = json.Unmarshal(raw, &next.tags)
		case "signInAudience":
			var s string
			if err = json.Unmarshal(raw, &s); err == nil && s != "AzureADMyOrg" && s != "AzureADMultipleOrgs" {
				err = fmt.Errorf("signInAudience")
			}
		case "web", "publicClient":
			var v struct {
				RedirectURIs []string `json:"redirectUris"`
			}
			if err = json.Unmarshal(raw, &v); err == nil {
				for _, u := range v.RedirectURIs {
					if !validRedirect(u, k == "publicClient") {
						graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'redirectUris' of resource '"+k+"'.")
						return false
					}
				}
				if k == "web" {
					next.web = v.RedirectURIs
				} else {
					next.public = v.RedirectURIs
				}
			}
		case "requiredResourceAccess":
			err = json.Unmarshal(raw, &next.rra)
		case "uniqueName":
			if !creating {
				graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Property 'uniqueName' is read-only and cannot be set.")
				return false
			}
			err = json.Unmarshal(raw, &next.uniqueName)
		case "passwordCredentials":
			graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Using PATCH to set passwordCredential is not supported. Use addPassword and removePassword actions.")
			return false
		default:
			// Other properties are kept by Graph but not by this fake.
		}
		if err != nil {
			graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property '"+k+"' of resource 'Application'.")
			return false
		}
	}
	if next.displayName == "" {
		graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Property 'displayName' is required.")
		return false
	}
	*a = next
	return true
}

// validRedirect is Entra's rule for redirect URIs: absolute, no fragment,
// https (or http on localhost) for web apps, custom schemes for public
// clients.
func validRedirect(s string, public bool) bool {
	u, err := url.Parse(s)
	if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(s, "#") || len(s) > 256 {
		return false
	}
	if public {
		return true
	}
	return u.Scheme == "https" || u.Scheme == "http" && (u.Hostname() == "localhost" || u.Hostname() == "127.0.0.1")
}

// addPassword makes a secret; its value is shown in this answer only.
func (f *Fake) addPassword(w http.ResponseWriter, a *app, body map[string]json.RawMessage) {
	var req struct {
		PasswordCredential *struct {
			DisplayName   string     `json:"displayName"`
			StartDateTime *time.Time `json:"startDateTime"`
			EndDateTime   *time.Time `json:"endDateTime"`
		} `json:"passwordCredential"`
	}
	raw, _ := json.Marshal(body)
	_ = json.Unmarshal(raw, &req)
	p := password{keyID: newGUID(), secret: newSecret(), start: f.now().UTC().Truncate(time.Second)}
	p.end = p.start.AddDate(2, 0, 0)
	if pc := req.PasswordCredential; pc != nil {
		p.displayName = pc.DisplayName
		if pc.StartDateTime != nil {
			p.start = pc.StartDateTime.UTC()
		}
		if pc.EndDateTime != nil {
			p.end = pc.EndDateTime.UTC()
		}
	}
	if !p.end.After(p.start) {
		graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'endDateTime' of resource 'PasswordCredential'.")
		return
	}
	a.passwords = append(a.passwords, p)
	out := passwordJSON(p)
	out["secretText"] = p.secret
	out["@odata.context"] = "https://graph.microsoft.com/v1.0/$metadata#microsoft.graph.passwordCredential"
	writeJSON(w, http.StatusOK, out)
}

// listApps serves GET /applications with $filter (tags/any), $top and a
// $skiptoken in @odata.nextLink.
func (f *Fake) listApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var tag string
	if flt := q.Get("$filter"); flt != "" {
		m := regexp.MustCompile(`^tags/any\((\w+):(\w+) eq '((?:[^']|'')*)'\)$`).FindStringSubmatch(flt)
		if m == nil || m[1] != m[2] {
			graphErr(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for property 'tags' of resource 'Application'.")
			return
		}
		tag = strings.ReplaceAll(m[3], "''", "'")
	}
	var all []*app
	for _, a := range f.apps {
		if tag == "" || contains(a.tags, tag) {
			all = append(all, a)
		}
	}
	slices.SortFunc(all, func(x, y *app) int { return strings.Compare(x.id, y.id) })
	items := make([]any, 0, len(all))
	for _, a := range all {
		items = append(items, f.appJSON(a))
	}
	f.writePage(w, r, items)
}

// writePage answers one page of items, following $top and $skiptoken
// (an offset here; opaque to clients), with @odata.nextLink when more
// remain.
func (f *Fake) writePage(w http.ResponseWriter, r *http.Request, items []any) {
	q := r.URL.Query()
	top := f.maxPage
	if t, err := strconv.Atoi(q.Get("$top")); err == nil && t > 0 && t < top {
		top = t
	}
	skip, _ := strconv.Atoi(q.Get("$skiptoken"))
	skip = min(max(skip, 0), len(items))
	end := min(skip+top, len(items))
	out := map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#collection", "value": items[skip:end]}
	if end < len(items) {
		q.Set("$skiptoken", strconv.Itoa(end))
		q.Set("$top", strconv.Itoa(top))
		out["@odata.nextLink"] = "http://" + r.Host + r.URL.Path + "?" + q.Encode()
	}
	writeJSON(w, http.StatusOK, out)
}

// appJSON is an application as Graph answers it: secrets without their
// values.
func (f *Fake) appJSON(a *app) map[string]any {
	pcs := []any{}
	for _, p := range a.passwords {
		pcs = append(pcs, passwordJSON(p))
	}
	rr := a.rra
	if rr == nil {
		rr = []rra{}
	}
	m := map[string]any{
		"@odata.context":         "https://graph.microsoft.com/v1.0/$metadata#applications/$entity",
		"id":                     a.id,
		"appId":                  a.appID,
		"displayName":            a.displayName,
		"signInAudience":         "AzureADMyOrg",
		"createdDateTime":        a.created.UTC().Format(time.RFC3339),
		"tags":                   nonNil(a.tags),
		"web":                    map[string]any{"redirectUris": nonNil(a.web)},
		"publicClient":           map[string]any{"redirectUris": nonNil(a.public)},
		"requiredResourceAccess": rr,
		"passwordCredentials":    pcs,
		"identifierUris":         []string{},
	}
	if a.description != "" {
		m["description"] = a.description
	} else {
		m["description"] = nil
	}
	if a.uniqueName != "" {
		m["uniqueName"] = a.uniqueName
	}
	return m
}

func passwordJSON(p password) map[string]any {
	hint := p.secret
	if len(hint) > 3 {
		hint = hint[:3]
	}
	return map[string]any{
		"keyId": p.keyID, "displayName": p.displayName, "hint": hint, "secretText": nil,
		"startDateTime": p.start.Format(time.RFC3339), "endDateTime": p.end.Format(time.RFC3339),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// graphErr writes Graph's error envelope.
func graphErr(w http.ResponseWriter, status int, code, message string) {
	writeJSON(w, status, map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]any{"date": time.Now().UTC().Format("2006-01-02T15:04:05"), "request-id": newGUID(), "client-request-id": newGUID()},
	}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
