package delivery

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// ConflictError says the Secret an OAuthClient names is not its to write.
type ConflictError struct{ msg string }

func (e *ConflictError) Error() string { return e.msg }

// Claim says whether oac may write sec (nil when absent): the operator never
// touches a Secret it did not create, nor one that belongs to another
// OAuthClient. holder is the name of the OAuthClient of sec's namespace
// whose UID the Secret's labels carry, "" when there is none: the name
// label alone may be a copy, or a deleted OAuthClient's of the same name.
func Claim(oac *v1alpha1.OAuthClient, sec *corev1.Secret, holder string) error {
	if sec == nil {
		return nil
	}
	owner := sec.Labels[v1alpha1.LabelOAuthClientUID]
	switch {
	case owner == string(oac.UID):
		return nil
	case owner == "" || sec.Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue:
		return &ConflictError{fmt.Sprintf("spec.secretName: Secret %s exists and was not created by the operator; it is left untouched: choose another secretName or delete that Secret", sec.Name)}
	case holder != "":
		return &ConflictError{fmt.Sprintf("spec.secretName: Secret %s already holds the credentials of OAuthClient %s; choose another secretName", sec.Name, holder)}
	default:
		return &ConflictError{fmt.Sprintf("spec.secretName: Secret %s carries the operator's labels, but they do not match any OAuthClient in namespace %s (the Secret is a copy, or was left by a deleted OAuthClient); it is left untouched: delete that Secret or choose another secretName", sec.Name, sec.Namespace)}
	}
}
