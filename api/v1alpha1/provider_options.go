package v1alpha1

// ProviderOptions holds one optional block of per-client settings per
// server family, named like that family's block in AuthServerSpec; each
// block's type lives beside the server block, in provider_<name>.go.
// +kubebuilder:validation:XValidation:rule="(has(self.hydra) ? 1 : 0) + (has(self.auth0) ? 1 : 0) + (has(self.asgardeo) ? 1 : 0) + (has(self.entra) ? 1 : 0) + (has(self.keycloak) ? 1 : 0) <= 1",message="set at most one providerOptions block"
type ProviderOptions struct {
	// Hydra are settings of a client at Ory Hydra.
	// +optional
	Hydra *HydraClientOptions `json:"hydra,omitempty"`

	// Auth0 are settings of a client at Auth0.
	// +optional
	Auth0 *Auth0ClientOptions `json:"auth0,omitempty"`
	// Asgardeo are settings of an application at WSO2 Asgardeo or Identity Server.
	// +optional
	Asgardeo *AsgardeoClientOptions `json:"asgardeo,omitempty"`
	// Entra are settings of a client at Microsoft Entra ID.
	// +optional
	Entra *EntraClientOptions `json:"entra,omitempty"`
	// Keycloak are settings of a client at Keycloak.
	// +optional
	Keycloak *KeycloakClientOptions `json:"keycloak,omitempty"`
}

// Block returns the options block that is set (a pointer to its typed
// struct) and its JSON name, the name of the provider it is for; "" and nil
// when none is (or o is nil).
func (o *ProviderOptions) Block() (string, any) {
	if o == nil {
		return "", nil
	}
	return setBlock(*o)
}
