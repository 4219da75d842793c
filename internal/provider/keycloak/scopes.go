package keycloak

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// scopeKind is "default" or "optional": which of a client's client-scope
// lists.
type scopeKind string

const (
	defaultScopes  scopeKind = "default"
	optionalScopes scopeKind = "optional"
)

// named is the id and name of a client scope or role.
type named struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// realmScopes are the realm's client scopes, by name.
func (p *Provider) realmScopes(ctx context.Context) (map[string]string, error) {
	var list []named
	if err := p.getJSON(ctx, "/client-scopes", &list); err != nil {
		return nil, fmt.Errorf("reading the realm's client scopes: %w", err)
	}
	out := make(map[string]string, len(list))
	for _, s := range list {
		out[s.Name] = s.ID
	}
	return out, nil
}

// checkScopes refuses a scope the realm does not have, naming it and the
// field it came from.
func checkScopes(realm map[string]string, field string, names []string) error {
	for _, n := range names {
		if _, ok := realm[n]; !ok {
			return provider.Errorf(provider.KindInvalidMetadata, "%s: the realm has no client scope %q; create it in Keycloak first", field, n)
		}
	}
	return nil
}

// clientScopes are the names of the client's default or optional client
// scopes.
func (p *Provider) clientScopes(ctx context.Context, id string, kind scopeKind) ([]string, error) {
	var list []named
	if err := p.getJSON(ctx, clientPath(id)+"/"+string(kind)+"-client-scopes", &list); err != nil {
		return nil, fmt.Errorf("reading the client's %s client scopes: %w", kind, err)
	}
	names := make([]string, 0, len(list))
	for _, s := range list {
		names = append(names, s.Name)
	}
	return names, nil
}

// syncScopes makes the client's default or optional client scopes exactly
// want: it adds the missing ones and removes the others.
func (p *Provider) syncScopes(ctx context.Context, id string, kind scopeKind, realm map[string]string, have, want []string) error {
	path := clientPath(id) + "/" + string(kind) + "-client-scopes/"
	for _, n := range want {
		if !slices.Contains(have, n) {
			if _, err := p.call(ctx, http.MethodPut, path+url.PathEscape(realm[n]), nil, nil); err != nil {
				return fmt.Errorf("adding %s client scope %q: %w", kind, n, err)
			}
		}
	}
	for _, n := range have {
		if slices.Contains(want, n) {
			continue
		}
		sid, ok := realm[n]
		if !ok {
			continue // gone from the realm meanwhile: nothing to remove
		}
		if _, err := p.call(ctx, http.MethodDelete, path+url.PathEscape(sid), nil, nil); err != nil {
			return fmt.Errorf("removing %s client scope %q: %w", kind, n, err)
		}
	}
	return nil
}
