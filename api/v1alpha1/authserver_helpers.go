package v1alpha1

// ServerSpec returns the spec shared by both server kinds.
func (a *AuthServer) ServerSpec() *AuthServerSpec { return &a.Spec }

// ServerStatus returns the status shared by both server kinds.
func (a *AuthServer) ServerStatus() *AuthServerStatus { return &a.Status }

// ServerSpec returns the spec shared by both server kinds.
func (a *ClusterAuthServer) ServerSpec() *AuthServerSpec { return &a.Spec }

// ServerStatus returns the status shared by both server kinds.
func (a *ClusterAuthServer) ServerStatus() *AuthServerStatus { return &a.Status }

// ProviderName returns the name of the provider block that is set, or "".
func (s *AuthServerSpec) ProviderName() string {
	switch {
	case s.DynamicRegistration != nil:
		return "dynamicRegistration"
	default:
		return ""
	}
}
