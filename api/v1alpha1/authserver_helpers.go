package v1alpha1

import (
	"reflect"
	"strings"
)

// ServerSpec returns the spec shared by both server kinds.
func (a *AuthServer) ServerSpec() *AuthServerSpec { return &a.Spec }

// ServerStatus returns the status shared by both server kinds.
func (a *AuthServer) ServerStatus() *AuthServerStatus { return &a.Status }

// ServerSpec returns the spec shared by both server kinds.
func (a *ClusterAuthServer) ServerSpec() *AuthServerSpec { return &a.Spec }

// ServerStatus returns the status shared by both server kinds.
func (a *ClusterAuthServer) ServerStatus() *AuthServerStatus { return &a.Status }

// ProviderName returns the JSON name of the provider block that is set
// (the name its adapter is registered under), or "".
func (s *AuthServerSpec) ProviderName() string {
	name, _ := s.ProviderBlock()
	return name
}

// ProviderBlock returns the provider block that is set (a pointer to its
// typed struct) and its JSON name; "" and nil when none is. When several are
// set (the CRD refuses that), the first wins.
func (s *AuthServerSpec) ProviderBlock() (string, any) {
	return setBlock(s.ProviderBlocks)
}

// setBlock finds the first non-nil pointer field of the struct blocks and
// returns its JSON name and value.
func setBlock(blocks any) (string, any) {
	v := reflect.ValueOf(blocks)
	for i := range v.NumField() {
		if f := v.Field(i); !f.IsNil() {
			name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
			return name, f.Interface()
		}
	}
	return "", nil
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
