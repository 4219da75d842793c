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

// ServerKind is the kind of server the OAuthClient refers to (AuthServer
// when the reference leaves it out).
func (o *OAuthClient) ServerKind() ServerKind {
	if o.Spec.ServerRef.Kind == "" {
		return KindAuthServer
	}
	return o.Spec.ServerRef.Kind
}

// OwnerLabels mark a Secret as the operator's and tie it to the OAuthClient.
func (o *OAuthClient) OwnerLabels() map[string]string {
	return map[string]string{
		LabelManagedBy:            ManagedByValue,
		LabelOAuthClientName:      o.Name,
		LabelOAuthClientNamespace: o.Namespace,
		LabelOAuthClientUID:       string(o.UID),
	}
}

// SecretName is the name of the Secret that receives the credentials.
func (o *OAuthClient) SecretName() string {
	if o.Spec.SecretName != "" {
		return o.Spec.SecretName
	}
	return o.Name
}
