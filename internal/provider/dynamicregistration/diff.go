package dynamicregistration

import "github.com/oauth-client-operator/oauth-client-operator/internal/provider"

// Diff is the generic comparison, except for the scope of a client
// registered without one: RFC 7591 §2 lets the server register it with a
// default set of scopes (Hydra gives offline_access offline openid), and
// that default is not drift. Otherwise every resync would send an update
// that changes nothing, and at Hydra rotate the registration access token.
// The cost: removing every scope from a manifest leaves the server's scopes
// as they are.
func (a *adapter) Diff(desired provider.ClientSpec, observed provider.Client) []string {
	if len(desired.Scopes) == 0 {
		observed.Spec.Scopes = nil
	}
	return provider.Drift(desired, observed.Spec)
}
