package auth0fake

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// scopeFor is the Management API scope each operation needs, as the
// reference's 403 descriptions say.
func scopeFor(method, path string, body map[string]any) string {
	grant := strings.HasPrefix(path, "/client-grants")
	switch {
	case strings.HasSuffix(path, "/rotate-secret"):
		return "update:client_keys"
	case grant && method == http.MethodGet:
		return "read:client_grants"
	case grant && method == http.MethodPost:
		return "create:client_grants"
	case grant && method == http.MethodPatch:
		return "update:client_grants"
	case grant && method == http.MethodDelete:
		return "delete:client_grants"
	case method == http.MethodGet:
		return "read:clients"
	case method == http.MethodPost:
		return "create:clients"
	case method == http.MethodPatch:
		if _, ok := body["client_secret"]; ok {
			return "update:client_keys"
		}
		return "update:clients"
	case method == http.MethodDelete:
		return "delete:clients"
	}
	return ""
}

// management serves /api/v2 (path is below it). t.mu is not held.
func (t *Tenant) management(w http.ResponseWriter, r *http.Request, path string) {
	var body map[string]any
	if r.Method == http.MethodPost || r.Method == http.MethodPatch {
		if r.ContentLength != 0 {
			if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
				apiError(w, http.StatusBadRequest, "Invalid request payload JSON format", "invalid_body")
				return
			}
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	tok, ok := t.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	if !ok || tok.audience != t.mgmt {
		apiError(w, http.StatusUnauthorized, "Invalid token", "")
		return
	}
	if need := scopeFor(r.Method, path, body); !slices.Contains(tok.scopes, need) {
		apiError(w, http.StatusForbidden, "Insufficient scope, expected any of: "+need, "insufficient_scope")
		return
	}
	q := r.URL.Query()
	segs := strings.Split(strings.Trim(path, "/"), "/")
	switch {
	case path == "/clients" && r.Method == http.MethodGet:
		t.listClients(w, q)
	case path == "/clients" && r.Method == http.MethodPost:
		t.createClient(w, body)
	case len(segs) == 2 && segs[0] == "clients":
		c, ok := t.clients[segs[1]]
		switch {
		case r.Method == http.MethodDelete:
			t.deleteClient(segs[1])
			w.WriteHeader(http.StatusNoContent)
		case !ok:
			apiError(w, http.StatusNotFound, "The client does not exist", "inexistent_client")
		case r.Method == http.MethodGet:
			writeJSON(w, http.StatusOK, fields(c.wire(), q))
		case r.Method == http.MethodPatch:
			t.patchClient(w, c, body)
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	case len(segs) == 3 && segs[0] == "clients" && segs[2] == "rotate-secret" && r.Method == http.MethodPost:
		c, ok := t.clients[segs[1]]
		if !ok {
			apiError(w, http.StatusNotFound, "The client does not exist", "inexistent_client")
			return
		}
		c.Secret = randomID(64)
		writeJSON(w, http.StatusOK, c.wire())
	case path == "/client-grants" && r.Method == http.MethodGet:
		t.listGrants(w, q)
	case path == "/client-grants" && r.Method == http.MethodPost:
		t.createGrant(w, body)
	case len(segs) == 2 && segs[0] == "client-grants":
		g, ok := t.grants[segs[1]]
		switch {
		case r.Method == http.MethodDelete:
			delete(t.grants, segs[1])
			w.WriteHeader(http.StatusNoContent)
		case !ok:
			apiError(w, http.StatusNotFound, "The client grant does not exist", "inexistent_client_grant")
		case r.Method == http.MethodPatch:
			if s, ok := body["scope"]; ok {
				g.Scopes = stringList(s)
			}
			writeJSON(w, http.StatusOK, g.wire())
		default:
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		}
	default:
		apiError(w, http.StatusNotFound, "Not Found", "")
	}
}

// wire renders a client as the Management API does to a token with
// read:client_keys: with client_secret (the fields query can leave it out).
func (c *Client) wire() map[string]any {
	m := map[string]any{
		"client_id": c.ID, "tenant": "fake", "global": false, "name": c.Name, "description": c.Description,
		"app_type": c.AppType, "is_first_party": true, "oidc_conformant": true,
		"grant_types": nonNil(c.GrantTypes), "callbacks": nonNil(c.Callbacks),
		"token_endpoint_auth_method": c.AuthMethod, "client_metadata": maps.Clone(c.Metadata),
	}
	m["client_secret"] = c.Secret
	return m
}

func (g *Grant) wire() map[string]any {
	return map[string]any{"id": g.ID, "client_id": g.ClientID, "audience": g.Audience, "scope": nonNil(g.Scopes)}
}

// fields applies the fields and include_fields query parameters.
func fields(m map[string]any, q url.Values) map[string]any {
	f := q.Get("fields")
	if f == "" {
		return m
	}
	named := strings.Split(f, ",")
	include := q.Get("include_fields") != "false"
	out := map[string]any{}
	for k, v := range m {
		if slices.Contains(named, k) == include {
			out[k] = v
		}
	}
	return out
}

// createClient serves POST /clients.
func (t *Tenant) createClient(w http.ResponseWriter, body map[string]any) {
	c := &Client{ID: randomID(32), Secret: randomID(64), AppType: "regular_web", AuthMethod: "client_secret_post",
		GrantTypes: []string{"authorization_code", "implicit", "refresh_token", "client_credentials"}, Metadata: map[string]string{}}
	if msg := c.apply(body); msg != "" {
		apiError(w, http.StatusBadRequest, msg, "invalid_body")
		return
	}
	t.seq++
	c.seq = t.seq
	t.clients[c.ID] = c
	writeJSON(w, http.StatusCreated, c.wire())
}

// patchClient serves PATCH /clients/{id}.
func (t *Tenant) patchClient(w http.ResponseWriter, c *Client, body map[string]any) {
	next := *c
	next.Metadata = maps.Clone(c.Metadata)
	if msg := next.apply(body); msg != "" {
		apiError(w, http.StatusBadRequest, msg, "invalid_body")
		return
	}
	*c = next
	writeJSON(w, http.StatusOK, c.wire())
}

// apply sets the fields of body on c, or says what Auth0 would refuse.
func (c *Client) apply(body map[string]any) string {
	for k, v := range body {
		switch k {
		case "name":
			c.Name, _ = v.(string)
		case "description":
			c.Description, _ = v.(string)
		case "app_type":
			c.AppType, _ = v.(string)
		case "token_endpoint_auth_method":
			c.AuthMethod, _ = v.(string)
		case "client_secret":
			c.Secret, _ = v.(string)
		case "grant_types":
			c.GrantTypes = stringList(v)
		case "callbacks":
			c.Callbacks = stringList(v)
			for i, cb := range c.Callbacks {
				if u, err := url.Parse(cb); err != nil || u.Fragment != "" || strings.Contains(cb, "#") || u.Scheme == "" {
					return fmt.Sprintf("Payload validation error: 'Object didn't pass validation for format callback-url: %s' on property callbacks[%d] (A set of URLs that are valid to call back from Auth0 when authenticating users).", cb, i)
				}
			}
		case "client_metadata":
			m, _ := v.(map[string]any)
			c.Metadata = map[string]string{}
			for mk, mv := range m {
				s, ok := mv.(string)
				if !ok || len(s) > 255 {
					return fmt.Sprintf("Payload validation error: client_metadata.%s must be a string of at most 255 characters", mk)
				}
				c.Metadata[mk] = s
			}
			if len(c.Metadata) > 10 {
				return "Payload validation error: 'Too many properties defined (" + strconv.Itoa(len(c.Metadata)) + "), maximum 10' on property client_metadata"
			}
		}
	}
	if c.Name == "" {
		return "Payload validation error: 'Missing required property: name'."
	}
	return ""
}

// listClients serves GET /clients: checkpoint paging (take, from),
// offset paging (page, per_page, include_totals), or a plain array.
func (t *Tenant) listClients(w http.ResponseWriter, q url.Values) {
	all := make([]*Client, 0, len(t.clients))
	for _, c := range t.clients {
		all = append(all, c)
	}
	slices.SortFunc(all, func(a, b *Client) int { return a.seq - b.seq })
	items := make([]map[string]any, 0, len(all))
	seqs := make([]int, 0, len(all))
	for _, c := range all {
		items = append(items, fields(c.wire(), q))
		seqs = append(seqs, c.seq)
	}
	page(w, q, "clients", items, seqs)
}

// listGrants serves GET /client-grants, filtered by client_id and audience.
func (t *Tenant) listGrants(w http.ResponseWriter, q url.Values) {
	var all []*Grant
	for _, g := range t.grants {
		if (q.Get("client_id") == "" || g.ClientID == q.Get("client_id")) && (q.Get("audience") == "" || g.Audience == q.Get("audience")) {
			all = append(all, g)
		}
	}
	slices.SortFunc(all, func(a, b *Grant) int { return a.seq - b.seq })
	items := make([]map[string]any, 0, len(all))
	seqs := make([]int, 0, len(all))
	for _, g := range all {
		items = append(items, g.wire())
		seqs = append(seqs, g.seq)
	}
	page(w, q, "client_grants", items, seqs)
}

// page answers a list in the paging style the query asks for. The
// checkpoint (next, from) is the sequence number of the last item sent,
// so items created or deleted meanwhile do not shift the pages.
func page(w http.ResponseWriter, q url.Values, key string, items []map[string]any, seqs []int) {
	if take := q.Get("take"); take != "" {
		n, err := strconv.Atoi(take)
		if err != nil || n < 1 || n > 100 {
			apiError(w, http.StatusBadRequest, "Query validation error: take must be between 1 and 100", "invalid_query_string")
			return
		}
		after := -1
		if from := q.Get("from"); from != "" {
			if after, err = strconv.Atoi(strings.TrimPrefix(from, "ck")); err != nil {
				apiError(w, http.StatusBadRequest, "Query validation error: invalid from", "invalid_query_string")
				return
			}
		}
		var out []map[string]any
		last := -1
		for i, it := range items {
			if seqs[i] > after && len(out) < n {
				out = append(out, it)
				last = seqs[i]
			}
		}
		resp := map[string]any{key: nonNilMaps(out)}
		if len(out) == n && last < seqs[len(seqs)-1] {
			resp["next"] = "ck" + strconv.Itoa(last)
		}
		writeJSON(w, http.StatusOK, resp)
		return
	}
	if q.Get("page") != "" || q.Get("per_page") != "" || q.Get("include_totals") == "true" {
		pg, _ := strconv.Atoi(q.Get("page"))
		per, err := strconv.Atoi(q.Get("per_page"))
		if err != nil || per < 1 {
			per = 50
		}
		start := min(pg*per, len(items))
		end := min(start+per, len(items))
		out := items[start:end]
		if q.Get("include_totals") == "true" {
			writeJSON(w, http.StatusOK, map[string]any{"start": start, "limit": per, "total": len(items), key: nonNilMaps(out)})
			return
		}
		writeJSON(w, http.StatusOK, nonNilMaps(out))
		return
	}
	writeJSON(w, http.StatusOK, nonNilMaps(items[:min(50, len(items))]))
}

// createGrant serves POST /client-grants.
func (t *Tenant) createGrant(w http.ResponseWriter, body map[string]any) {
	clientID, _ := body["client_id"].(string)
	audience, _ := body["audience"].(string)
	if _, ok := t.clients[clientID]; !ok {
		apiError(w, http.StatusNotFound, "Client not found", "inexistent_client")
		return
	}
	if !t.apis[audience] {
		apiError(w, http.StatusNotFound, "Resource server not found", "inexistent_resource_server")
		return
	}
	for _, g := range t.grants {
		if g.ClientID == clientID && g.Audience == audience {
			apiError(w, http.StatusConflict, "A client grant for this client and audience already exists", "client_grant_conflict")
			return
		}
	}
	t.seq++
	g := &Grant{ID: "cgr_" + randomID(16), ClientID: clientID, Audience: audience, Scopes: stringList(body["scope"]), seq: t.seq}
	t.grants[g.ID] = g
	writeJSON(w, http.StatusCreated, g.wire())
}

// stringList reads a JSON array of strings.
func stringList(v any) []string {
	a, _ := v.([]any)
	out := make([]string, 0, len(a))
	for _, x := range a {
		if s, ok := x.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilMaps(s []map[string]any) []map[string]any {
	if s == nil {
		return []map[string]any{}
	}
	return s
}
