package asgardeo

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// policyRBAC is the authorization policy the adapter authorizes APIs with
// (the console's default, "Role-Based Access Control").
const policyRBAC = "RBAC"

// authorizedAPI is one entry of GET /applications/{id}/authorized-apis.
type authorizedAPI struct {
	ID               string `json:"id"`
	Identifier       string `json:"identifier"`
	AuthorizedScopes []struct {
		Name string `json:"name"`
	} `json:"authorizedScopes"`
}

// grants reads the API authorizations of an application.
func (p *Provider) grants(ctx context.Context, appID string) ([]apiGrant, error) {
	path := appPath(appID) + "/authorized-apis"
	a, err := p.expect(ctx, http.MethodGet, path, ScopeView, nil, []int{http.StatusOK})
	if err != nil {
		return nil, err
	}
	var list []authorizedAPI
	if err := json.Unmarshal(a.body, &list); err != nil {
		return nil, provider.Malformed(http.MethodGet, path, "not a JSON array of authorized APIs")
	}
	out := make([]apiGrant, 0, len(list))
	for i, api := range list {
		if api.ID == "" {
			return nil, provider.Malformed(http.MethodGet, path, fmt.Sprintf("item %d has no id", i))
		}
		g := apiGrant{ID: api.ID, Identifier: api.Identifier}
		for _, s := range api.AuthorizedScopes {
			g.Scopes = append(g.Scopes, s.Name)
		}
		g.Scopes = sorted(g.Scopes)
		out = append(out, g)
	}
	slices.SortFunc(out, func(a, b apiGrant) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

// match finds the observed grant a desired one is about.
func match(desired apiGrant, observed []apiGrant) (apiGrant, bool) {
	for _, o := range observed {
		if (desired.ID != "" && o.ID == desired.ID) || (desired.ID == "" && o.Identifier == desired.Identifier) {
			return o, true
		}
	}
	return apiGrant{}, false
}

// grantsDiffer reports whether the observed authorizations differ from the
// desired ones.
func grantsDiffer(desired, observed []apiGrant) bool {
	if len(desired) != len(observed) {
		return true
	}
	for _, d := range desired {
		o, ok := match(d, observed)
		if !ok || !slices.Equal(d.Scopes, o.Scopes) {
			return true
		}
	}
	return false
}

// syncGrants makes the application's API authorizations match desired:
// new APIs are authorized, changed scopes patched, APIs no longer wanted
// removed. Nothing is sent for an API whose scopes are right.
func (p *Provider) syncGrants(ctx context.Context, appID string, desired, observed []apiGrant) error {
	keep := map[string]bool{}
	for _, d := range desired {
		o, found := match(d, observed)
		if !found {
			id := d.ID
			if id == "" {
				var err error
				if id, err = p.resolveAPI(ctx, d.Identifier); err != nil {
					return err
				}
			}
			keep[id] = true
			path := appPath(appID) + "/authorized-apis"
			body := map[string]any{"id": id, "policyIdentifier": policyRBAC, "scopes": d.Scopes}
			if _, err := p.expect(ctx, http.MethodPost, path, ScopeUpdate, body, []int{http.StatusCreated, http.StatusOK}); err != nil {
				return fmt.Errorf("authorizing API %s: %w", grantName(d), err)
			}
			continue
		}
		keep[o.ID] = true
		added := slices.DeleteFunc(slices.Clone(d.Scopes), func(s string) bool { return slices.Contains(o.Scopes, s) })
		removed := slices.DeleteFunc(slices.Clone(o.Scopes), func(s string) bool { return slices.Contains(d.Scopes, s) })
		if len(added) == 0 && len(removed) == 0 {
			continue
		}
		path := appPath(appID) + "/authorized-apis/" + url.PathEscape(o.ID)
		body := map[string]any{"addedScopes": nonNil(added), "removedScopes": nonNil(removed)}
		if _, err := p.expect(ctx, http.MethodPatch, path, ScopeUpdate, body, []int{http.StatusOK, http.StatusNoContent}); err != nil {
			return fmt.Errorf("changing the scopes of API %s: %w", grantName(d), err)
		}
	}
	for _, o := range observed {
		if keep[o.ID] {
			continue
		}
		path := appPath(appID) + "/authorized-apis/" + url.PathEscape(o.ID)
		if _, err := p.expect(ctx, http.MethodDelete, path, ScopeUpdate, nil, []int{http.StatusNoContent, http.StatusOK, http.StatusNotFound}); err != nil {
			return fmt.Errorf("removing the authorization of API %s: %w", grantName(o), err)
		}
	}
	return nil
}

// resolveAPI finds the ID of the API resource with this identifier
// (GET /api-resources?filter=identifier eq ..., the API Resource
// Management API).
func (p *Provider) resolveAPI(ctx context.Context, identifier string) (string, error) {
	path := "/api-resources?" + url.Values{"filter": {"identifier eq " + identifier}}.Encode()
	a, err := p.expect(ctx, http.MethodGet, path, ScopeAPIView, nil, []int{http.StatusOK})
	if err != nil {
		return "", fmt.Errorf("looking up API resource %q: %w", identifier, err)
	}
	var list struct {
		APIResources []struct {
			ID         string `json:"id"`
			Identifier string `json:"identifier"`
		} `json:"apiResources"`
	}
	if err := decode(a, http.MethodGet, "/api-resources", &list); err != nil {
		return "", err
	}
	for _, r := range list.APIResources {
		if r.Identifier == identifier && r.ID != "" {
			return r.ID, nil
		}
	}
	return "", provider.Errorf(provider.KindInvalidMetadata,
		"spec.audience (or authorizedAPIs[].identifier): the organization has no API resource with identifier %q; register it first", identifier)
}

// grantName names an API for a message.
func grantName(g apiGrant) string {
	if g.Identifier != "" {
		return fmt.Sprintf("%q", g.Identifier)
	}
	return fmt.Sprintf("id %q", g.ID)
}

// encodeGrants renders grants for Spec.Extra[ExtraAuthorizedAPIs] (JSON,
// sorted), so an observed client shows them and Diff can compare them.
func encodeGrants(gs []apiGrant) string {
	if len(gs) == 0 {
		return ""
	}
	out := slices.Clone(gs)
	slices.SortFunc(out, func(a, b apiGrant) int { return strings.Compare(a.ID+a.Identifier, b.ID+b.Identifier) })
	b, _ := json.Marshal(out) // strings only: cannot fail
	return string(b)
}

// decodeGrants is the inverse of encodeGrants; what it cannot read is
// no grant.
func decodeGrants(s string) []apiGrant {
	var gs []apiGrant
	if s != "" {
		_ = json.Unmarshal([]byte(s), &gs)
	}
	return gs
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
