package authserver

// managementScoper is a provider block that knows the management scopes
// its adapter needs (v1alpha1.AsgardeoProvider).
type managementScoper interface {
	DefaultManagementScopes() []string
}

// withDefaultScopes asks a client credentials login that names no scopes
// for the ones the provider block says its adapter needs; a login that
// names scopes is left as it is.
func withDefaultScopes(m management, block any) management {
	s, ok := block.(managementScoper)
	if !ok || m.src == nil || m.src.ClientCredentials == nil || len(m.src.ClientCredentials.Scopes) > 0 {
		return m
	}
	m.src.ClientCredentials.Scopes = s.DefaultManagementScopes()
	return m
}
