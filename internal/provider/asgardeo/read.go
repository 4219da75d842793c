package asgardeo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// read reads everything the adapter manages of one client: the
// application (found by its ID in state, or by client ID), its OIDC
// configuration, which must still be the client's, and its API
// authorizations.
func (p *Provider) read(ctx context.Context, clientID string, state provider.State) (remote, error) {
	appID, err := p.appID(ctx, clientID, state)
	if err != nil {
		return remote{}, err
	}
	r, err := p.readApp(ctx, appID)
	if err != nil {
		return remote{}, err
	}
	if r.oidc.ClientID != clientID {
		return remote{}, provider.Errorf(provider.KindNotFound, "application %q now holds client %q", appID, r.oidc.ClientID)
	}
	if r.grants, err = p.grants(ctx, appID); err != nil {
		return remote{}, err
	}
	return r, nil
}

// readApp reads an application and its OIDC configuration.
func (p *Provider) readApp(ctx context.Context, appID string) (remote, error) {
	var r remote
	a, err := p.expect(ctx, http.MethodGet, appPath(appID), ScopeView, nil, []int{http.StatusOK})
	if err != nil {
		return r, err
	}
	if err := decode(a, http.MethodGet, "/applications/{applicationId}", &r.app); err != nil {
		return r, err
	}
	if r.app.ID == "" {
		r.app.ID = appID
	}
	a, err = p.expect(ctx, http.MethodGet, oidcPath(appID), ScopeView, nil, []int{http.StatusOK})
	if err != nil {
		return r, fmt.Errorf("reading the OIDC configuration: %w", err)
	}
	where := "/applications/{applicationId}/inbound-protocols/oidc"
	if err := decode(a, http.MethodGet, where, &r.oidc); err != nil {
		return r, err
	}
	if err := json.Unmarshal(a.body, &r.oidcRaw); err != nil || r.oidcRaw == nil {
		return r, provider.Malformed(http.MethodGet, where, "not a JSON object")
	}
	if r.oidc.ClientID == "" {
		return r, provider.Malformed(http.MethodGet, where, "no clientId")
	}
	return r, nil
}

// appID is the application ID of a client: from state, else found by
// client ID.
func (p *Provider) appID(ctx context.Context, clientID string, state provider.State) (string, error) {
	if id := state[StateApplicationID]; id != "" {
		return id, nil
	}
	return p.findByClientID(ctx, clientID)
}

// findByClientID finds the application whose OIDC client ID is clientID.
func (p *Provider) findByClientID(ctx context.Context, clientID string) (string, error) {
	if clientID == "" {
		return "", provider.Errorf(provider.KindNotFound, "no client ID to look up")
	}
	q := url.Values{"filter": {"clientId eq " + clientID}, "limit": {"10"}}
	apps, _, err := p.page(ctx, q)
	if err != nil {
		return "", fmt.Errorf("finding the application of client %q: %w", clientID, err)
	}
	for _, a := range apps {
		if a.ClientID == clientID && a.ID != "" {
			return a.ID, nil
		}
	}
	return "", provider.Errorf(provider.KindNotFound, "no application holds client %q", clientID)
}

// listAnswer is ApplicationListResponse, as far as the adapter reads it.
type listAnswer struct {
	TotalResults int           `json:"totalResults"`
	Applications []application `json:"applications"`
}

// page reads one page of GET /applications and returns its applications
// and the total count.
func (p *Provider) page(ctx context.Context, q url.Values) ([]application, int, error) {
	a, err := p.expect(ctx, http.MethodGet, "/applications?"+q.Encode(), ScopeView, nil, []int{http.StatusOK})
	if err != nil {
		return nil, 0, err
	}
	var l listAnswer
	if err := decode(a, http.MethodGet, "/applications", &l); err != nil {
		return nil, 0, err
	}
	return l.Applications, l.TotalResults, nil
}

// List returns one page of the OIDC applications whose description
// carries marker (every one when marker is empty). The API filters only by
// name, clientId and issuer, so pages are read by limit and offset and the
// marker is matched here; the page token is the next offset. Each listed
// application's OIDC configuration and API authorizations are read too.
func (p *Provider) List(ctx context.Context, marker, page string) ([]provider.Client, string, error) {
	offset := 0
	if page != "" {
		n, err := strconv.Atoi(page)
		if err != nil || n < 0 {
			return nil, "", provider.Errorf(provider.KindInvalidMetadata, "listing clients: page token %q is not an offset", page)
		}
		offset = n
	}
	apps, total, err := p.page(ctx, url.Values{"limit": {strconv.Itoa(p.pageSize)}, "offset": {strconv.Itoa(offset)}})
	if err != nil {
		return nil, "", fmt.Errorf("listing clients: %w", err)
	}
	var out []provider.Client
	for _, a := range apps {
		if _, owner := splitMarker(a.Description); a.ClientID == "" || (marker != "" && owner != marker) {
			continue
		}
		// The list has no OIDC configuration or API authorization: read
		// each listed application's, so listed clients are whole.
		r, err := p.readApp(ctx, a.ID)
		if errors.Is(err, provider.ErrNotFound) {
			continue // deleted since the page was read
		}
		if err == nil {
			r.grants, err = p.grants(ctx, a.ID)
		}
		if err != nil {
			return nil, "", fmt.Errorf("listing clients: reading application %q: %w", a.ID, err)
		}
		c := r.client()
		c.ClientSecret = ""
		out = append(out, c)
	}
	next := ""
	if len(apps) > 0 && offset+len(apps) < total {
		next = strconv.Itoa(offset + len(apps))
	}
	return out, next, nil
}
