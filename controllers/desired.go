package controllers

import (
	"slices"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// desiredSpec turns an OAuthClient into the registration the server should
// hold.
func desiredSpec(oac *v1alpha1.OAuthClient) provider.ClientSpec {
	s := oac.Spec
	name := s.ClientName
	if name == "" {
		name = oac.Namespace + "/" + oac.Name
	}
	grants := s.GrantTypes
	if len(grants) == 0 {
		grants = []string{"client_credentials"}
	}
	method := s.TokenEndpointAuthMethod
	if method == "" {
		method = "client_secret_basic"
	}
	return provider.ClientSpec{
		ClientName:              name,
		Description:             s.Description,
		GrantTypes:              slices.Clone(grants),
		Scopes:                  slices.Clone(s.Scopes),
		Audience:                slices.Clone(s.Audience),
		RedirectURIs:            slices.Clone(s.RedirectURIs),
		TokenEndpointAuthMethod: method,
		Extra:                   s.ExtraMetadata,
	}
}

// secretName is the name of the Secret that receives the credentials.
func secretName(oac *v1alpha1.OAuthClient) string {
	if oac.Spec.SecretName != "" {
		return oac.Spec.SecretName
	}
	return oac.Name
}

// isPublic reports whether the client has no secret.
func isPublic(spec provider.ClientSpec) bool {
	return spec.TokenEndpointAuthMethod == "none"
}
