package oktafake

import (
	"net/http"
	"slices"
	"time"
)

// policy is an access policy of a custom authorization server.
type policy struct {
	id, name, description, status string
	priority                      int
	clients                       []string
	created, updated              time.Time
	rules                         []*rule
}

// rule is a rule of an access policy.
type rule struct {
	id, name, status string
	priority         int
	grantTypes       []string
	scopes           []string
	people           []string
	actions          map[string]any
	created, updated time.Time
}

type policyBody struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	Description string `json:"description"`
	Status      string `json:"status"`
	Priority    int    `json:"priority"`
	Conditions  struct {
		Clients struct {
			Include []string `json:"include"`
		} `json:"clients"`
	} `json:"conditions"`
}

type ruleBody struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Status     string `json:"status"`
	Priority   int    `json:"priority"`
	Conditions struct {
		People struct {
			Groups struct {
				Include []string `json:"include"`
			} `json:"groups"`
		} `json:"people"`
		GrantTypes struct {
			Include []string `json:"include"`
		} `json:"grantTypes"`
		Scopes struct {
			Include []string `json:"include"`
		} `json:"scopes"`
	} `json:"conditions"`
	Actions map[string]any `json:"actions"`
}

func (p *policy) view() map[string]any {
	return map[string]any{
		"id": p.id, "type": "OAUTH_AUTHORIZATION_POLICY", "name": p.name, "description": p.description,
		"status": p.status, "priority": p.priority, "system": false,
		"conditions": map[string]any{"clients": map[string]any{"include": p.clients}},
		"created":    stamp(p.created), "lastUpdated": stamp(p.updated),
	}
}

func (r *rule) view() map[string]any {
	conditions := map[string]any{
		"grantTypes": map[string]any{"include": r.grantTypes},
		"scopes":     map[string]any{"include": r.scopes},
	}
	if len(r.people) > 0 {
		conditions["people"] = map[string]any{"groups": map[string]any{"include": r.people}}
	}
	return map[string]any{
		"id": r.id, "type": "RESOURCE_ACCESS", "name": r.name, "status": r.status, "priority": r.priority, "system": false,
		"conditions": conditions, "actions": r.actions,
		"created": stamp(r.created), "lastUpdated": stamp(r.updated),
	}
}

func (f *Fake) server(r *http.Request) (*authServer, int, any) {
	as, ok := f.servers[r.PathValue("as")]
	if !ok {
		status, body := notFound("AuthorizationServer", r.PathValue("as"))
		return nil, status, body
	}
	return as, 0, nil
}

func (f *Fake) findPolicy(r *http.Request) (*authServer, *policy, int, any) {
	as, status, body := f.server(r)
	if as == nil {
		return nil, nil, status, body
	}
	for _, p := range as.policies {
		if p.id == r.PathValue("pid") {
			return as, p, 0, nil
		}
	}
	status, body = notFound("Policy", r.PathValue("pid"))
	return nil, nil, status, body
}

func (f *Fake) listPolicies(_ http.ResponseWriter, r *http.Request) (int, any) {
	as, status, body := f.server(r)
	if as == nil {
		return status, body
	}
	out := make([]map[string]any, 0, len(as.policies))
	for _, p := range as.policies {
		out = append(out, p.view())
	}
	return http.StatusOK, out
}

func checkPolicy(b policyBody) []string {
	var causes []string
	if b.Type != "OAUTH_AUTHORIZATION_POLICY" {
		causes = append(causes, "type: must be OAUTH_AUTHORIZATION_POLICY")
	}
	if b.Name == "" || len(b.Name) > 100 {
		causes = append(causes, "name: must be 1 to 100 characters")
	}
	if len(b.Conditions.Clients.Include) == 0 {
		causes = append(causes, "conditions.clients.include: The field cannot be left blank")
	}
	return causes
}

// place puts p at its priority (1 first), or last, and renumbers.
func place[T any](list []T, item T, priority int, set func(T, int)) []T {
	i := len(list)
	if priority >= 1 && priority-1 < len(list) {
		i = priority - 1
	}
	list = slices.Insert(list, i, item)
	for n, x := range list {
		set(x, n+1)
	}
	return list
}

func (f *Fake) createPolicy(_ http.ResponseWriter, r *http.Request) (int, any) {
	as, status, body := f.server(r)
	if as == nil {
		return status, body
	}
	var b policyBody
	if causes := bodyCauses(r, &b, checkPolicy); len(causes) > 0 {
		return invalid(causes...)
	}
	for _, p := range as.policies {
		if p.name == b.Name {
			return invalid("name: A policy with this name already exists")
		}
	}
	now := time.Now()
	p := &policy{id: f.nextID("00p"), name: b.Name, description: b.Description, status: orActive(b.Status),
		clients: b.Conditions.Clients.Include, created: now, updated: now}
	as.policies = place(as.policies, p, b.Priority, func(p *policy, n int) { p.priority = n })
	return http.StatusCreated, p.view()
}

func orActive(s string) string {
	if s == "" {
		return "ACTIVE"
	}
	return s
}

func (f *Fake) getPolicy(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, p, status, body := f.findPolicy(r)
	if p == nil {
		return status, body
	}
	return http.StatusOK, p.view()
}

func (f *Fake) replacePolicy(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, p, status, body := f.findPolicy(r)
	if p == nil {
		return status, body
	}
	var b policyBody
	if causes := bodyCauses(r, &b, checkPolicy); len(causes) > 0 {
		return invalid(causes...)
	}
	p.name, p.description, p.clients, p.status, p.updated = b.Name, b.Description, b.Conditions.Clients.Include, orActive(b.Status), time.Now()
	return http.StatusOK, p.view()
}

func (f *Fake) deletePolicy(_ http.ResponseWriter, r *http.Request) (int, any) {
	as, p, status, body := f.findPolicy(r)
	if p == nil {
		return status, body
	}
	as.policies = slices.DeleteFunc(as.policies, func(x *policy) bool { return x == p })
	return http.StatusNoContent, nil
}

func (f *Fake) listRules(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, p, status, body := f.findPolicy(r)
	if p == nil {
		return status, body
	}
	out := make([]map[string]any, 0, len(p.rules))
	for _, x := range p.rules {
		out = append(out, x.view())
	}
	return http.StatusOK, out
}

// checkRule validates a rule against the authorization server's scopes.
func checkRule(as *authServer, b ruleBody) []string {
	var causes []string
	if b.Type != "RESOURCE_ACCESS" {
		causes = append(causes, "type: must be RESOURCE_ACCESS")
	}
	if b.Name == "" {
		causes = append(causes, "name: The field cannot be left blank")
	}
	if len(b.Conditions.GrantTypes.Include) == 0 {
		causes = append(causes, "conditions.grantTypes.include: The field cannot be left blank")
	}
	if len(b.Conditions.Scopes.Include) == 0 {
		causes = append(causes, "conditions.scopes.include: The field cannot be left blank")
	}
	for _, s := range b.Conditions.Scopes.Include {
		if s != "*" && !slices.Contains(as.scopes, s) && !slices.Contains(oidcScopes, s) {
			causes = append(causes, "conditions.scopes.include: Invalid scope: "+s)
		}
	}
	return causes
}

// oidcScopes are the scopes every authorization server has.
var oidcScopes = []string{"openid", "profile", "email", "address", "phone", "offline_access", "device_sso"}

func (f *Fake) createRule(_ http.ResponseWriter, r *http.Request) (int, any) {
	as, p, status, body := f.findPolicy(r)
	if p == nil {
		return status, body
	}
	var b ruleBody
	if causes := bodyCauses(r, &b, func(b ruleBody) []string { return checkRule(as, b) }); len(causes) > 0 {
		return invalid(causes...)
	}
	now := time.Now()
	x := &rule{id: f.nextID("0pr"), created: now}
	x.set(b, now)
	p.rules = place(p.rules, x, b.Priority, func(x *rule, n int) { x.priority = n })
	return http.StatusCreated, x.view()
}

func (r *rule) set(b ruleBody, now time.Time) {
	r.name, r.status, r.updated = b.Name, orActive(b.Status), now
	r.grantTypes, r.scopes, r.people = b.Conditions.GrantTypes.Include, b.Conditions.Scopes.Include, b.Conditions.People.Groups.Include
	r.actions = b.Actions
	if r.actions == nil {
		r.actions = map[string]any{}
	}
}

func (f *Fake) findRule(r *http.Request) (*authServer, *policy, *rule, int, any) {
	as, p, status, body := f.findPolicy(r)
	if p == nil {
		return nil, nil, nil, status, body
	}
	for _, x := range p.rules {
		if x.id == r.PathValue("rid") {
			return as, p, x, 0, nil
		}
	}
	status, body = notFound("PolicyRule", r.PathValue("rid"))
	return nil, nil, nil, status, body
}

func (f *Fake) getRule(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, _, x, status, body := f.findRule(r)
	if x == nil {
		return status, body
	}
	return http.StatusOK, x.view()
}

func (f *Fake) replaceRule(_ http.ResponseWriter, r *http.Request) (int, any) {
	as, _, x, status, body := f.findRule(r)
	if x == nil {
		return status, body
	}
	var b ruleBody
	if causes := bodyCauses(r, &b, func(b ruleBody) []string { return checkRule(as, b) }); len(causes) > 0 {
		return invalid(causes...)
	}
	x.set(b, time.Now())
	return http.StatusOK, x.view()
}

func (f *Fake) deleteRule(_ http.ResponseWriter, r *http.Request) (int, any) {
	_, p, x, status, body := f.findRule(r)
	if x == nil {
		return status, body
	}
	p.rules = slices.DeleteFunc(p.rules, func(y *rule) bool { return y == x })
	return http.StatusNoContent, nil
}
