package okta

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// An Okta app holds no scopes: which scopes a client gets, with which
// grant types, is decided by the access policies of the custom
// authorization server. Each client gets a policy of its own that applies
// to it alone (conditions.clients.include = [client_id]), first in
// priority, with one rule that allows its grant types and scopes. The
// policy goes with the client.

// State keys.
const (
	stateAppID    = "appId"
	statePolicyID = "policyId"
	stateRuleID   = "ruleId"
)

const (
	policyType = "OAUTH_AUTHORIZATION_POLICY"
	ruleType   = "RESOURCE_ACCESS"
	ruleName   = "oauth-client-operator"
	// anyScope is what a rule holds when the client asks for no scopes: any
	// scope of the authorization server.
	anyScope = "*"
	// everyone is Okta's group of all users, which a rule must name for
	// grants on behalf of users.
	everyone = "EVERYONE"
	// maxPolicyName is Okta's limit on a policy name.
	maxPolicyName = 100
)

// access is a client's access policy and rule as the server holds them.
type access struct {
	policyID, ruleID string
	scopes           []string
	grantTypes       []string
}

func (a *access) found() bool { return a != nil && a.policyID != "" && a.ruleID != "" }

// policyName is the name of the access policy of clientID.
func policyName(clientID string) string {
	name := "oauth-client-operator " + clientID
	if len(name) <= maxPolicyName {
		return name
	}
	sum := sha256.Sum256([]byte(clientID))
	return "oauth-client-operator " + hex.EncodeToString(sum[:16])
}

type wirePolicy struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Conditions struct {
		Clients struct {
			Include []string `json:"include"`
		} `json:"clients"`
	} `json:"conditions"`
}

type wireRule struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Conditions struct {
		GrantTypes struct {
			Include []string `json:"include"`
		} `json:"grantTypes"`
		Scopes struct {
			Include []string `json:"include"`
		} `json:"scopes"`
	} `json:"conditions"`
}

func (p *Provider) policiesPath() string {
	return "/api/v1/authorizationServers/" + url.PathEscape(p.authServer) + "/policies"
}

func (p *Provider) policyPath(id string) string { return p.policiesPath() + "/" + url.PathEscape(id) }

func (p *Provider) rulesPath(policyID string) string { return p.policyPath(policyID) + "/rules" }

// loadAccess reads the client's access policy and rule: by the IDs in
// state, else by the policy's name. A missing policy or rule is not an
// error: the result then says so (found is false).
func (p *Provider) loadAccess(ctx context.Context, clientID string, state provider.State) (*access, error) {
	pol, err := p.findPolicy(ctx, clientID, state[statePolicyID])
	if err != nil || pol == nil {
		return &access{}, err
	}
	return p.accessOf(ctx, pol, state[stateRuleID])
}

// accessOf reads the rule of a policy: by its ID when known, else by name.
func (p *Provider) accessOf(ctx context.Context, pol *wirePolicy, ruleID string) (*access, error) {
	acc := &access{policyID: pol.ID}
	rule, err := p.findRule(ctx, pol.ID, ruleID)
	if err != nil || rule == nil {
		return acc, err
	}
	acc.ruleID, acc.grantTypes = rule.ID, rule.Conditions.GrantTypes.Include
	if s := rule.Conditions.Scopes.Include; !slices.Equal(s, []string{anyScope}) {
		acc.scopes = s
	}
	return acc, nil
}

// findPolicy returns the client's policy, nil when there is none.
func (p *Provider) findPolicy(ctx context.Context, clientID, id string) (*wirePolicy, error) {
	if id != "" {
		r := request{method: http.MethodGet, path: p.policyPath(id)}
		a, err := p.do(ctx, r)
		switch {
		case errors.Is(err, provider.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("reading the access policy: %w", err)
		default:
			var pol wirePolicy
			if err := decode(a, r, &pol); err != nil {
				return nil, err
			}
			if pol.ID == id && slices.Contains(pol.Conditions.Clients.Include, clientID) {
				return &pol, nil
			}
		}
	}
	all, err := p.listPolicies(ctx)
	if err != nil {
		return nil, err
	}
	return all.of(clientID), nil
}

// policies are the access policies of the authorization server.
type policies []wirePolicy

// of returns the policy of clientID, nil when there is none.
func (all policies) of(clientID string) *wirePolicy {
	for _, pol := range all {
		if pol.Name == policyName(clientID) && slices.Contains(pol.Conditions.Clients.Include, clientID) {
			return &pol
		}
	}
	return nil
}

// listPolicies reads the access policies of the authorization server.
func (p *Provider) listPolicies(ctx context.Context) (policies, error) {
	r := request{method: http.MethodGet, path: p.policiesPath()}
	a, err := p.do(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("listing the access policies of authorization server %q: %w", p.authServer, err)
	}
	var all policies
	if err := decode(a, r, &all); err != nil {
		return nil, err
	}
	return all, nil
}

// findRule returns the operator's rule of a policy, nil when there is none.
func (p *Provider) findRule(ctx context.Context, policyID, id string) (*wireRule, error) {
	if id != "" {
		r := request{method: http.MethodGet, path: p.rulesPath(policyID) + "/" + url.PathEscape(id)}
		a, err := p.do(ctx, r)
		switch {
		case errors.Is(err, provider.ErrNotFound):
		case err != nil:
			return nil, fmt.Errorf("reading the access policy rule: %w", err)
		default:
			var rule wireRule
			if err := decode(a, r, &rule); err != nil {
				return nil, err
			}
			if rule.ID == id {
				return &rule, nil
			}
		}
	}
	r := request{method: http.MethodGet, path: p.rulesPath(policyID)}
	a, err := p.do(ctx, r)
	if err != nil {
		return nil, fmt.Errorf("listing the rules of the access policy: %w", err)
	}
	var all []wireRule
	if err := decode(a, r, &all); err != nil {
		return nil, err
	}
	for _, rule := range all {
		if rule.Name == ruleName {
			return &rule, nil
		}
	}
	return nil, nil
}

// ensureAccess makes the client's access policy and rule match spec,
// creating what is missing and writing only what differs, and returns state
// with their IDs.
func (p *Provider) ensureAccess(ctx context.Context, clientID string, state provider.State, spec provider.ClientSpec) (provider.State, error) {
	acc, err := p.loadAccess(ctx, clientID, state)
	if err != nil {
		return nil, err
	}
	if acc.policyID == "" {
		if acc.policyID, err = p.createPolicy(ctx, clientID); err != nil {
			return nil, err
		}
	}
	scopes := ruleScopes(spec)
	want := ruleBody(grantTypes(spec), scopes)
	switch {
	case acc.ruleID == "":
		r := request{method: http.MethodPost, path: p.rulesPath(acc.policyID), body: want}
		a, err := p.do(ctx, r)
		if err != nil {
			return nil, fmt.Errorf("adding the rule to the access policy: %w", err)
		}
		var rule wireRule
		if err := decode(a, r, &rule); err != nil {
			return nil, err
		}
		if rule.ID == "" {
			return nil, provider.Malformed(r.method, r.path, "field id is missing")
		}
		acc.ruleID = rule.ID
	case !provider.SameSet(acc.grantTypes, grantTypes(spec)) || !provider.SameSet(ruleScopesOf(acc), scopes):
		r := request{method: http.MethodPut, path: p.rulesPath(acc.policyID) + "/" + url.PathEscape(acc.ruleID), body: want}
		if _, err := p.do(ctx, r); err != nil {
			return nil, fmt.Errorf("updating the rule of the access policy: %w", err)
		}
	}
	out := provider.State{}
	maps.Copy(out, state)
	out[statePolicyID], out[stateRuleID] = acc.policyID, acc.ruleID
	return out, nil
}

// createPolicy adds the client's access policy, first in priority.
func (p *Provider) createPolicy(ctx context.Context, clientID string) (string, error) {
	body := map[string]any{
		"type":        policyType,
		"name":        policyName(clientID),
		"description": "Managed by oauth-client-operator: the grants and scopes of one client.",
		"priority":    1,
		"status":      statusActive,
		"conditions":  map[string]any{"clients": map[string]any{"include": []string{clientID}}},
	}
	r := request{method: http.MethodPost, path: p.policiesPath(), body: body}
	a, err := p.do(ctx, r)
	if err != nil {
		return "", fmt.Errorf("adding the access policy on authorization server %q: %w", p.authServer, err)
	}
	var pol wirePolicy
	if err := decode(a, r, &pol); err != nil {
		return "", err
	}
	if pol.ID == "" {
		return "", provider.Malformed(r.method, r.path, "field id is missing")
	}
	return pol.ID, nil
}

// removeAccess deletes the client's access policy (its rules go with it);
// one already gone is not an error.
func (p *Provider) removeAccess(ctx context.Context, clientID string, state provider.State) error {
	pol, err := p.findPolicy(ctx, clientID, state[statePolicyID])
	if err != nil || pol == nil {
		return err
	}
	_, err = p.do(ctx, request{method: http.MethodDelete, path: p.policyPath(pol.ID)})
	if err != nil && !errors.Is(err, provider.ErrNotFound) {
		return fmt.Errorf("deleting the access policy: %w", err)
	}
	return nil
}

// ruleScopes are the scopes the rule allows for spec.
func ruleScopes(spec provider.ClientSpec) []string {
	if len(spec.Scopes) == 0 {
		return []string{anyScope}
	}
	return spec.Scopes
}

func ruleScopesOf(acc *access) []string {
	if len(acc.scopes) == 0 {
		return []string{anyScope}
	}
	return acc.scopes
}

// ruleBody is the operator's rule: the client's grant types and scopes,
// for everyone (the users of an authorization_code client).
func ruleBody(grants, scopes []string) map[string]any {
	return map[string]any{
		"name":     ruleName,
		"type":     ruleType,
		"priority": 1,
		"status":   statusActive,
		"conditions": map[string]any{
			"people":     map[string]any{"groups": map[string]any{"include": []string{everyone}}},
			"grantTypes": map[string]any{"include": grants},
			"scopes":     map[string]any{"include": scopes},
		},
		"actions": map[string]any{"token": map[string]any{
			"accessTokenLifetimeMinutes":  60,
			"refreshTokenLifetimeMinutes": 0,
			"refreshTokenWindowMinutes":   10080,
		}},
	}
}
