package keycloak

import (
	"encoding/json"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Keys of the provider state.
const (
	// stateID is Keycloak's internal id of the client (a UUID), which
	// every admin path but the clientId lookup takes.
	stateID = "id"
	// stateUser is the id of the client's service-account user.
	stateUser = "serviceAccountUser"
	// stateRoles are the service-account roles the operator gave (JSON):
	// the ones it may take away again.
	stateRoles = "serviceAccountRoles"
)

// stateOf builds the state for a client.
func stateOf(id, user string, roles []roleRef) provider.State {
	s := provider.State{stateID: id}
	if user != "" {
		s[stateUser] = user
	}
	if len(roles) > 0 {
		b, _ := json.Marshal(roles)
		s[stateRoles] = string(b)
	}
	return s
}

// managedRoles are the roles the state says the operator gave.
func managedRoles(s provider.State) []roleRef {
	var r []roleRef
	if v := s[stateRoles]; v != "" {
		_ = json.Unmarshal([]byte(v), &r) // a state the adapter cannot read manages none
	}
	return r
}
