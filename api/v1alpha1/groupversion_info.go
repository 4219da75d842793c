// Package v1alpha1 holds the oauth.clientoperator.io/v1alpha1 API: OAuthClient,
// AuthServer and ClusterAuthServer.
// +kubebuilder:object:generate=true
// +groupName=oauth.clientoperator.io
package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	// GroupVersion is the group and version of this API.
	GroupVersion = schema.GroupVersion{Group: "oauth.clientoperator.io", Version: "v1alpha1"}

	// SchemeBuilder registers the types of this API with a runtime.Scheme.
	// It depends on apimachinery only, so importing this package does not
	// pull in controller-runtime.
	SchemeBuilder = runtime.NewSchemeBuilder(addKnownTypes)

	// AddToScheme adds the types of this API to a scheme.
	AddToScheme = SchemeBuilder.AddToScheme
)

func addKnownTypes(s *runtime.Scheme) error {
	s.AddKnownTypes(GroupVersion,
		&OAuthClient{}, &OAuthClientList{},
		&AuthServer{}, &AuthServerList{},
		&ClusterAuthServer{}, &ClusterAuthServerList{},
	)
	metav1.AddToGroupVersion(s, GroupVersion)
	return nil
}
