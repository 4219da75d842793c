package hydra

import (
	"maps"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// withOptions folds the OAuthClient's providerOptions.hydra block into the
// Hydra fields the adapter passes through (spec.Extra), so Create, Update
// and Diff treat them like every other field. A block of another type is
// refused, naming the field.
func withOptions(spec provider.ClientSpec) (provider.ClientSpec, error) {
	if spec.Options == nil {
		return spec, nil
	}
	o, ok := spec.Options.(*v1alpha1.HydraClientOptions)
	if !ok {
		return spec, provider.Errorf(provider.KindInvalidMetadata, "spec.providerOptions: the hydra adapter takes a hydra block, not %T", spec.Options)
	}
	extra := maps.Clone(spec.Extra)
	if extra == nil {
		extra = map[string]string{}
	}
	for field, value := range map[string]string{
		"access_token_strategy": o.AccessTokenStrategy,
		"client_uri":            o.ClientURI,
		"logo_uri":              o.LogoURI,
	} {
		if value != "" {
			extra[field] = value
		}
	}
	spec.Extra, spec.Options = extra, nil
	return spec, nil
}
