package provider

import (
	"context"
	"fmt"
)

// MaxListPages bounds ListAll, in case a server keeps answering with a
// next page.
const MaxListPages = 10000

// ListAll follows List from the first page to the last and returns every
// client carrying marker once, in the order first seen.
func ListAll(ctx context.Context, p Provider, marker string) ([]Client, error) {
	var out []Client
	seen := map[string]bool{}
	page := ""
	for range MaxListPages {
		clients, next, err := p.List(ctx, marker, page)
		if err != nil {
			return nil, err
		}
		for _, c := range clients {
			if !seen[c.ClientID] {
				seen[c.ClientID] = true
				out = append(out, c)
			}
		}
		if next == "" {
			return out, nil
		}
		if next == page {
			return nil, fmt.Errorf("listing clients: %w", Errorf(KindTransient, "a page named itself as the next"))
		}
		page = next
	}
	return nil, fmt.Errorf("listing clients: %w", Errorf(KindTransient, "more than %d pages", MaxListPages))
}
