package asgardeofake

import (
	"maps"
	"slices"
)

// Application is what the fake holds for one application, as a test sees
// it (no secret values).
type Application struct {
	ID, Name, Description string
	Enabled               bool
	GrantTypes            []string
	// AuthorizedAPIs maps an API identifier to its authorized scopes.
	AuthorizedAPIs map[string][]string
	Secrets        int
}

// Application returns the application holding clientID.
func (s *Server) Application(clientID string) (Application, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byClientID(clientID)
	if a == nil {
		return Application{}, false
	}
	out := Application{ID: a.id, Name: a.name, Description: a.description, Enabled: a.enabled,
		AuthorizedAPIs: map[string][]string{}, Secrets: len(a.secrets)}
	if gs, ok := a.oidc["grantTypes"].([]any); ok {
		for _, g := range gs {
			if s, ok := g.(string); ok {
				out.GrantTypes = append(out.GrantTypes, s)
			}
		}
	}
	for id, scopes := range a.grants {
		out.AuthorizedAPIs[s.apis[id].Identifier] = slices.Sorted(slices.Values(scopes))
	}
	return out, true
}

// Applications counts the applications.
func (s *Server) Applications() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.apps)
}

// SetAuthorizedScopes changes, as someone in the console would, the
// scopes of the API identifier authorized to clientID's application.
func (s *Server) SetAuthorizedScopes(clientID, identifier string, scopes ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byClientID(clientID)
	if a == nil {
		return false
	}
	for id, api := range s.apis {
		if api.Identifier == identifier {
			if _, ok := a.grants[id]; ok {
				a.grants[id] = slices.Clone(scopes)
				return true
			}
		}
	}
	return false
}

// SetEnabled switches clientID's application, as the console would.
func (s *Server) SetEnabled(clientID string, enabled bool) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byClientID(clientID)
	if a != nil {
		a.enabled = enabled
	}
	return a != nil
}

func (s *Server) byClientID(clientID string) *app {
	for _, id := range slices.Sorted(maps.Keys(s.apps)) {
		if a := s.apps[id]; a.clientID == clientID && clientID != "" {
			return a
		}
	}
	return nil
}
