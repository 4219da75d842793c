package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// serviceAccountUser is the id of the client's service-account user.
func (p *Provider) serviceAccountUser(ctx context.Context, id string) (string, error) {
	var u named
	if err := p.getJSON(ctx, clientPath(id)+"/service-account-user", &u); err != nil {
		return "", fmt.Errorf("reading the client's service-account user: %w", err)
	}
	if u.ID == "" {
		return "", provider.Malformed(http.MethodGet, clientPath(id)+"/service-account-user", "field id is missing")
	}
	return u.ID, nil
}

// mappings is a user's role mappings, as GET .../role-mappings answers.
type mappings struct {
	Realm   []named `json:"realmMappings"`
	Clients map[string]struct {
		ID       string  `json:"id"`
		Mappings []named `json:"mappings"`
	} `json:"clientMappings"`
}

func userPath(user string) string { return "/users/" + url.PathEscape(user) }

// assignedRoles are the roles mapped to the user directly.
func (p *Provider) assignedRoles(ctx context.Context, user string) (mappings, []roleRef, error) {
	var m mappings
	if err := p.getJSON(ctx, userPath(user)+"/role-mappings", &m); err != nil {
		return mappings{}, nil, fmt.Errorf("reading the service account's roles: %w", err)
	}
	var refs []roleRef
	for _, r := range m.Realm {
		refs = append(refs, roleRef{Name: r.Name})
	}
	for c, cm := range m.Clients {
		for _, r := range cm.Mappings {
			refs = append(refs, roleRef{Client: c, Name: r.Name})
		}
	}
	return m, sortRoles(refs), nil
}

// syncRoles gives the user the roles in want and takes away those in
// managed (the ones the operator gave before) that want no longer has;
// roles given by anyone else stay. It returns the roles the operator now
// manages.
func (p *Provider) syncRoles(ctx context.Context, user string, want, managed []roleRef) ([]roleRef, error) {
	m, have, err := p.assignedRoles(ctx, user)
	if err != nil {
		return managed, err
	}
	var add, remove []roleRef
	for _, r := range want {
		if !slices.Contains(have, r) {
			add = append(add, r)
		}
	}
	for _, r := range managed {
		if !slices.Contains(want, r) && slices.Contains(have, r) {
			remove = append(remove, r)
		}
	}
	if err := p.addRoles(ctx, user, add); err != nil {
		return managed, err
	}
	if err := p.removeRoles(ctx, user, m, remove); err != nil {
		return want, err
	}
	return want, nil
}

// byClient groups roles by client ("" for realm roles).
func byClient(rs []roleRef) map[string][]string {
	out := map[string][]string{}
	for _, r := range rs {
		out[r.Client] = append(out[r.Client], r.Name)
	}
	return out
}

// addRoles maps roles to the user, finding each among the roles the user
// may still be given (.../available), so the operator needs no right to
// read the realm's roles.
func (p *Provider) addRoles(ctx context.Context, user string, rs []roleRef) error {
	for client, names := range byClient(rs) {
		path, field := userPath(user)+"/role-mappings/realm", "spec.providerOptions.keycloak.serviceAccountRealmRoles"
		if client != "" {
			cid, err := p.clientUUID(ctx, client)
			if err != nil {
				if provider.KindOf(err) == provider.KindNotFound {
					return provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions.keycloak.serviceAccountClientRoles: the realm has no client %q", client)
				}
				return fmt.Errorf("finding client %q for its roles: %w", client, err)
			}
			path, field = userPath(user)+"/role-mappings/clients/"+url.PathEscape(cid), "spec.providerOptions.keycloak.serviceAccountClientRoles"
		}
		var available []named
		if err := p.getJSON(ctx, path+"/available", &available); err != nil {
			return fmt.Errorf("reading the roles the service account may be given: %w", err)
		}
		var reps []named
		for _, n := range names {
			i := slices.IndexFunc(available, func(r named) bool { return r.Name == n })
			if i < 0 {
				return provider.Errorf(provider.KindInvalidMetadata, "%s: %s does not exist", field, roleRef{Client: client, Name: n})
			}
			reps = append(reps, available[i])
		}
		if _, err := p.call(ctx, http.MethodPost, path, nil, reps); err != nil {
			return fmt.Errorf("giving the service account %d roles: %w", len(reps), err)
		}
	}
	return nil
}

// removeRoles unmaps roles from the user; m is the user's mappings, which
// hold the roles' ids.
func (p *Provider) removeRoles(ctx context.Context, user string, m mappings, rs []roleRef) error {
	for client, names := range byClient(rs) {
		path, from := userPath(user)+"/role-mappings/realm", m.Realm
		if client != "" {
			cm := m.Clients[client]
			path, from = userPath(user)+"/role-mappings/clients/"+url.PathEscape(cm.ID), cm.Mappings
		}
		var reps []named
		for _, r := range from {
			if slices.Contains(names, r.Name) {
				reps = append(reps, r)
			}
		}
		if len(reps) == 0 {
			continue
		}
		if _, err := p.call(ctx, http.MethodDelete, path, nil, reps); err != nil {
			return fmt.Errorf("taking %d roles from the service account: %w", len(reps), err)
		}
	}
	return nil
}
