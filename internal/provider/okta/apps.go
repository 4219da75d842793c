package okta

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

const appsPath = "/api/v1/apps"

func appPath(id string) string { return appsPath + "/" + url.PathEscape(id) }

// getApp reads the app of clientID: by the app ID in state, else by
// looking the client_id up. An app that is gone, or that now holds another
// client_id, is KindNotFound.
func (p *Provider) getApp(ctx context.Context, clientID string, state provider.State) (wireApp, error) {
	id := state[stateAppID]
	if id == "" {
		a, found, err := p.findApp(ctx, clientID, url.Values{"filter": {`name eq "` + appName + `"`}})
		if err != nil {
			return wireApp{}, err
		}
		if !found {
			return wireApp{}, &provider.Error{Kind: provider.KindNotFound, Description: "no app has client_id " + strconv.Quote(clientID)}
		}
		return a, nil
	}
	r := request{method: http.MethodGet, path: appPath(id)}
	ans, err := p.do(ctx, r)
	if err != nil {
		return wireApp{}, err
	}
	a, err := parseApp(ans.body)
	if err != nil {
		return wireApp{}, provider.Malformed(r.method, r.path, err.Error())
	}
	if a.Credentials.OAuthClient.ClientID != clientID {
		return wireApp{}, &provider.Error{Kind: provider.KindNotFound, Description: "app " + strconv.Quote(id) + " no longer holds client_id " + strconv.Quote(clientID)}
	}
	return a, nil
}

// findApp pages through the apps that query selects and returns the one
// holding clientID.
func (p *Provider) findApp(ctx context.Context, clientID string, query url.Values) (wireApp, bool, error) {
	page := ""
	for range provider.MaxListPages {
		apps, next, err := p.listApps(ctx, query, page)
		if err != nil {
			return wireApp{}, false, fmt.Errorf("looking up client_id %q: %w", clientID, err)
		}
		for _, a := range apps {
			if a.Credentials.OAuthClient.ClientID == clientID {
				return a, true, nil
			}
		}
		if next == "" || next == page {
			return wireApp{}, false, nil
		}
		page = next
	}
	return wireApp{}, false, provider.Errorf(provider.KindTransient, "looking up client_id %q: more than %d pages", clientID, provider.MaxListPages)
}

// listApps reads one page of GET /api/v1/apps and returns the cursor of
// the next (Okta's after, from the rel="next" Link), "" after the last.
func (p *Provider) listApps(ctx context.Context, query url.Values, page string) ([]wireApp, string, error) {
	q := url.Values{"limit": {strconv.Itoa(p.pageSize)}}
	maps.Copy(q, query)
	if page != "" {
		q.Set("after", page)
	}
	r := request{method: http.MethodGet, path: appsPath, query: q}
	ans, err := p.do(ctx, r)
	if err != nil {
		return nil, "", err
	}
	var raws []rawJSON
	if err := decode(ans, r, &raws); err != nil {
		return nil, "", err
	}
	apps := make([]wireApp, 0, len(raws))
	for i, raw := range raws {
		a, err := parseApp(raw)
		if err != nil {
			return nil, "", provider.Malformed(r.method, r.path, fmt.Sprintf("item %d: %v", i, err))
		}
		a.Credentials.OAuthClient.ClientSecret = ""
		apps = append(apps, a)
	}
	next := nextAfter(ans.header)
	if len(raws) == 0 {
		next = ""
	}
	return apps, next, nil
}

// rawJSON keeps one list item as it came.
type rawJSON []byte

func (r *rawJSON) UnmarshalJSON(b []byte) error {
	*r = append((*r)[:0], b...)
	return nil
}

// nextAfter returns the after cursor of the rel="next" target of the Link
// headers (RFC 8288), "" when there is none. Only the cursor is taken: the
// link's host is what Okta saw, which a proxy may have changed.
func nextAfter(h http.Header) string {
	for _, v := range h.Values("Link") {
		for link := range strings.SplitSeq(v, ",") {
			target, params, ok := strings.Cut(strings.TrimSpace(link), ";")
			if !ok || !strings.HasPrefix(target, "<") || !strings.HasSuffix(target, ">") || !isNext(params) {
				continue
			}
			u, err := url.Parse(target[1 : len(target)-1])
			if err == nil {
				return u.Query().Get("after")
			}
		}
	}
	return ""
}

// isNext reports whether link parameters hold rel="next".
func isNext(params string) bool {
	for param := range strings.SplitSeq(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(param), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "rel") {
			for rel := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(v), `"`)) {
				if strings.EqualFold(rel, "next") {
					return true
				}
			}
		}
	}
	return false
}

// lifecycle activates or deactivates an app.
func (p *Provider) lifecycle(ctx context.Context, appID string, on bool) error {
	verb := "deactivate"
	if on {
		verb = "activate"
	}
	_, err := p.do(ctx, request{method: http.MethodPost, path: appPath(appID) + "/lifecycle/" + verb})
	return err
}

// deleteApp deactivates the app (Okta deletes inactive apps only) and
// deletes it; one already gone is not an error.
func (p *Provider) deleteApp(ctx context.Context, a wireApp) error {
	if a.Status == statusActive {
		if err := p.lifecycle(ctx, a.ID, false); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return fmt.Errorf("deactivating the app: %w", err)
		}
	}
	_, err := p.do(ctx, request{method: http.MethodDelete, path: appPath(a.ID)})
	if err != nil && !errors.Is(err, provider.ErrNotFound) {
		return err
	}
	return nil
}

// putApp replaces the app with spec's managed fields set.
func (p *Provider) putApp(ctx context.Context, a wireApp, spec provider.ClientSpec) (wireApp, error) {
	r := request{method: http.MethodPut, path: appPath(a.ID), body: putBody(a, spec, p.owner)}
	ans, err := p.do(ctx, r)
	if err != nil {
		return wireApp{}, err
	}
	out, err := parseApp(ans.body)
	if err != nil {
		return wireApp{}, provider.Malformed(r.method, r.path, err.Error())
	}
	out.Credentials.OAuthClient.ClientSecret = ""
	return out, nil
}
