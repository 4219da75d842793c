package policy

import (
	"fmt"
	"slices"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Desired turns an OAuthClient into the registration the server should hold.
func Desired(oac *v1alpha1.OAuthClient) provider.ClientSpec {
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
	_, options := s.ProviderOptions.Block()
	return provider.ClientSpec{
		ClientName:              name,
		Description:             s.Description,
		GrantTypes:              slices.Clone(grants),
		Scopes:                  slices.Clone(s.Scopes),
		Audience:                slices.Clone(s.Audience),
		RedirectURIs:            slices.Clone(s.RedirectURIs),
		TokenEndpointAuthMethod: method,
		Extra:                   s.ExtraMetadata,
		Options:                 options,
	}
}

// CheckOptions refuses a providerOptions block of another kind of server
// than the client's (provider is the JSON name of its server's block).
func CheckOptions(oac *v1alpha1.OAuthClient, provider string) error {
	name, _ := oac.Spec.ProviderOptions.Block()
	if name == "" || name == provider {
		return nil
	}
	return fmt.Errorf("spec.providerOptions.%s: the client's server is a %s server; use providerOptions.%s or none", name, provider, provider)
}

// ChosenClientID is the client ID the operator asks for, at a server that
// lets the caller choose, for the version-th credentials of oac: the same
// for the same OAuthClient and version, so a create retried after a crash
// asks for the client it already made, and unique across OAuthClients.
func ChosenClientID(oac *v1alpha1.OAuthClient, version int64) string {
	return fmt.Sprintf("%s-%d", oac.UID, version)
}

// IsPublic reports whether the client has no secret.
func IsPublic(oac *v1alpha1.OAuthClient) bool {
	return oac.Spec.TokenEndpointAuthMethod == "none"
}

// StrategyOf is the rotation strategy the spec asks for.
func StrategyOf(oac *v1alpha1.OAuthClient) v1alpha1.RotationStrategy {
	if oac.Spec.Rotation == nil || oac.Spec.Rotation.Strategy == "" {
		return v1alpha1.StrategyAuto
	}
	return oac.Spec.Rotation.Strategy
}

// IntervalOf is the time between scheduled rotations; zero for none.
func IntervalOf(oac *v1alpha1.OAuthClient) time.Duration {
	if r := oac.Spec.Rotation; r != nil && r.Interval != nil {
		return r.Interval.Duration
	}
	return 0
}

// DefaultGracePeriod outlasts the kubelet's refresh of mounted Secrets (its
// sync period plus cache TTL, about a minute by default) with margin.
const DefaultGracePeriod = 10 * time.Minute

// GracePeriodOf is how long replaced credentials keep working.
func GracePeriodOf(oac *v1alpha1.OAuthClient) time.Duration {
	if r := oac.Spec.Rotation; r != nil && r.GracePeriod != nil {
		return r.GracePeriod.Duration
	}
	return DefaultGracePeriod
}
