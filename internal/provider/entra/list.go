package entra

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// List returns one page of the applications tagged with marker (all the
// credentials can see when empty); the page token is Graph's
// @odata.nextLink.
func (p *Provider) List(ctx context.Context, marker, pageToken string) ([]provider.Client, string, error) {
	path := pageToken
	if path == "" {
		q := url.Values{"$top": {fmt.Sprint(p.pageSize)}}
		if marker != "" {
			q.Set("$filter", "tags/any(t:t eq "+odataString(ownerTag(marker))+")")
		}
		path = "/applications?" + q.Encode() + "&$select=" + appSelect
	} else if !strings.HasPrefix(path, "/") {
		return nil, "", provider.Errorf(provider.KindInvalidMetadata, "listing applications: the page token is not one of the adapter's")
	}
	var pg page[application]
	if err := p.getJSON(ctx, path, &pg); err != nil {
		return nil, "", fmt.Errorf("listing applications: %w", err)
	}
	out := make([]provider.Client, 0, len(pg.Value))
	names := withGrants(nil, p.describe(ctx, pg.Value, nil))
	for _, app := range pg.Value {
		if app.AppID == "" {
			return nil, "", provider.Malformed(http.MethodGet, "/applications", "an item has no appId")
		}
		out = append(out, p.client(app, names))
	}
	next, err := p.relative(pg.NextLink)
	if err != nil {
		return nil, "", fmt.Errorf("listing applications: %w", err)
	}
	return out, next, nil
}

// relative turns an @odata.nextLink into a path below the Graph base URL,
// refusing a link elsewhere (the token is never sent to another host).
func (p *Provider) relative(link string) (string, error) {
	if link == "" {
		return "", nil
	}
	rest, ok := strings.CutPrefix(link, p.graph)
	if !ok || !strings.HasPrefix(rest, "/") {
		return "", provider.Malformed(http.MethodGet, "a collection", "@odata.nextLink is not below the Graph base URL")
	}
	return rest, nil
}
