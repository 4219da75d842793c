package auth0

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const grantsPath = "/client-grants"

// maxGrantPages bounds the pages of one client's grants.
const maxGrantPages = 100

// grants reads the client's grants, following Auth0's pages. System
// grants (Auth0's own, which cannot be changed) are left out.
func (p *Provider) grants(ctx context.Context, clientID string) ([]wireGrant, error) {
	var out []wireGrant
	for n := range maxGrantPages {
		q := url.Values{"client_id": {clientID}, "page": {strconv.Itoa(n)},
			"per_page": {strconv.Itoa(DefaultPageSize)}, "include_totals": {"true"}}
		status, header, body, err := p.send(ctx, http.MethodGet, grantsPath, q, nil, nil)
		if err != nil {
			return nil, fmt.Errorf("reading the client grants: %w", err)
		}
		if status != http.StatusOK {
			return nil, fmt.Errorf("reading the client grants: %w", statusError(status, header, body))
		}
		var page struct {
			Grants []wireGrant `json:"client_grants"`
			Total  int         `json:"total"`
		}
		if err := decode(body, &page); err != nil {
			return nil, fmt.Errorf("reading the client grants: %w", provider.Malformed(http.MethodGet, grantsPath, err.Error()))
		}
		for _, g := range page.Grants {
			if g.ID == "" {
				return nil, fmt.Errorf("reading the client grants: %w", provider.Malformed(http.MethodGet, grantsPath, "a grant without id"))
			}
			// The query asked for this client's grants; a server that
			// ignores the filter must not make the adapter touch others.
			if g.ClientID == clientID && !g.IsSystem {
				out = append(out, g)
			}
		}
		if len(page.Grants) == 0 || (n+1)*DefaultPageSize >= page.Total {
			return out, nil
		}
	}
	return nil, fmt.Errorf("reading the client grants: %w", provider.Errorf(provider.KindTransient, "more than %d pages", maxGrantPages))
}

// grantMap is grants as audience → scopes.
func grantMap(gs []wireGrant) map[string][]string {
	m := make(map[string][]string, len(gs))
	for _, g := range gs {
		m[g.Audience] = normalize(append(m[g.Audience], g.Scope...))
	}
	return m
}

// syncGrants makes the client's grants match want (audience → scopes):
// creates the missing ones, sets the scopes of those that differ, deletes
// the others. With nothing to change it sends nothing.
func (p *Provider) syncGrants(ctx context.Context, clientID string, want map[string][]string, have []wireGrant) error {
	seen := map[string]bool{}
	for _, g := range have {
		scopes, wanted := want[g.Audience]
		switch {
		case !wanted || seen[g.Audience]:
			if err := p.deleteGrant(ctx, g.ID); err != nil {
				return err
			}
		case !provider.SameSet(scopes, g.Scope):
			if err := p.patchGrant(ctx, g.ID, scopes); err != nil {
				return err
			}
		}
		seen[g.Audience] = true
	}
	for _, aud := range slices.Sorted(maps.Keys(want)) {
		if !seen[aud] {
			if err := p.createGrant(ctx, clientID, aud, want[aud]); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *Provider) createGrant(ctx context.Context, clientID, audience string, scopes []string) error {
	body := map[string]any{"client_id": clientID, "audience": audience, "scope": normalize(scopes)}
	status, header, data, err := p.send(ctx, http.MethodPost, grantsPath, nil, body, nil)
	if err == nil && status != http.StatusCreated && status != http.StatusOK {
		err = statusError(status, header, data)
	}
	if err != nil {
		return fmt.Errorf("granting the client API %q: %w", audience, err)
	}
	return nil
}

func (p *Provider) patchGrant(ctx context.Context, id string, scopes []string) error {
	path := grantsPath + "/" + url.PathEscape(id)
	status, header, data, err := p.send(ctx, http.MethodPatch, path, nil, map[string]any{"scope": normalize(scopes)}, nil)
	if err == nil && status != http.StatusOK {
		err = statusError(status, header, data)
	}
	if err != nil {
		return fmt.Errorf("changing the scopes of client grant %q: %w", id, err)
	}
	return nil
}

func (p *Provider) deleteGrant(ctx context.Context, id string) error {
	path := grantsPath + "/" + url.PathEscape(id)
	status, header, data, err := p.send(ctx, http.MethodDelete, path, nil, nil, nil)
	if err == nil && status != http.StatusNoContent && status != http.StatusOK && status != http.StatusNotFound {
		err = statusError(status, header, data)
	}
	if err != nil {
		return fmt.Errorf("deleting client grant %q: %w", id, err)
	}
	return nil
}
