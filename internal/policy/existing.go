package policy

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// RegisterAdopt is why an existing client is taken over instead of a new
// one registered: someone else made the client that holds spec.clientID,
// and spec.adoption.policy is Adopt.
const RegisterAdopt Register = "Adopt"

// ClientIDFor is the client ID to ask for, at a server that lets the
// caller choose, for the version-th credentials of oac: spec.clientID when
// set, else one of the operator's choosing (ChosenClientID).
func ClientIDFor(oac *v1alpha1.OAuthClient, version int64) string {
	if oac.Spec.ClientID != "" {
		return oac.Spec.ClientID
	}
	return ChosenClientID(oac, version)
}

// CreatedBy reports whether createKey, the create key an adapter stored
// with a client (provider.ClientSpec.CreateKey), is one oac's own creates
// use: the client is this OAuthClient's, made by a create whose answer was
// lost (a crash before the record was saved), not someone else's.
func CreatedBy(oac *v1alpha1.OAuthClient, createKey string) bool {
	return oac.UID != "" && strings.HasPrefix(createKey, string(oac.UID)+"-")
}

// AdoptionOf is the spec's adoption policy.
func AdoptionOf(oac *v1alpha1.OAuthClient) v1alpha1.AdoptionPolicy {
	if a := oac.Spec.Adoption; a != nil && a.Policy != "" {
		return a.Policy
	}
	return v1alpha1.AdoptionFailOnConflict
}

// CheckClientID refuses spec.clientID at a server whose adapter cannot
// register a client ID of the caller's choosing, instead of ignoring it
// (providerName is the adapter's name).
func CheckClientID(oac *v1alpha1.OAuthClient, caps provider.Capabilities, providerName string) error {
	if oac.Spec.ClientID == "" || caps.CallerChosenID {
		return nil
	}
	return fmt.Errorf("spec.clientID: the %s adapter's server chooses client IDs itself, so %q cannot be registered; remove spec.clientID or use a server that lets the caller choose (docs/existing-clients.md)", providerName, oac.Spec.ClientID)
}

// ExistsError says that a client someone else made already holds
// spec.clientID and the adoption policy is FailOnConflict.
type ExistsError struct {
	ClientID string
}

func (e *ExistsError) Error() string {
	return fmt.Sprintf("spec.clientID: a client %q already exists at the server and this OAuthClient has no record of it (someone else made it, or an earlier OAuthClient); nothing was changed there. Set spec.adoption.policy to Adopt to take it over, choose another spec.clientID, or delete the client at the server", e.ClientID)
}

// decideExisting says what to do about existing, the client that holds
// spec.clientID when this OAuthClient has no record (why is the
// registration that would happen otherwise): a client of this
// OAuthClient's own making is taken over by the create as the retry it is
// (why stands), one made by anyone else is adopted or a conflict.
func decideExisting(oac *v1alpha1.OAuthClient, existing *provider.Client, why Register) (Register, error) {
	switch {
	case existing == nil:
		return why, nil
	case oac.Spec.ClientID == "":
		// Found by its ownership marker and create key (OwnNewest): this
		// OAuthClient's own client, whose record was lost.
		return RegisterAdopt, nil
	case CreatedBy(oac, existing.Spec.CreateKey):
		return why, nil
	}
	if AdoptionOf(oac) == v1alpha1.AdoptionAdopt {
		return RegisterAdopt, nil
	}
	return RegisterNone, &ExistsError{ClientID: existing.ClientID}
}

// OwnNewest picks, from clients listed by this operator's ownership
// marker, the newest one oac made: the highest credential version among
// those whose create key (or, where the adapter stores none, whose client
// ID of the operator's choosing) is oac's. Nil when there is none.
func OwnNewest(oac *v1alpha1.OAuthClient, clients []provider.Client) *provider.Client {
	var best *provider.Client
	bestVersion := int64(-1)
	for i, c := range clients {
		key := c.Spec.CreateKey
		if key == "" {
			key = c.ClientID
		}
		if !CreatedBy(oac, key) {
			continue
		}
		v, err := strconv.ParseInt(strings.TrimPrefix(key, string(oac.UID)+"-"), 10, 64)
		if err != nil {
			continue
		}
		if v > bestVersion {
			best, bestVersion = &clients[i], v
		}
	}
	return best
}

// StrategyFor resolves the spec's rotation strategy against what the
// server can do, as PickStrategy does, except that a client with
// spec.clientID cannot be replaced (two clients cannot share its ID): Auto
// picks Overlap, else Regenerate, and an explicit Replace is refused.
func StrategyFor(oac *v1alpha1.OAuthClient, caps provider.Capabilities) (v1alpha1.RotationStrategy, error) {
	requested := StrategyOf(oac)
	if oac.Spec.ClientID == "" {
		return PickStrategy(requested, caps)
	}
	switch requested {
	case v1alpha1.StrategyAuto:
		switch {
		case caps.OverlapSecrets:
			return v1alpha1.StrategyOverlap, nil
		case caps.RegenerateSecret:
			return v1alpha1.StrategyRegenerate, nil
		}
		return "", fmt.Errorf("spec.clientID: this server can neither overlap nor regenerate secrets, and Replace would need a second client ID; remove spec.clientID to rotate by Replace")
	case v1alpha1.StrategyReplace:
		return "", fmt.Errorf("spec.rotation.strategy: Replace registers a second client, which cannot share spec.clientID; use Auto, Overlap or Regenerate")
	}
	return PickStrategy(requested, caps)
}

// AdoptStrategy is how the secret of an adopted client whose secret the
// server does not let be read is replaced: Overlap where the server keeps
// two (workloads holding the old one keep working for the grace period),
// else Regenerate (the old one stops at once); "" when the server can do
// neither.
func AdoptStrategy(caps provider.Capabilities) v1alpha1.RotationStrategy {
	switch {
	case caps.OverlapSecrets:
		return v1alpha1.StrategyOverlap
	case caps.RegenerateSecret:
		return v1alpha1.StrategyRegenerate
	}
	return ""
}
