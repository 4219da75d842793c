package entra

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// guid matches an Entra object or application ID.
var guid = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// grant is one resource API a client may get tokens for, resolved: the
// service principal of the resource in this tenant and the app roles the
// client holds on it. It is kept in the provider state so that Observe can
// report the server's requiredResourceAccess in the user's own words.
type grant struct {
	// Resource is the resource as written in spec.scopes (before /.default).
	Resource string `json:"resource"`
	// AppID is the resource's application ID (requiredResourceAccess's
	// resourceAppId).
	AppID string `json:"appId"`
	// SPID is the resource's service principal, which holds assignments.
	SPID string `json:"spId"`
	// Roles maps app role IDs to their values.
	Roles map[string]string `json:"roles,omitempty"`
}

// resolve finds the resource APIs of d in the tenant and the IDs of the
// app roles wanted on each. An unknown resource or role is the user's to
// fix, named by field.
func (p *Provider) resolve(ctx context.Context, d desired) ([]grant, error) {
	var out []grant
	for _, r := range d.resources {
		sp, err := p.resourceSP(ctx, r)
		if err != nil {
			return nil, err
		}
		g := grant{Resource: r, AppID: sp.AppID, SPID: sp.ID, Roles: map[string]string{}}
		for _, v := range d.roles[r] {
			id := ""
			for _, ar := range sp.AppRoles {
				if ar.Value == v && ar.IsEnabled && slices.Contains(ar.AllowedMemberTypes, "Application") {
					id = ar.ID
				}
			}
			if id == "" {
				return nil, invalid("spec.providerOptions.entra.appRoles", "%q is not an enabled application app role of resource %q", v, r)
			}
			g.Roles[id] = v
		}
		out = append(out, g)
	}
	return out, nil
}

// resourceSP finds the service principal of a resource named by its
// application ID or one of its names (identifier URIs).
func (p *Provider) resourceSP(ctx context.Context, resource string) (servicePrincipal, error) {
	const sel = "$select=id,appId,appRoles,servicePrincipalNames"
	if guid.MatchString(resource) {
		path := keyPath("servicePrincipals", "appId", resource) + "?" + sel
		var sp servicePrincipal
		err := p.getJSON(ctx, path, &sp)
		if provider.KindOf(err) == provider.KindNotFound {
			return sp, invalid("spec.scopes", "no service principal in the tenant has the application ID %q", resource)
		}
		return sp, err
	}
	q := url.Values{"$filter": {"servicePrincipalNames/any(n:n eq " + odataString(resource) + ")"}}
	path := "/servicePrincipals?" + q.Encode() + "&" + sel
	var pg page[servicePrincipal]
	if err := p.getJSON(ctx, path, &pg); err != nil {
		return servicePrincipal{}, fmt.Errorf("finding resource %q: %w", resource, err)
	}
	if len(pg.Value) != 1 {
		return servicePrincipal{}, invalid("spec.scopes", "%d service principals in the tenant have the name %q; want one", len(pg.Value), resource)
	}
	return pg.Value[0], nil
}

// requiredAccess renders grants as the application's
// requiredResourceAccess: the API permissions the portal shows.
func requiredAccess(gs []grant) []requiredResourceAccess {
	out := []requiredResourceAccess{}
	for _, g := range gs {
		ra := requiredResourceAccess{ResourceAppID: g.AppID, ResourceAccess: []resourceAccess{}}
		for _, id := range slices.Sorted(maps.Keys(g.Roles)) {
			ra.ResourceAccess = append(ra.ResourceAccess, resourceAccess{ID: id, Type: "Role"})
		}
		out = append(out, ra)
	}
	return out
}

// assign makes the app role assignments of the client's service principal
// on each resource match want: missing ones are granted, ones no longer
// wanted are removed. before are the grants the client had (their
// resources are checked too, so a removed scope loses its roles).
func (p *Provider) assign(ctx context.Context, clientSP string, before, want []grant) error {
	resources := map[string]grant{}
	for _, g := range before {
		resources[g.SPID] = grant{SPID: g.SPID, Resource: g.Resource}
	}
	for _, g := range want {
		resources[g.SPID] = g
	}
	for _, spID := range slices.Sorted(maps.Keys(resources)) {
		g := resources[spID]
		have, err := p.assignments(ctx, spID, clientSP)
		if err != nil {
			return fmt.Errorf("reading the app roles of the client on %q: %w", g.Resource, err)
		}
		for id := range g.Roles {
			if _, ok := have[id]; ok {
				continue
			}
			body := appRoleAssignment{PrincipalID: clientSP, ResourceID: spID, AppRoleID: id}
			if _, err := p.do(ctx, http.MethodPost, "/servicePrincipals/"+url.PathEscape(spID)+"/appRoleAssignedTo", body, nil, http.StatusCreated, http.StatusOK); err != nil {
				return fmt.Errorf("granting app role %q of %q: %w", g.Roles[id], g.Resource, err)
			}
		}
		for roleID, assignmentID := range have {
			if _, ok := g.Roles[roleID]; ok {
				continue
			}
			path := "/servicePrincipals/" + url.PathEscape(spID) + "/appRoleAssignedTo/" + url.PathEscape(assignmentID)
			if _, err := p.do(ctx, http.MethodDelete, path, nil, nil, http.StatusNoContent, http.StatusOK, http.StatusNotFound); err != nil {
				return fmt.Errorf("removing an app role of %q: %w", g.Resource, err)
			}
		}
	}
	return nil
}

// assignments are the client's app role assignments on one resource:
// app role ID to assignment ID.
func (p *Provider) assignments(ctx context.Context, resourceSP, clientSP string) (map[string]string, error) {
	q := url.Values{"$filter": {"principalId eq " + clientSP}}
	path := "/servicePrincipals/" + url.PathEscape(resourceSP) + "/appRoleAssignedTo?" + q.Encode()
	out := map[string]string{}
	for path != "" {
		var pg page[appRoleAssignment]
		if err := p.getJSON(ctx, path, &pg); err != nil {
			return nil, err
		}
		for _, a := range pg.Value {
			if a.PrincipalID == clientSP {
				out[a.AppRoleID] = a.ID
			}
		}
		next, err := p.relative(pg.NextLink)
		if err != nil {
			return nil, err
		}
		path = next
	}
	return out, nil
}

// encodeGrants and decodeGrants keep grants in the provider state.
func encodeGrants(gs []grant) string {
	b, _ := json.Marshal(gs) // plain strings and maps: cannot fail
	return string(b)
}

func decodeGrants(s string) []grant {
	var gs []grant
	_ = json.Unmarshal([]byte(s), &gs) // unreadable state only loses the user's wording
	return gs
}

// describe names the resource APIs of apps that the state does not know
// (a listed or adopted application): each resource by its first identifier
// URI (its appId when it has none), with its app role values. A resource
// that cannot be read keeps its appId and role IDs.
func (p *Provider) describe(ctx context.Context, apps []application, known []grant) []grant {
	seen := map[string]bool{}
	for _, g := range known {
		seen[g.AppID] = true
	}
	out := slices.Clone(known)
	for _, app := range apps {
		for _, ra := range app.RequiredResourceAccess {
			if seen[ra.ResourceAppID] || !guid.MatchString(ra.ResourceAppID) {
				continue
			}
			seen[ra.ResourceAppID] = true
			var sp servicePrincipal
			path := keyPath("servicePrincipals", "appId", ra.ResourceAppID) + "?$select=id,appId,appRoles,servicePrincipalNames"
			if err := p.getJSON(ctx, path, &sp); err != nil {
				continue
			}
			g := grant{Resource: ra.ResourceAppID, AppID: ra.ResourceAppID, SPID: sp.ID, Roles: map[string]string{}}
			for _, n := range sp.ServicePrincipalNames {
				if !guid.MatchString(n) {
					g.Resource = n
					break
				}
			}
			for _, r := range sp.AppRoles {
				g.Roles[r.ID] = r.Value
			}
			out = append(out, g)
		}
	}
	return out
}
