// Package providertest is the conformance suite every provider adapter runs
// against its authorization server, real or faked. An adapter's test builds
// a Harness and calls Run.
package providertest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// callTimeout bounds each call the suite makes.
const callTimeout = 30 * time.Second

// Harness connects the suite to one adapter and its server.
type Harness struct {
	// New returns a provider with working management credentials.
	New func(t *testing.T) provider.Provider
	// NewUnauthorized returns a provider whose management credentials the
	// server refuses. Nil when not applicable.
	NewUnauthorized func(t *testing.T) provider.Provider
	// CanAuthenticate reports nil when clientID/clientSecret obtain a token
	// with the given scope (space separated) at the server's token endpoint.
	CanAuthenticate func(ctx context.Context, clientID, clientSecret, scope string) error
	// ValidSpec returns a spec the server accepts, with a unique ClientName
	// per call, the client_credentials grant, a secret-based token endpoint
	// auth method and at least two scopes the server knows. The suite
	// registers with all scopes but the last and updates to all but the
	// first, so that one scope is removed and one added.
	ValidSpec func(t *testing.T) provider.ClientSpec
	// InvalidSpec returns a spec the server must reject as invalid metadata.
	InvalidSpec func(t *testing.T) provider.ClientSpec
	// NewWith returns a provider like New's, with the suite's Options: its
	// own ownership marker (so a List sees only the suite's clients, and a
	// caller-chosen ID made under another marker is a conflict) and a
	// small page size. Required when the adapter claims List or
	// CallerChosenID; nil skips what needs it otherwise.
	NewWith func(t *testing.T, o Options) provider.Provider
	// NewAt returns a provider like New's that sends its requests to url
	// (as its registration endpoint, admin URL or base URL) instead of the
	// server: the suite answers there with faults (malformed answers, a
	// 429). Nil skips those tests.
	NewAt func(t *testing.T, url string) provider.Provider
}

// Options are what NewWith is asked for.
type Options struct {
	// Owner is the ownership marker the provider writes on every client it
	// creates (provider.Config.Owner).
	Owner string
	// PageSize, when not zero, is the most clients one List page may hold
	// (the suite asks for 2).
	PageSize int
}

// Run runs the conformance suite. The tests of a capability run when the
// adapter claims it (as its Capabilities say after a first call reached the
// server) and are skipped, saying so, when it does not; a capability it
// does not claim must then be refused as KindUnsupported.
func Run(t *testing.T, h Harness) {
	t.Helper()
	if h.New == nil || h.CanAuthenticate == nil || h.ValidSpec == nil || h.InvalidSpec == nil {
		t.Fatal("providertest: Harness needs New, CanAuthenticate, ValidSpec and InvalidSpec")
	}
	caps := claimed(t, h)
	t.Logf("capabilities: %+v", caps)
	if h.NewWith == nil && (caps.List || caps.CallerChosenID) {
		t.Fatal("providertest: the adapter claims List or CallerChosenID; the Harness needs NewWith so the suite can choose the ownership marker")
	}

	t.Run("CreateIssuesWorkingCredentials", func(t *testing.T) { testCreate(t, h) })
	t.Run("ObserveSeesWhatWasCreated", func(t *testing.T) { testObserve(t, h) })
	t.Run("UpdateChangesScopesOnly", func(t *testing.T) { testUpdate(t, h) })
	t.Run("UpdateStateIsAccepted", func(t *testing.T) { testUpdateState(t, h) })
	t.Run("DeleteRemovesClient", func(t *testing.T) { testDelete(t, h) })
	t.Run("DeleteTwiceIsNotAnError", func(t *testing.T) { testDeleteTwice(t, h) })
	t.Run("InvalidSpecIsInvalidMetadata", func(t *testing.T) { testInvalid(t, h) })
	t.Run("RefusedCredentialsAreUnauthorized", func(t *testing.T) { testUnauthorized(t, h) })
	t.Run("MalformedAnswerIsTypedError", func(t *testing.T) { testMalformed(t, h) })
	t.Run("RateLimitedCarriesRetryAfter", func(t *testing.T) { testRateLimited(t, h) })

	t.Run("CapabilitiesAreConsistent", func(t *testing.T) { testConsistent(t, h, caps) })
	t.Run("UnclaimedCapabilitiesAreUnsupported", func(t *testing.T) { testUnclaimed(t, h, caps) })
	claim := func(name string, has bool, test func(*testing.T, Harness, provider.Capabilities)) {
		t.Run(name, func(t *testing.T) {
			if !has {
				t.Skipf("the adapter does not claim it (capabilities %+v)", caps)
			}
			test(t, h, caps)
		})
	}
	claim("ListFindsCreatedNotDeleted", caps.List, testList)
	claim("ListPages", caps.List, testListPages)
	claim("CallerChosenID", caps.CallerChosenID, testChosenID)
	claim("CallerSuppliedSecret", caps.CallerSuppliedSecret, testSuppliedSecret)
	claim("SecretReadable", caps.SecretReadable, testReadable)
	claim("RegenerateInvalidatesOldSecret", caps.RegenerateSecret && !caps.OverlapSecrets, testRegenerate)
	claim("OverlapKeepsOldSecretUntilRevoked", caps.OverlapSecrets, testOverlap)
	claim("SecretExpiry", caps.SecretExpiry, testExpiry)
	claim("DisableAndEnable", caps.NativeDisable, testDisable)
	claim("KeySetIsRegistered", caps.KeySet, testKeySet)
}

// claimed returns the adapter's capabilities once a call reached the
// server (an adapter may learn some from its first answer).
func claimed(t *testing.T, h Harness) provider.Capabilities {
	t.Helper()
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	if err := p.Delete(callContext(t), r.id, r.state); err != nil {
		t.Fatalf("Delete(%q): %v", r.id, err)
	}
	return p.Capabilities()
}

// registered is a client the suite created, with what it needs to manage it.
type registered struct {
	id, secret string
	// expires is when secret expires (zero: it does not, or not said).
	expires time.Time
	state   provider.State
	spec    provider.ClientSpec
}

// scopes splits a valid spec's scopes into the ones to register with and the
// ones to update to.
func scopes(t *testing.T, spec provider.ClientSpec) (initial, updated []string) {
	t.Helper()
	n := len(spec.Scopes)
	if n < 2 {
		t.Fatalf("providertest: ValidSpec must return at least two scopes, got %v", spec.Scopes)
	}
	return slices.Clone(spec.Scopes[:n-1]), slices.Clone(spec.Scopes[1:])
}

// validSpec returns a ValidSpec with its initial scopes.
func validSpec(t *testing.T, h Harness) provider.ClientSpec {
	t.Helper()
	spec := h.ValidSpec(t)
	spec.Scopes, _ = scopes(t, spec)
	return spec
}

// create registers spec and deletes the client when the test ends.
func create(t *testing.T, p provider.Provider, spec provider.ClientSpec) *registered {
	t.Helper()
	ctx := callContext(t)
	res, err := p.Create(ctx, spec)
	if err != nil {
		t.Fatalf("Create(%q): %v", spec.ClientName, err)
	}
	if res.Client.ClientID == "" {
		t.Fatalf("Create(%q) returned no client id", spec.ClientName)
	}
	r := &registered{id: res.Client.ClientID, secret: res.Client.ClientSecret, expires: res.Client.SecretExpiresAt, state: res.State, spec: spec}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
		defer cancel()
		if err := p.Delete(ctx, r.id, r.state); err != nil {
			t.Errorf("cleanup: Delete(%q): %v", r.id, err)
		}
	})
	return r
}

// MustCreate registers spec at p for an adapter's own tests, failing t on
// an error.
func MustCreate(t *testing.T, p provider.Provider, spec provider.ClientSpec) provider.Result {
	t.Helper()
	res, err := p.Create(callContext(t), spec)
	if err != nil {
		t.Fatalf("Create(%q): %v", cmp.Or(spec.ClientID, spec.ClientName), err)
	}
	return res
}

// callContext returns a context for one call, ended with the test.
func callContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

func testCreate(t *testing.T, h Harness) {
	p := h.New(t)
	spec := validSpec(t, h)
	r := create(t, p, spec)
	if r.secret == "" {
		t.Fatalf("Create(%q) returned no client secret for a confidential client", spec.ClientName)
	}
	if err := h.CanAuthenticate(callContext(t), r.id, r.secret, strings.Join(spec.Scopes, " ")); err != nil {
		t.Fatalf("the new client cannot obtain a token with scope %q: %v", strings.Join(spec.Scopes, " "), err)
	}
}

func testObserve(t *testing.T, h Harness) {
	p := h.New(t)
	spec := validSpec(t, h)
	r := create(t, p, spec)
	got, err := p.Observe(callContext(t), r.id, r.state)
	if err != nil {
		t.Fatalf("Observe(%q): %v", r.id, err)
	}
	if got.ClientID != r.id {
		t.Errorf("Observe(%q).ClientID = %q", r.id, got.ClientID)
	}
	checkSpec(t, "after Create", got.Spec, spec)
}

// checkSpec compares the fields every adapter must report faithfully.
func checkSpec(t *testing.T, when string, got, want provider.ClientSpec) {
	t.Helper()
	if got.ClientName != want.ClientName {
		t.Errorf("%s: ClientName = %q, want %q", when, got.ClientName, want.ClientName)
	}
	if !provider.SameSet(got.Scopes, want.Scopes) {
		t.Errorf("%s: Scopes = %v, want %v", when, got.Scopes, want.Scopes)
	}
	if !provider.SameSet(got.GrantTypes, want.GrantTypes) {
		t.Errorf("%s: GrantTypes = %v, want %v", when, got.GrantTypes, want.GrantTypes)
	}
	if !provider.SameSet(got.RedirectURIs, want.RedirectURIs) {
		t.Errorf("%s: RedirectURIs = %v, want %v", when, got.RedirectURIs, want.RedirectURIs)
	}
	if want.TokenEndpointAuthMethod != "" && got.TokenEndpointAuthMethod != want.TokenEndpointAuthMethod {
		t.Errorf("%s: TokenEndpointAuthMethod = %q, want %q", when, got.TokenEndpointAuthMethod, want.TokenEndpointAuthMethod)
	}
}

func testUpdate(t *testing.T, h Harness) {
	p := h.New(t)
	full := h.ValidSpec(t)
	initial, updated := scopes(t, full)
	spec := full
	spec.Scopes = initial
	r := create(t, p, spec)

	want := spec
	want.Scopes = updated
	res, err := p.Update(callContext(t), r.id, r.state, want)
	if err != nil {
		t.Fatalf("Update(%q): %v", r.id, err)
	}
	r.adopt(res)

	got, err := p.Observe(callContext(t), r.id, r.state)
	if err != nil {
		t.Fatalf("Observe(%q) after Update: %v", r.id, err)
	}
	checkSpec(t, "after Update", got.Spec, want)

	added, removed := updated[len(updated)-1], initial[0]
	if err := h.CanAuthenticate(callContext(t), r.id, r.secret, added); err != nil {
		t.Errorf("the added scope %q is not granted after Update: %v", added, err)
	}
	if err := h.CanAuthenticate(callContext(t), r.id, r.secret, removed); err == nil {
		t.Errorf("the removed scope %q is still granted after Update", removed)
	}
}

// adopt takes what an Update or RotateSecret returned: new state and, when
// the server sent one, the secret and its expiry.
func (r *registered) adopt(res provider.Result) {
	if res.State != nil {
		r.state = res.State
	}
	if res.Client.ClientSecret != "" {
		r.secret, r.expires = res.Client.ClientSecret, res.Client.SecretExpiresAt
	}
}

func testUpdateState(t *testing.T, h Harness) {
	p := h.New(t)
	spec := validSpec(t, h)
	r := create(t, p, spec)
	for i := range 3 {
		spec.ClientName = spec.ClientName + "-u"
		res, err := p.Update(callContext(t), r.id, r.state, spec)
		if err != nil {
			t.Fatalf("Update %d of %q: %v", i+1, r.id, err)
		}
		r.adopt(res)
		got, err := p.Observe(callContext(t), r.id, r.state)
		if err != nil {
			t.Fatalf("Observe(%q) with the state of Update %d: %v", r.id, i+1, err)
		}
		checkSpec(t, "after repeated Update", got.Spec, spec)
	}
	if err := h.CanAuthenticate(callContext(t), r.id, r.secret, strings.Join(spec.Scopes, " ")); err != nil {
		t.Errorf("the client cannot authenticate after repeated updates: %v", err)
	}
}

func testDelete(t *testing.T, h Harness) {
	p := h.New(t)
	spec := validSpec(t, h)
	r := create(t, p, spec)
	if err := p.Delete(callContext(t), r.id, r.state); err != nil {
		t.Fatalf("Delete(%q): %v", r.id, err)
	}
	_, err := p.Observe(callContext(t), r.id, r.state)
	if !errors.Is(err, provider.ErrNotFound) {
		t.Errorf("Observe(%q) after Delete: error = %v, want one matching provider.ErrNotFound", r.id, err)
	}
	if err := h.CanAuthenticate(callContext(t), r.id, r.secret, strings.Join(spec.Scopes, " ")); err == nil {
		t.Errorf("the credentials of deleted client %q still obtain a token", r.id)
	}
}

func testDeleteTwice(t *testing.T, h Harness) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	for i := range 2 {
		if err := p.Delete(callContext(t), r.id, r.state); err != nil {
			t.Fatalf("Delete %d of %q: %v", i+1, r.id, err)
		}
	}
}

func testInvalid(t *testing.T, h Harness) {
	p := h.New(t)
	spec := h.InvalidSpec(t)
	res, err := p.Create(callContext(t), spec)
	if err == nil {
		cleanupUnexpected(t, p, res)
		t.Fatalf("Create(invalid spec %+v) succeeded with client %q", spec, res.Client.ClientID)
	}
	if !errors.Is(err, provider.ErrInvalidMetadata) {
		t.Fatalf("Create(invalid spec): error = %v, want one matching provider.ErrInvalidMetadata", err)
	}
	var pe *provider.Error
	if !errors.As(err, &pe) || pe.Description == "" {
		t.Errorf("Create(invalid spec): error %v has no description for the user", err)
	}
	if !provider.IsTerminal(err) {
		t.Errorf("Create(invalid spec): error %v is not terminal", err)
	}
}

func testUnauthorized(t *testing.T, h Harness) {
	if h.NewUnauthorized == nil {
		t.Skip("the harness has no provider with refused credentials")
	}
	p := h.NewUnauthorized(t)
	res, err := p.Create(callContext(t), validSpec(t, h))
	if err == nil {
		cleanupUnexpected(t, p, res)
		t.Fatalf("Create with refused credentials succeeded with client %q", res.Client.ClientID)
	}
	if !errors.Is(err, provider.ErrUnauthorized) {
		t.Errorf("Create with refused credentials: error = %v, want one matching provider.ErrUnauthorized", err)
	}
}

// cleanupUnexpected deletes a client that should not have been created.
func cleanupUnexpected(t *testing.T, p provider.Provider, res provider.Result) {
	t.Helper()
	if res.Client.ClientID == "" {
		return
	}
	if err := p.Delete(callContext(t), res.Client.ClientID, res.State); err != nil {
		t.Errorf("deleting unexpected client %q: %v", res.Client.ClientID, err)
	}
}
