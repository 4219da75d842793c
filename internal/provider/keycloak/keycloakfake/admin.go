package keycloakfake

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// Permissions names, for each admin API operation the fake serves, the
// realm-management role a token must carry to call it. The adapter's
// documentation lists the same roles (docs/providers/keycloak.md); a test
// holds the two together.
var Permissions = map[string]string{
	"GET /clients":                                           RoleQueryClients,
	"POST /clients":                                          RoleManageClients,
	"GET /clients/{id}":                                      RoleViewClients,
	"PUT /clients/{id}":                                      RoleManageClients,
	"DELETE /clients/{id}":                                   RoleManageClients,
	"GET /clients/{id}/client-secret":                        RoleManageClients,
	"POST /clients/{id}/client-secret":                       RoleManageClients,
	"GET /clients/{id}/client-secret/rotated":                RoleManageClients,
	"DELETE /clients/{id}/client-secret/rotated":             RoleManageClients,
	"GET /clients/{id}/default-client-scopes":                RoleViewClients,
	"PUT /clients/{id}/default-client-scopes/{sid}":          RoleManageClients,
	"DELETE /clients/{id}/default-client-scopes/{sid}":       RoleManageClients,
	"GET /clients/{id}/optional-client-scopes":               RoleViewClients,
	"PUT /clients/{id}/optional-client-scopes/{sid}":         RoleManageClients,
	"DELETE /clients/{id}/optional-client-scopes/{sid}":      RoleManageClients,
	"POST /clients/{id}/protocol-mappers/models":             RoleManageClients,
	"DELETE /clients/{id}/protocol-mappers/models/{mid}":     RoleManageClients,
	"GET /clients/{id}/service-account-user":                 RoleViewClients,
	"GET /client-scopes":                                     RoleViewClients,
	"GET /users/{uid}/role-mappings":                         RoleViewUsers,
	"GET /users/{uid}/role-mappings/realm/available":         RoleViewUsers,
	"POST /users/{uid}/role-mappings/realm":                  RoleManageUsers,
	"DELETE /users/{uid}/role-mappings/realm":                RoleManageUsers,
	"GET /users/{uid}/role-mappings/clients/{cid}/available": RoleViewUsers,
	"POST /users/{uid}/role-mappings/clients/{cid}":          RoleManageUsers,
	"DELETE /users/{uid}/role-mappings/clients/{cid}":        RoleManageUsers,
}

// adminHandler serves one admin operation within a realm, under the lock.
type adminHandler func(w http.ResponseWriter, r *http.Request, rl *realm)

func (s *Server) routes() {
	s.mux = http.NewServeMux()
	handlers := map[string]adminHandler{
		"GET /clients":                                           s.listClients,
		"POST /clients":                                          s.createClient,
		"GET /clients/{id}":                                      withClient(s.getClient),
		"PUT /clients/{id}":                                      withClient(s.putClient),
		"DELETE /clients/{id}":                                   withClient(s.deleteClient),
		"GET /clients/{id}/client-secret":                        withClient(s.getSecret),
		"POST /clients/{id}/client-secret":                       withClient(s.regenerateSecret),
		"GET /clients/{id}/client-secret/rotated":                withClient(s.getRotated),
		"DELETE /clients/{id}/client-secret/rotated":             withClient(s.deleteRotated),
		"GET /clients/{id}/default-client-scopes":                withClient(s.listScopes(false)),
		"PUT /clients/{id}/default-client-scopes/{sid}":          withClient(s.setScope(false, true)),
		"DELETE /clients/{id}/default-client-scopes/{sid}":       withClient(s.setScope(false, false)),
		"GET /clients/{id}/optional-client-scopes":               withClient(s.listScopes(true)),
		"PUT /clients/{id}/optional-client-scopes/{sid}":         withClient(s.setScope(true, true)),
		"DELETE /clients/{id}/optional-client-scopes/{sid}":      withClient(s.setScope(true, false)),
		"POST /clients/{id}/protocol-mappers/models":             withClient(s.addMapper),
		"DELETE /clients/{id}/protocol-mappers/models/{mid}":     withClient(s.deleteMapper),
		"GET /clients/{id}/service-account-user":                 withClient(s.serviceAccountUser),
		"GET /client-scopes":                                     s.realmScopes,
		"GET /users/{uid}/role-mappings":                         withUser(s.roleMappings),
		"GET /users/{uid}/role-mappings/realm/available":         withUser(s.availableRoles(false)),
		"POST /users/{uid}/role-mappings/realm":                  withUser(s.mapRoles(false, true)),
		"DELETE /users/{uid}/role-mappings/realm":                withUser(s.mapRoles(false, false)),
		"GET /users/{uid}/role-mappings/clients/{cid}/available": withUser(s.availableRoles(true)),
		"POST /users/{uid}/role-mappings/clients/{cid}":          withUser(s.mapRoles(true, true)),
		"DELETE /users/{uid}/role-mappings/clients/{cid}":        withUser(s.mapRoles(true, false)),
	}
	for op, h := range handlers {
		method, path, _ := strings.Cut(op, " ")
		s.mux.HandleFunc(method+" "+s.prefix+"/admin/realms/{realm}"+path, s.admin(op, h))
	}
	s.mux.HandleFunc("POST "+s.prefix+"/realms/{realm}/protocol/openid-connect/token", s.token)
	s.mux.HandleFunc("GET "+s.prefix+"/realms/{realm}/.well-known/openid-configuration", s.discovery)
}

// admin wraps an admin operation: the request is recorded, rate limited on
// demand, its token and role checked, its realm found.
func (s *Server) admin(op string, h adminHandler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		line := r.Method + " " + r.URL.Path
		s.requests = append(s.requests, line)
		if s.limit > 0 && strings.Contains(line, s.limitFor) {
			s.limit--
			w.Header().Set("Retry-After", "7")
			writeJSON(w, http.StatusTooManyRequests, map[string]string{"error": "too many requests"})
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		roles, known := s.tokens[tok]
		if !ok || !known {
			writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "HTTP 401 Unauthorized"})
			return
		}
		if need := Permissions[op]; !roles[need] {
			writeJSON(w, http.StatusForbidden, map[string]string{"error": "HTTP 403 Forbidden"})
			return
		}
		rl, ok := s.realms[r.PathValue("realm")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Realm not found."})
			return
		}
		h(w, r, rl)
	}
}

func withClient(h func(http.ResponseWriter, *http.Request, *realm, *client)) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, rl *realm) {
		c, ok := rl.clients[r.PathValue("id")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Could not find client"})
			return
		}
		h(w, r, rl, c)
	}
}

func withUser(h func(http.ResponseWriter, *http.Request, *realm, *user)) adminHandler {
	return func(w http.ResponseWriter, r *http.Request, rl *realm) {
		u, ok := rl.users[r.PathValue("uid")]
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "User not found"})
			return
		}
		h(w, r, rl, u)
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func invalidInput(w http.ResponseWriter, desc string) {
	writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_input", "error_description": desc})
}

// readBody decodes a JSON request body into v; false after answering 400.
func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err == nil {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "unknown_error"})
		return false
	}
	return true
}

// render is the client's representation as GET answers it.
func (s *Server) render(rl *realm, c *client) map[string]any {
	out := maps.Clone(c.rep)
	out["id"] = c.id
	attrs := map[string]any{}
	if a, ok := c.rep["attributes"].(map[string]any); ok {
		maps.Copy(attrs, a)
	}
	if rl.rotation != nil && c.secret != "" {
		attrs["client.secret.creation.time"] = epoch(c.created)
		attrs["client.secret.expiration.time"] = epoch(c.expires)
		if c.rotated != "" {
			attrs["client.secret.rotated.creation.time"] = epoch(c.rotatedCreated)
			attrs["client.secret.rotated.expiration.time"] = epoch(c.rotatedEx)
		}
	}
	out["attributes"] = attrs
	if pub, _ := c.rep["publicClient"].(bool); !pub && c.secret != "" {
		out["secret"] = c.secret
	}
	if len(c.mappers) > 0 {
		out["protocolMappers"] = c.mappers
	}
	out["access"] = map[string]bool{"view": true, "configure": true, "manage": true}
	return out
}

func epoch(t interface{ Unix() int64 }) string { return strconv.FormatInt(t.Unix(), 10) }

func (s *Server) listClients(w http.ResponseWriter, r *http.Request, rl *realm) {
	q := r.URL.Query()
	first, _ := strconv.Atoi(q.Get("first"))
	maxN, err := strconv.Atoi(q.Get("max"))
	if err != nil || maxN <= 0 {
		maxN = 100
	}
	var match []*client
	for _, c := range rl.clients {
		if id := q.Get("clientId"); id != "" && c.rep["clientId"] != id {
			continue
		}
		if !attributesMatch(c, q.Get("q")) {
			continue
		}
		match = append(match, c)
	}
	slices.SortFunc(match, func(a, b *client) int {
		return strings.Compare(a.rep["clientId"].(string), b.rep["clientId"].(string))
	})
	out := []map[string]any{}
	for i := first; i < len(match) && len(out) < maxN; i++ {
		out = append(out, s.render(rl, match[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

// attributesMatch applies Keycloak's q: space-separated key:value pairs, each
// an exact attribute value.
func attributesMatch(c *client, q string) bool {
	attrs, _ := c.rep["attributes"].(map[string]any)
	for pair := range strings.FieldsSeq(q) {
		k, v, _ := strings.Cut(pair, ":")
		if attrs[k] != v {
			return false
		}
	}
	return true
}

func (s *Server) createClient(w http.ResponseWriter, r *http.Request, rl *realm) {
	var rep map[string]any
	if !readBody(w, r, &rep) {
		return
	}
	clientID, _ := rep["clientId"].(string)
	if clientID == "" {
		invalidInput(w, "Client id is required")
		return
	}
	if s.byClientID(rl, clientID) != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Client " + clientID + " already exists"})
		return
	}
	if msg := checkRedirects(rep); msg != "" {
		invalidInput(w, msg)
		return
	}
	secret, _ := rep["secret"].(string)
	defaults, hasDefaults := stringList(rep["defaultClientScopes"])
	optional, hasOptional := stringList(rep["optionalClientScopes"])
	mappers, _ := rep["protocolMappers"].([]any)
	for _, k := range []string{"id", "secret", "defaultClientScopes", "optionalClientScopes", "protocolMappers"} {
		delete(rep, k)
	}
	c := s.newClient(rl, rep)
	if hasDefaults || hasOptional {
		c.defaults, c.optional = scopeIDs(rl, defaults), scopeIDs(rl, optional)
	} else {
		for _, sc := range rl.scopes {
			if sc.realmDefault {
				c.defaults = append(c.defaults, sc.id)
			}
		}
	}
	for _, m := range mappers {
		if mm, ok := m.(map[string]any); ok {
			mm["id"] = s.newID()
			c.mappers = append(c.mappers, mm)
		}
	}
	if pub, _ := c.rep["publicClient"].(bool); !pub {
		s.newSecret(rl, c, secret, false)
	}
	s.ensureServiceUser(rl, c)
	w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/"+c.id)
	w.WriteHeader(http.StatusCreated)
}

// checkRedirects refuses a redirect URI with a fragment, as Keycloak's
// client validation does.
func checkRedirects(rep map[string]any) string {
	uris, _ := stringList(rep["redirectUris"])
	for _, u := range uris {
		if strings.Contains(u, "#") {
			return "Redirect URIs must not contain an URI fragment"
		}
	}
	return ""
}

func stringList(v any) ([]string, bool) {
	list, ok := v.([]any)
	var out []string
	for _, x := range list {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out, ok
}

// scopeIDs are the ids of the named scopes; unknown names are skipped, as
// Keycloak does (it logs them).
func scopeIDs(rl *realm, names []string) []string {
	var out []string
	for _, n := range names {
		for _, sc := range rl.scopes {
			if sc.name == n {
				out = append(out, sc.id)
			}
		}
	}
	return out
}

func (s *Server) getClient(w http.ResponseWriter, _ *http.Request, rl *realm, c *client) {
	writeJSON(w, http.StatusOK, s.render(rl, c))
}

// putClient updates the client with the fields of the body; those it
// leaves out keep their values. Its protocol mappers and client scopes are
// ignored, as Keycloak's update does. Without the realm's secret rotation
// an update drops the rotated secret, as Keycloak's does.
func (s *Server) putClient(w http.ResponseWriter, r *http.Request, rl *realm, c *client) {
	var rep map[string]any
	if !readBody(w, r, &rep) {
		return
	}
	if id, ok := rep["clientId"].(string); ok && id != c.rep["clientId"] {
		if other := s.byClientID(rl, id); other != nil {
			writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Client " + id + " already exists"})
			return
		}
	}
	if msg := checkRedirects(rep); msg != "" {
		invalidInput(w, msg)
		return
	}
	if secret, ok := rep["secret"].(string); ok && secret != "" {
		c.secret = secret
	}
	for _, k := range []string{"id", "secret", "defaultClientScopes", "optionalClientScopes", "protocolMappers", "access"} {
		delete(rep, k)
	}
	if a, ok := rep["attributes"].(map[string]any); ok {
		for k := range a {
			if strings.HasPrefix(k, "client.secret.") {
				delete(a, k) // the executor's bookkeeping is the server's own
			}
		}
	}
	maps.Copy(c.rep, rep)
	if rl.rotation == nil {
		c.rotated = ""
	}
	s.ensureServiceUser(rl, c)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) deleteClient(w http.ResponseWriter, _ *http.Request, rl *realm, c *client) {
	s.remove(rl, c)
	w.WriteHeader(http.StatusNoContent)
}

type credential struct {
	Type  string `json:"type"`
	Value string `json:"value"`
}

func (s *Server) getSecret(w http.ResponseWriter, _ *http.Request, _ *realm, c *client) {
	writeJSON(w, http.StatusOK, credential{Type: "secret", Value: c.secret})
}

func (s *Server) regenerateSecret(w http.ResponseWriter, _ *http.Request, rl *realm, c *client) {
	if pub, _ := c.rep["publicClient"].(bool); pub {
		invalidInput(w, "Can't regenerate secret of a public client")
		return
	}
	s.newSecret(rl, c, "", true)
	writeJSON(w, http.StatusOK, credential{Type: "secret", Value: c.secret})
}

func (s *Server) getRotated(w http.ResponseWriter, _ *http.Request, _ *realm, c *client) {
	if c.rotated == "" {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Client does not have a rotated secret"})
		return
	}
	writeJSON(w, http.StatusOK, credential{Type: "secret", Value: c.rotated})
}

func (s *Server) deleteRotated(w http.ResponseWriter, _ *http.Request, _ *realm, c *client) {
	c.rotated = ""
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) listScopes(optional bool) func(http.ResponseWriter, *http.Request, *realm, *client) {
	return func(w http.ResponseWriter, _ *http.Request, rl *realm, c *client) {
		ids := c.defaults
		if optional {
			ids = c.optional
		}
		out := []map[string]string{}
		for _, id := range ids {
			if sc := rl.scopes[id]; sc != nil {
				out = append(out, map[string]string{"id": sc.id, "name": sc.name})
			}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) setScope(optional, add bool) func(http.ResponseWriter, *http.Request, *realm, *client) {
	return func(w http.ResponseWriter, r *http.Request, rl *realm, c *client) {
		sid := r.PathValue("sid")
		if _, ok := rl.scopes[sid]; !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Client scope not found"})
			return
		}
		list := &c.defaults
		if optional {
			list = &c.optional
		}
		*list = slices.DeleteFunc(*list, func(id string) bool { return id == sid })
		if add {
			*list = append(*list, sid)
		}
		w.WriteHeader(http.StatusNoContent)
	}
}

func (s *Server) addMapper(w http.ResponseWriter, r *http.Request, _ *realm, c *client) {
	var m map[string]any
	if !readBody(w, r, &m) {
		return
	}
	for _, old := range c.mappers {
		if old["name"] == m["name"] {
			writeJSON(w, http.StatusConflict, map[string]string{"errorMessage": "Protocol mapper exists with same name"})
			return
		}
	}
	m["id"] = s.newID()
	c.mappers = append(c.mappers, m)
	w.Header().Set("Location", "http://"+r.Host+r.URL.Path+"/"+m["id"].(string))
	w.WriteHeader(http.StatusCreated)
}

func (s *Server) deleteMapper(w http.ResponseWriter, r *http.Request, _ *realm, c *client) {
	n := len(c.mappers)
	c.mappers = slices.DeleteFunc(c.mappers, func(m map[string]any) bool { return m["id"] == r.PathValue("mid") })
	if len(c.mappers) == n {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "Model not found"})
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) serviceAccountUser(w http.ResponseWriter, _ *http.Request, rl *realm, c *client) {
	u := rl.users[c.serviceUser]
	if u == nil {
		invalidInput(w, "Service account not enabled for the client '"+c.rep["clientId"].(string)+"'")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"id": u.id, "username": u.username, "enabled": true, "serviceAccountClientId": c.rep["clientId"]})
}

func (s *Server) realmScopes(w http.ResponseWriter, _ *http.Request, rl *realm) {
	out := []map[string]string{}
	for _, sc := range rl.scopes {
		out = append(out, map[string]string{"id": sc.id, "name": sc.name, "protocol": "openid-connect"})
	}
	writeJSON(w, http.StatusOK, out)
}

func roleRep(r *role) map[string]any {
	return map[string]any{"id": r.id, "name": r.name, "composite": false, "clientRole": r.client != "", "containerId": r.container}
}

func (s *Server) roleMappings(w http.ResponseWriter, _ *http.Request, rl *realm, u *user) {
	realmRoles := []map[string]any{}
	clients := map[string]any{}
	for _, r := range u.roles {
		if r.client == "" {
			realmRoles = append(realmRoles, roleRep(r))
			continue
		}
		c := rl.clients[r.client]
		id := c.rep["clientId"].(string)
		cm, _ := clients[id].(map[string]any)
		if cm == nil {
			cm = map[string]any{"id": c.id, "client": id, "mappings": []map[string]any{}}
			clients[id] = cm
		}
		cm["mappings"] = append(cm["mappings"].([]map[string]any), roleRep(r))
	}
	out := map[string]any{}
	if len(realmRoles) > 0 {
		out["realmMappings"] = realmRoles
	}
	if len(clients) > 0 {
		out["clientMappings"] = clients
	}
	writeJSON(w, http.StatusOK, out)
}

// roleSet is the realm's roles, or those of the client in the path.
func roleSet(r *http.Request, rl *realm, ofClient bool) (map[string]*role, bool) {
	if !ofClient {
		return rl.roles, true
	}
	c, ok := rl.clients[r.PathValue("cid")]
	if !ok {
		return nil, false
	}
	return c.roles, true
}

func (s *Server) availableRoles(ofClient bool) func(http.ResponseWriter, *http.Request, *realm, *user) {
	return func(w http.ResponseWriter, r *http.Request, rl *realm, u *user) {
		set, ok := roleSet(r, rl, ofClient)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Client not found"})
			return
		}
		out := []map[string]any{}
		for _, ro := range set {
			if _, has := u.roles[ro.id]; !has {
				out = append(out, roleRep(ro))
			}
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func (s *Server) mapRoles(ofClient, add bool) func(http.ResponseWriter, *http.Request, *realm, *user) {
	return func(w http.ResponseWriter, r *http.Request, rl *realm, u *user) {
		set, ok := roleSet(r, rl, ofClient)
		if !ok {
			writeJSON(w, http.StatusNotFound, map[string]string{"error": "Client not found"})
			return
		}
		var reps []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
		if !readBody(w, r, &reps) {
			return
		}
		for _, rep := range reps {
			ro, ok := set[rep.Name]
			if !ok || (rep.ID != "" && rep.ID != ro.id) {
				writeJSON(w, http.StatusNotFound, map[string]string{"error": "Role not found"})
				return
			}
			if add {
				u.roles[ro.id] = ro
			} else {
				delete(u.roles, ro.id)
			}
		}
		w.WriteHeader(http.StatusNoContent)
	}
}
