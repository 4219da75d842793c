// Package scheme builds the runtime.Scheme the operator and its tests use.
package scheme

import (
	"k8s.io/apimachinery/pkg/runtime"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"

	oauthv1alpha1 "github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// New returns a scheme with the built-in kinds and this project's API.
func New() *runtime.Scheme {
	s := runtime.NewScheme()
	if err := clientgoscheme.AddToScheme(s); err != nil {
		panic(err)
	}
	if err := oauthv1alpha1.AddToScheme(s); err != nil {
		panic(err)
	}
	return s
}
