package entrafake

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
)

// servicePrincipals serves /servicePrincipals and below.
func (f *Fake) servicePrincipals(w http.ResponseWriter, r *http.Request, key, value string, rest []string, body map[string]json.RawMessage) {
	if key == "" && len(rest) == 0 {
		switch r.Method {
		case http.MethodGet:
			f.listSPs(w, r)
		case http.MethodPost:
			var appID string
			_ = json.Unmarshal(body["appId"], &appID)
			a := f.appByAppID(appID)
			if a == nil {
				graphErr(w, http.StatusBadRequest, "Request_BadRequest", "The appId '"+appID+"' of the service principal does not reference a valid application object.")
				return
			}
			if f.spByAppID(appID) != nil {
				graphErr(w, http.StatusConflict, "Request_MultipleObjectsWithSameKeyValue", "The service principal for this application already exists.")
				return
			}
			s := &sp{id: newGUID(), appID: appID, enabled: true, names: []string{appID}}
			_ = json.Unmarshal(body["tags"], &s.tags)
			f.sps[s.id] = s
			writeJSON(w, http.StatusCreated, f.spJSON(s))
		default:
			graphErr(w, http.StatusMethodNotAllowed, "Request_BadRequest", "The method is not allowed.")
		}
		return
	}
	var s *sp
	switch {
	case key == "" && len(rest) > 0:
		s = f.sps[rest[0]]
		rest = rest[1:]
	case key == "appId":
		s = f.spByAppID(value)
	}
	if s == nil {
		graphErr(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist or one of its queried reference-property objects are not present.")
		return
	}
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		writeJSON(w, http.StatusOK, f.spJSON(s))
	case len(rest) == 0 && r.Method == http.MethodPatch:
		if raw, ok := body["accountEnabled"]; ok {
			if err := json.Unmarshal(raw, &s.enabled); err != nil {
				graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'accountEnabled' of resource 'ServicePrincipal'.")
				return
			}
		}
		w.WriteHeader(http.StatusNoContent)
	case len(rest) == 0 && r.Method == http.MethodDelete:
		f.deleteSP(s)
		w.WriteHeader(http.StatusNoContent)
	case len(rest) >= 1 && rest[0] == "appRoleAssignedTo":
		f.assignedTo(w, r, s, rest[1:], body)
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Unsupported request.")
	}
}

// listSPs serves GET /servicePrincipals with $filter on
// servicePrincipalNames/any or appId.
func (f *Fake) listSPs(w http.ResponseWriter, r *http.Request) {
	flt := r.URL.Query().Get("$filter")
	byName := regexp.MustCompile(`^servicePrincipalNames/any\((\w+):(\w+) eq '((?:[^']|'')*)'\)$`).FindStringSubmatch(flt)
	byApp := regexp.MustCompile(`^appId eq '((?:[^']|'')*)'$`).FindStringSubmatch(flt)
	if flt != "" && byName == nil && byApp == nil {
		graphErr(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for resource 'ServicePrincipal'.")
		return
	}
	var all []*sp
	for _, s := range f.sps {
		switch {
		case byName != nil && !contains(s.names, strings.ReplaceAll(byName[3], "''", "'")):
		case byApp != nil && s.appID != strings.ReplaceAll(byApp[1], "''", "'"):
		default:
			all = append(all, s)
		}
	}
	slices.SortFunc(all, func(x, y *sp) int { return strings.Compare(x.id, y.id) })
	items := make([]any, 0, len(all))
	for _, s := range all {
		items = append(items, f.spJSON(s))
	}
	f.writePage(w, r, items)
}

// assignedTo serves /servicePrincipals/{id}/appRoleAssignedTo: the
// assignments of the resource s's app roles.
func (f *Fake) assignedTo(w http.ResponseWriter, r *http.Request, s *sp, rest []string, body map[string]json.RawMessage) {
	switch {
	case len(rest) == 0 && r.Method == http.MethodGet:
		flt := r.URL.Query().Get("$filter")
		m := regexp.MustCompile(`^principalId eq ([0-9a-fA-F-]{36})$`).FindStringSubmatch(flt)
		if flt != "" && m == nil {
			graphErr(w, http.StatusBadRequest, "Request_UnsupportedQuery", "Unsupported or invalid query filter clause specified for resource 'AppRoleAssignment'.")
			return
		}
		var all []*assignment
		for _, as := range f.assignments {
			if as.resource == s.id && (m == nil || as.principal == m[1]) {
				all = append(all, as)
			}
		}
		slices.SortFunc(all, func(x, y *assignment) int { return strings.Compare(x.id, y.id) })
		items := make([]any, 0, len(all))
		for _, as := range all {
			items = append(items, assignmentJSON(as))
		}
		f.writePage(w, r, items)
	case len(rest) == 0 && r.Method == http.MethodPost:
		var req struct {
			PrincipalID string `json:"principalId"`
			ResourceID  string `json:"resourceId"`
			AppRoleID   string `json:"appRoleId"`
		}
		raw, _ := json.Marshal(body)
		_ = json.Unmarshal(raw, &req)
		if req.ResourceID != s.id || f.sps[req.PrincipalID] == nil {
			graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Invalid value specified for property 'principalId' or 'resourceId' of resource 'AppRoleAssignment'.")
			return
		}
		if !slices.ContainsFunc(s.roles, func(ro Role) bool { return ro.ID == req.AppRoleID }) {
			graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Permission being assigned was not found on application.")
			return
		}
		for _, as := range f.assignments {
			if as.resource == s.id && as.principal == req.PrincipalID && as.role == req.AppRoleID {
				graphErr(w, http.StatusBadRequest, "Request_BadRequest", "Permission being assigned already exists on the object.")
				return
			}
		}
		as := &assignment{id: newGUID(), principal: req.PrincipalID, resource: s.id, role: req.AppRoleID, created: f.now()}
		f.assignments[as.id] = as
		writeJSON(w, http.StatusCreated, assignmentJSON(as))
	case len(rest) == 1 && r.Method == http.MethodDelete:
		as := f.assignments[rest[0]]
		if as == nil || as.resource != s.id {
			graphErr(w, http.StatusNotFound, "Request_ResourceNotFound", "Resource does not exist.")
			return
		}
		delete(f.assignments, as.id)
		w.WriteHeader(http.StatusNoContent)
	default:
		graphErr(w, http.StatusBadRequest, "BadRequest", "Unsupported request.")
	}
}

func (f *Fake) spJSON(s *sp) map[string]any {
	roles := []any{}
	for _, ro := range s.roles {
		roles = append(roles, map[string]any{"id": ro.ID, "value": ro.Value, "displayName": ro.Value, "isEnabled": true,
			"allowedMemberTypes": []string{"Application"}, "description": ro.Value})
	}
	a := f.appByAppID(s.appID)
	name := ""
	if a != nil {
		name = a.displayName
	}
	return map[string]any{
		"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity",
		"id":             s.id, "appId": s.appID, "accountEnabled": s.enabled, "appDisplayName": name, "displayName": name,
		"servicePrincipalNames": nonNil(s.names), "appRoles": roles, "appRoleAssignmentRequired": s.requireAssigned,
		"servicePrincipalType": "Application", "tags": nonNil(s.tags),
	}
}

func assignmentJSON(as *assignment) map[string]any {
	return map[string]any{
		"id": as.id, "principalId": as.principal, "resourceId": as.resource, "appRoleId": as.role,
		"principalType": "ServicePrincipal", "createdDateTime": as.created.UTC().Format("2006-01-02T15:04:05Z"),
	}
}
