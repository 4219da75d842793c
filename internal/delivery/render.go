// Package delivery is the Secret that pods mount: it renders the
// credentials through the OAuthClient's template, builds the Secret as the
// operator wants it, checks that the Secret may be written (Claim) and
// whether it already holds what is wanted (UpToDate). Its subpackage
// writer writes it.
package delivery

import (
	"fmt"
	"maps"
	"slices"

	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Credentials are the values a delivered Secret carries.
type Credentials struct {
	ClientID     string
	ClientSecret string // empty for a public or disabled client
	TokenURL     string
	Issuer       string
	Scope        string // space separated
	// PrivateKeyPEM, PrivateKeyJWK and KeyID are a private_key_jwt
	// client's private key (PKCS#8 PEM, and as a JWK) and its key ID;
	// empty for other clients.
	PrivateKeyPEM string
	PrivateKeyJWK string
	KeyID         string
}

// Standard key names in the delivered Secret.
const (
	KeyClientID     = "client_id"
	KeyClientSecret = "client_secret"
	KeyTokenURL     = "token_url"
	KeyIssuer       = "issuer"
	KeyScope        = "scope"
	KeyPrivatePEM   = "private_key.pem"
	KeyPrivateJWK   = "private_key.jwk"
	KeyKeyID        = "kid"
)

// Data renders the Secret's data: the standard keys (renamed by the template
// when asked) and the template's rendered keys. Its errors name the field.
func Data(tmpl *v1alpha1.SecretTemplate, c Credentials) (map[string][]byte, error) {
	names := map[string]string{
		KeyClientID: KeyClientID, KeyClientSecret: KeyClientSecret,
		KeyTokenURL: KeyTokenURL, KeyIssuer: KeyIssuer, KeyScope: KeyScope,
		KeyPrivatePEM: KeyPrivatePEM, KeyPrivateJWK: KeyPrivateJWK, KeyKeyID: KeyKeyID,
	}
	if tmpl != nil && tmpl.Keys != nil {
		rename := func(std, to string) {
			if to != "" {
				names[std] = to
			}
		}
		rename(KeyClientID, tmpl.Keys.ClientID)
		rename(KeyClientSecret, tmpl.Keys.ClientSecret)
		rename(KeyTokenURL, tmpl.Keys.TokenURL)
		rename(KeyIssuer, tmpl.Keys.Issuer)
		rename(KeyScope, tmpl.Keys.Scope)
		rename(KeyPrivatePEM, tmpl.Keys.PrivateKeyPEM)
		rename(KeyPrivateJWK, tmpl.Keys.PrivateKeyJWK)
		rename(KeyKeyID, tmpl.Keys.KeyID)
	}
	data := map[string][]byte{}
	set := 0
	put := func(std, value string) {
		if value != "" {
			data[names[std]] = []byte(value)
			set++
		}
	}
	put(KeyClientID, c.ClientID)
	put(KeyClientSecret, c.ClientSecret)
	put(KeyTokenURL, c.TokenURL)
	put(KeyIssuer, c.Issuer)
	put(KeyScope, c.Scope)
	put(KeyPrivatePEM, c.PrivateKeyPEM)
	put(KeyPrivateJWK, c.PrivateKeyJWK)
	put(KeyKeyID, c.KeyID)
	if len(data) != set {
		return nil, fmt.Errorf("spec.secretTemplate.keys: two standard keys are renamed to the same name")
	}
	if tmpl == nil {
		return data, nil
	}
	for _, key := range slices.Sorted(maps.Keys(tmpl.Data)) {
		if _, taken := data[key]; taken {
			return nil, fmt.Errorf("spec.secretTemplate.data[%q]: the key is already used by a standard key", key)
		}
		out, err := renderTemplate(key, tmpl.Data[key], c)
		if err != nil {
			return nil, fmt.Errorf("spec.secretTemplate.data[%q]: %w", key, err)
		}
		data[key] = out
	}
	return data, nil
}

// CheckTemplate renders the template with placeholder values and checks
// its labels and annotations as the API server would, so a template the
// Secret cannot be written with is reported before anything is registered
// (also for an OAuthClient admitted before the CRD checked them).
func CheckTemplate(tmpl *v1alpha1.SecretTemplate) error {
	placeholder := Credentials{ClientID: "id", ClientSecret: "secret", TokenURL: "https://token", Issuer: "https://issuer", Scope: "scope", PrivateKeyPEM: "pem", PrivateKeyJWK: "{}", KeyID: "kid"} //nolint:gosec // G101: placeholders that render the template once, not a credential
	if _, err := Data(tmpl, placeholder); err != nil {
		return err
	}
	if tmpl == nil {
		return nil
	}
	fld := field.NewPath("spec", "secretTemplate")
	labels := make(map[string]string, len(tmpl.Labels))
	for k, v := range tmpl.Labels {
		labels[k] = string(v)
	}
	errs := metav1validation.ValidateLabels(labels, fld.Child("labels"))
	errs = append(errs, apivalidation.ValidateAnnotations(tmpl.Annotations, fld.Child("annotations"))...)
	return errs.ToAggregate()
}

// RefusedError says the API server refused the Secret as invalid: only a
// change of the template can help.
type RefusedError struct{ err error }

// Refused is the RefusedError of the API server's answer err to a write of
// Secret name.
func Refused(name string, err error) *RefusedError {
	return &RefusedError{fmt.Errorf("spec.secretTemplate: the API server refused Secret %s: %w", name, err)}
}

func (e *RefusedError) Error() string { return e.err.Error() }
func (e *RefusedError) Unwrap() error { return e.err }
