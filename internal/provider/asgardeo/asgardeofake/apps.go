package asgardeofake

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// app is one application with its OIDC inbound configuration.
type app struct {
	id, name, description string
	enabled               bool
	oidc                  map[string]any // as the API shows it, without secret and state
	clientID              string
	revoked               bool
	secrets               []*secret
	grants                map[string][]string // API resource ID → scopes
}

type secret struct {
	id, value            string
	createdAt, expiresAt int64
}

// knownGrants are the grant types the fake accepts.
var knownGrants = []string{"authorization_code", "client_credentials", "refresh_token", "password", "implicit",
	"urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange",
	"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:saml2-bearer"}

// checkOIDC refuses an OIDC configuration the server would refuse.
func checkOIDC(o map[string]any) (code, description string) {
	grants, _ := o["grantTypes"].([]any)
	if len(grants) == 0 {
		return "OAUTH-60001", "Grant types must be specified."
	}
	public, _ := o["publicClient"].(bool)
	callbacks, _ := o["callbackURLs"].([]any)
	for _, g := range grants {
		gs, _ := g.(string)
		if !slices.Contains(knownGrants, gs) {
			return "OAUTH-60001", fmt.Sprintf("Grant type %q is not supported.", gs)
		}
		if gs == "authorization_code" && len(callbacks) == 0 {
			return "OAUTH-60001", "A callback URL is required for the authorization_code grant."
		}
		if gs == "client_credentials" && public {
			return "OAUTH-60001", "A public client cannot use the client_credentials grant."
		}
	}
	for _, c := range callbacks {
		cs, _ := c.(string)
		if strings.HasPrefix(cs, "regexp=") && !strings.Contains(cs, "#") {
			continue // a pattern of callback URLs
		}
		u, err := url.Parse(cs)
		if err != nil || u.Fragment != "" || strings.Contains(cs, "#") || u.Scheme == "" || u.Host == "" {
			return "OAUTH-60001", "Invalid callback URL."
		}
	}
	return "", ""
}

// withDefaults fills in what the server fills in when a configuration
// leaves it out.
func withDefaults(o map[string]any) map[string]any {
	if _, ok := o["callbackURLs"]; !ok {
		o["callbackURLs"] = []any{}
	}
	if _, ok := o["allowedOrigins"]; !ok {
		o["allowedOrigins"] = []any{}
	}
	if _, ok := o["publicClient"]; !ok {
		o["publicClient"] = false
	}
	at, _ := o["accessToken"].(map[string]any)
	if at == nil {
		at = map[string]any{}
	}
	for k, v := range map[string]any{"type": "Default", "userAccessTokenExpiryInSeconds": 3600,
		"applicationAccessTokenExpiryInSeconds": 3600, "bindingType": "None"} {
		if _, ok := at[k]; !ok {
			at[k] = v
		}
	}
	o["accessToken"] = at
	pkce, _ := o["pkce"].(map[string]any)
	if pkce == nil {
		pkce = map[string]any{}
	}
	if _, ok := pkce["mandatory"]; !ok {
		pkce["mandatory"] = false
	}
	if _, ok := pkce["supportPlainTransformAlgorithm"]; !ok {
		pkce["supportPlainTransformAlgorithm"] = true
	}
	o["pkce"] = pkce
	return o
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Name               string `json:"name"`
		Description        string `json:"description"`
		ApplicationEnabled *bool  `json:"applicationEnabled"`
		Inbound            struct {
			OIDC map[string]any `json:"oidc"`
		} `json:"inboundProtocolConfiguration"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.Name == "" {
		writeError(w, http.StatusBadRequest, "APP-60001", "Invalid request", "The application name is required.")
		return
	}
	for _, a := range s.apps {
		if a.name == body.Name {
			writeError(w, http.StatusConflict, "APP-60007", "Application already exists.",
				fmt.Sprintf("Application with name: %s already exists in tenant: %s.", body.Name, s.org))
			return
		}
	}
	a := &app{id: newID(), name: body.Name, description: body.Description, enabled: body.ApplicationEnabled == nil || *body.ApplicationEnabled,
		grants: map[string][]string{}}
	if o := body.Inbound.OIDC; o != nil {
		if code, desc := checkOIDC(o); code != "" {
			writeError(w, http.StatusBadRequest, code, "Invalid OIDC configuration.", desc)
			return
		}
		id, _ := o["clientId"].(string)
		if id == "" {
			id = strings.ReplaceAll(newID()[:18], "-", "")
		}
		for _, other := range s.apps {
			if other.clientID == id {
				writeError(w, http.StatusConflict, "OAUTH-60008", "Client ID already exists.",
					fmt.Sprintf("An application with client ID %s already exists.", id))
				return
			}
		}
		value, _ := o["clientSecret"].(string)
		if value == "" {
			value = rand.Text()
		}
		a.clientID = id
		a.secrets = []*secret{s.newSecret(value, 0)}
		a.oidc = withDefaults(cleanOIDC(o))
	}
	s.apps[a.id] = a
	w.Header().Set("Location", "http://"+r.Host+"/t/"+s.org+"/api/server/v1/applications/"+a.id)
	w.WriteHeader(http.StatusCreated)
}

// cleanOIDC drops what the server never shows in a configuration (the
// secret, the read-only fields), keeping everything else as sent.
func cleanOIDC(o map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range o {
		switch k {
		case "clientSecret", "clientSecretExpiresAt", "state", "multipleClientSecretsConfigured":
		default:
			out[k] = v
		}
	}
	return out
}

func (s *Server) newSecret(value string, expiresAt int64) *secret {
	return &secret{id: newID(), value: value, createdAt: s.now().Unix(), expiresAt: expiresAt}
}

// find returns the application of the request's {id}, or answers 404.
func (s *Server) find(w http.ResponseWriter, r *http.Request) *app {
	a := s.apps[r.PathValue("id")]
	if a == nil {
		writeError(w, http.StatusNotFound, "APP-60006", "Application not found.", "Application cannot be found for the provided id: "+r.PathValue("id"))
	}
	return a
}

func (s *Server) appJSON(r *http.Request, a *app) map[string]any {
	return map[string]any{"id": a.id, "name": a.name, "description": a.description, "clientId": a.clientID,
		"issuer": "http://" + r.Host + "/t/" + s.org + "/oauth2/token", "applicationEnabled": a.enabled, "access": "WRITE",
		"self": "/t/" + s.org + "/api/server/v1/applications/" + a.id}
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) {
	if a := s.find(w, r); a != nil {
		m := s.appJSON(r, a)
		delete(m, "self")
		writeJSON(w, http.StatusOK, m)
	}
}

func (s *Server) patchApp(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	var body struct {
		Name               *string `json:"name"`
		Description        *string `json:"description"`
		ApplicationEnabled *bool   `json:"applicationEnabled"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "APP-60001", "Invalid request", "The body is not an application patch.")
		return
	}
	if body.Name != nil {
		for _, other := range s.apps {
			if other != a && other.name == *body.Name {
				writeError(w, http.StatusConflict, "APP-60007", "Application already exists.", "Application with name: "+*body.Name+" already exists.")
				return
			}
		}
		a.name = *body.Name
	}
	if body.Description != nil {
		a.description = *body.Description
	}
	if body.ApplicationEnabled != nil {
		a.enabled = *body.ApplicationEnabled
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Server) deleteApp(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	s.revokeTokens(a, "")
	delete(s.apps, a.id)
	w.WriteHeader(http.StatusNoContent)
}

// DeleteApplication removes the application holding clientID, as someone
// in the console would; it reports whether there was one.
func (s *Server) DeleteApplication(clientID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, a := range s.apps {
		if a.clientID == clientID {
			s.revokeTokens(a, "")
			delete(s.apps, id)
			return true
		}
	}
	return false
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit, offset := 30, 0
	if v := q.Get("limit"); v != "" {
		limit, _ = strconv.Atoi(v)
	}
	if v := q.Get("offset"); v != "" {
		offset, _ = strconv.Atoi(v)
	}
	match := func(*app) bool { return true }
	if f := q.Get("filter"); f != "" {
		parts := strings.SplitN(f, " ", 3)
		if len(parts) != 3 || !slices.Contains([]string{"name", "clientId", "issuer"}, parts[0]) ||
			!slices.Contains([]string{"eq", "sw", "ew", "co"}, parts[1]) {
			writeError(w, http.StatusBadRequest, "APP-60004", "Invalid filter", "Filtering is supported on name, clientId and issuer with eq, sw, ew and co.")
			return
		}
		attr, op, v := parts[0], parts[1], parts[2]
		match = func(a *app) bool {
			var got string
			switch attr {
			case "name":
				got = a.name
			case "clientId":
				got = a.clientID
			}
			switch op {
			case "eq":
				return got == v
			case "sw":
				return strings.HasPrefix(got, v)
			case "ew":
				return strings.HasSuffix(got, v)
			}
			return strings.Contains(got, v)
		}
	}
	var all []*app
	for _, a := range s.apps {
		if match(a) {
			all = append(all, a)
		}
	}
	slices.SortFunc(all, func(x, y *app) int { return strings.Compare(x.name, y.name) })
	page := []map[string]any{}
	for i := offset; i < len(all) && i < offset+limit; i++ {
		m := s.appJSON(r, all[i])
		delete(m, "issuer")
		page = append(page, m)
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(all), "startIndex": offset + 1, "count": len(page),
		"applications": page, "links": []any{}})
}

func (s *Server) oidcJSON(a *app) map[string]any {
	m := maps.Clone(a.oidc)
	m["clientId"] = a.clientID
	m["state"] = "ACTIVE"
	if a.revoked {
		m["state"] = "REVOKED"
	}
	if latest := s.latest(a); latest != nil {
		m["clientSecret"] = latest.value
		m["clientSecretExpiresAt"] = latest.expiresAt
	}
	m["multipleClientSecretsConfigured"] = len(a.secrets) > 1
	return m
}

func (s *Server) latest(a *app) *secret {
	if len(a.secrets) == 0 || a.revoked {
		return nil
	}
	return a.secrets[len(a.secrets)-1]
}

func (s *Server) getOIDC(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	if a.oidc == nil {
		writeError(w, http.StatusNotFound, "APP-60006", "Inbound protocol not found.", "The application has no OIDC configuration.")
		return
	}
	writeJSON(w, http.StatusOK, s.oidcJSON(a))
}

func (s *Server) putOIDC(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	var o map[string]any
	if err := json.NewDecoder(r.Body).Decode(&o); err != nil || o == nil {
		writeError(w, http.StatusBadRequest, "OAUTH-60001", "Invalid request", "The body is not an OIDC configuration.")
		return
	}
	if code, desc := checkOIDC(o); code != "" {
		writeError(w, http.StatusBadRequest, code, "Invalid OIDC configuration.", desc)
		return
	}
	if id, _ := o["clientId"].(string); id != "" && id != a.clientID {
		writeError(w, http.StatusBadRequest, "OAUTH-60001", "Invalid OIDC configuration.", "The client ID cannot be changed.")
		return
	}
	if value, _ := o["clientSecret"].(string); value != "" {
		s.revokeTokens(a, "")
		a.secrets = []*secret{s.newSecret(value, 0)}
		a.revoked = false
	}
	a.oidc = withDefaults(cleanOIDC(o))
	w.WriteHeader(http.StatusOK)
}

func (s *Server) regenerate(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	// Existing secrets, access tokens, refresh tokens and authorization
	// codes are revoked.
	s.revokeTokens(a, "")
	a.secrets = []*secret{s.newSecret(rand.Text(), 0)}
	a.revoked = false
	writeJSON(w, http.StatusOK, s.oidcJSON(a))
}

func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	a := s.find(w, r)
	if a == nil {
		return
	}
	s.revokeTokens(a, "")
	a.revoked = true
	w.WriteHeader(http.StatusOK)
}

// revokeTokens ends the tokens of a (only those issued with secretID, when
// it is not "").
func (s *Server) revokeTokens(a *app, secretID string) {
	for v, t := range s.tokens {
		if t.appID == a.id && (secretID == "" || t.secretID == secretID) {
			delete(s.tokens, v)
		}
	}
}

func (s *Server) secretJSON(a *app, x *secret, withValue bool) map[string]any {
	status := "ACTIVE"
	if x.expiresAt > 0 && s.now().Unix() >= x.expiresAt {
		status = "EXPIRED"
	}
	m := map[string]any{"secretId": x.id, "expiresAt": x.expiresAt, "createdAt": x.createdAt, "status": status, "latest": x == s.latest(a)}
	if withValue {
		m["secretValue"] = x.value
	}
	return m
}

func (s *Server) multiSecrets(w http.ResponseWriter, r *http.Request) *app {
	if !s.multi {
		// An older server: no such resource.
		writeError(w, http.StatusNotFound, "404", "Not Found", "The requested resource is not available.")
		return nil
	}
	return s.find(w, r)
}

func (s *Server) listSecrets(w http.ResponseWriter, r *http.Request) {
	a := s.multiSecrets(w, r)
	if a == nil {
		return
	}
	list := []map[string]any{}
	for _, x := range a.secrets {
		list = append(list, s.secretJSON(a, x, false))
	}
	writeJSON(w, http.StatusOK, map[string]any{"count": len(list), "list": list})
}

func (s *Server) addSecret(w http.ResponseWriter, r *http.Request) {
	a := s.multiSecrets(w, r)
	if a == nil {
		return
	}
	var body struct {
		ExpiresAt int64 `json:"expiresAt"`
	}
	if r.ContentLength != 0 {
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || body.ExpiresAt < 0 ||
			(body.ExpiresAt > 0 && body.ExpiresAt <= s.now().Unix()) {
			writeError(w, http.StatusBadRequest, "OAUTH-60001", "Invalid request", "expiresAt must be 0 or a time to come, in epoch seconds.")
			return
		}
	}
	x := s.newSecret(rand.Text(), body.ExpiresAt)
	a.secrets = append(a.secrets, x)
	a.revoked = false
	writeJSON(w, http.StatusCreated, s.secretJSON(a, x, true))
}

func (s *Server) deleteSecret(w http.ResponseWriter, r *http.Request) {
	a := s.multiSecrets(w, r)
	if a == nil {
		return
	}
	for i, x := range a.secrets {
		if x.id != r.PathValue("secret") {
			continue
		}
		if x == s.latest(a) {
			writeError(w, http.StatusConflict, "OAUTH-60009", "Cannot delete the secret.", "The most recently added active secret cannot be deleted.")
			return
		}
		s.revokeTokens(a, x.id)
		a.secrets = slices.Delete(a.secrets, i, i+1)
		w.WriteHeader(http.StatusNoContent)
		return
	}
	writeError(w, http.StatusNotFound, "OAUTH-60006", "Secret not found.", "No secret with the given ID.")
}

func (s *Server) listGrants(w http.ResponseWriter, r *http.Request) {
	a := s.apps[r.PathValue("id")]
	if a == nil {
		w.WriteHeader(http.StatusNotFound) // documented without a body
		return
	}
	list := []map[string]any{}
	ids := make([]string, 0, len(a.grants))
	for id := range a.grants {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		api := s.apis[id]
		scopes := []map[string]any{}
		for _, sc := range a.grants[id] {
			scopes = append(scopes, map[string]any{"id": api.ID + "/" + sc, "name": sc, "displayName": sc})
		}
		list = append(list, map[string]any{"id": api.ID, "identifier": api.Identifier, "displayName": api.Name,
			"policyId": "RBAC", "type": "BUSINESS", "authorizedScopes": scopes})
	}
	writeJSON(w, http.StatusOK, list)
}

func (s *Server) addGrant(w http.ResponseWriter, r *http.Request) {
	a := s.apps[r.PathValue("id")]
	if a == nil {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var body struct {
		ID     string   `json:"id"`
		Scopes []string `json:"scopes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "APP-60001", "Invalid request", "The body is not an API authorization.")
		return
	}
	api := s.apis[body.ID]
	if api == nil {
		writeError(w, http.StatusBadRequest, "APP-60035", "Invalid API resource.", "No API resource with id "+body.ID+".")
		return
	}
	if _, dup := a.grants[api.ID]; dup {
		writeError(w, http.StatusBadRequest, "APP-60036", "API already authorized.", "The API resource is already authorized for the application.")
		return
	}
	for _, sc := range body.Scopes {
		if !slices.Contains(api.Scopes, sc) {
			writeError(w, http.StatusBadRequest, "APP-60037", "Invalid scope.", fmt.Sprintf("Scope %s does not belong to API resource %s.", sc, api.Identifier))
			return
		}
	}
	a.grants[api.ID] = slices.Clone(body.Scopes)
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) patchGrant(w http.ResponseWriter, r *http.Request) {
	a := s.apps[r.PathValue("id")]
	var scopes []string
	var ok bool
	if a != nil {
		scopes, ok = a.grants[r.PathValue("api")]
	}
	if !ok {
		w.WriteHeader(http.StatusNotFound)
		return
	}
	var body struct {
		Added   []string `json:"addedScopes"`
		Removed []string `json:"removedScopes"`
	}
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
		writeError(w, http.StatusBadRequest, "APP-60001", "Invalid request", "The body is not an API authorization patch.")
		return
	}
	api := s.apis[r.PathValue("api")]
	for _, sc := range body.Added {
		if !slices.Contains(api.Scopes, sc) {
			writeError(w, http.StatusBadRequest, "APP-60037", "Invalid scope.", fmt.Sprintf("Scope %s does not belong to API resource %s.", sc, api.Identifier))
			return
		}
		if !slices.Contains(scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	scopes = slices.DeleteFunc(scopes, func(sc string) bool { return slices.Contains(body.Removed, sc) })
	a.grants[api.ID] = scopes
	w.WriteHeader(http.StatusOK)
}

func (s *Server) deleteGrant(w http.ResponseWriter, r *http.Request) {
	if a := s.apps[r.PathValue("id")]; a != nil {
		delete(a.grants, r.PathValue("api"))
	}
	w.WriteHeader(http.StatusNoContent)
}

// listAPIs serves the API Resource Management API's list, filtered by
// identifier eq (its document is not among the vendor files).
func (s *Server) listAPIs(w http.ResponseWriter, r *http.Request) {
	want, _ := strings.CutPrefix(r.URL.Query().Get("filter"), "identifier eq ")
	list := []map[string]any{}
	for _, api := range s.apis {
		if want == "" || api.Identifier == want {
			list = append(list, map[string]any{"id": api.ID, "name": api.Name, "identifier": api.Identifier, "type": "BUSINESS"})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"totalResults": len(list), "apiResources": list})
}
