package providertest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// The page size the suite asks NewWith for, and how many clients it pages
// through: three pages, so that a middle page is followed too.
const (
	pageSize    = 2
	pageClients = 5
)

// unique returns a fresh name for the suite's markers, client IDs and
// secrets: lower-case letters and digits, safe in any server's paths.
func unique(prefix string) string {
	return prefix + "-" + strings.ToLower(rand.Text()[:16])
}

// scope is the scope string a client registered with spec may ask for.
func scope(spec provider.ClientSpec) string { return strings.Join(spec.Scopes, " ") }

// works fails t unless secret obtains a token for the client.
func works(t *testing.T, h Harness, r *registered, secret, what string) {
	t.Helper()
	if err := h.CanAuthenticate(callContext(t), r.id, secret, scope(r.spec)); err != nil {
		t.Errorf("%s does not obtain a token for client %q: %v", what, r.id, err)
	}
}

// fails fails t when secret still obtains a token for the client.
func fails(t *testing.T, h Harness, r *registered, secret, what string) {
	t.Helper()
	if err := h.CanAuthenticate(callContext(t), r.id, secret, scope(r.spec)); err == nil {
		t.Errorf("%s still obtains a token for client %q", what, r.id)
	}
}

// rotate calls RotateSecret and checks that it issued a new secret.
func rotate(t *testing.T, p provider.Provider, r *registered) string {
	t.Helper()
	res, err := p.RotateSecret(callContext(t), r.id, r.state)
	if err != nil {
		t.Fatalf("RotateSecret(%q): %v", r.id, err)
	}
	if res.Client.ClientSecret == "" || res.Client.ClientSecret == r.secret {
		t.Fatalf("RotateSecret(%q) returned no new secret", r.id)
	}
	r.adopt(res)
	return res.Client.ClientSecret
}

func testConsistent(t *testing.T, h Harness, caps provider.Capabilities) {
	if caps.MaxSecrets != 0 && !caps.OverlapSecrets {
		t.Errorf("MaxSecrets is %d without OverlapSecrets", caps.MaxSecrets)
	}
	if caps.MaxSecrets < 0 || caps.MaxSecrets == 1 {
		t.Errorf("MaxSecrets is %d: overlap needs room for two secrets (or 0, no limit)", caps.MaxSecrets)
	}
	if _, ok := h.New(t).(provider.SecretRevoker); caps.OverlapSecrets && !ok {
		t.Error("the adapter claims OverlapSecrets but is no provider.SecretRevoker: nothing could end the overlap")
	}
}

// testUnclaimed: each capability the adapter does not claim is refused as
// KindUnsupported, not done some other way.
func testUnclaimed(t *testing.T, h Harness, caps provider.Capabilities) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	unsupported := func(t *testing.T, what string, err error) {
		t.Helper()
		if !errors.Is(err, provider.ErrUnsupported) {
			t.Errorf("%s without the capability: error = %v, want one matching provider.ErrUnsupported", what, err)
		}
	}
	checked := 0
	if !caps.RegenerateSecret && !caps.OverlapSecrets {
		checked++
		_, err := p.RotateSecret(callContext(t), r.id, r.state)
		unsupported(t, "RotateSecret", err)
	}
	if !caps.NativeDisable {
		checked++
		unsupported(t, "SetEnabled(false)", p.SetEnabled(callContext(t), r.id, r.state, false))
	}
	if !caps.List {
		checked++
		_, _, err := p.List(callContext(t), "", "")
		unsupported(t, "List", err)
	}
	if !caps.CallerSuppliedSecret {
		checked++
		spec := validSpec(t, h)
		spec.ClientSecret = unique("supplied") // never shown: the error must not hold it
		res, err := p.Create(callContext(t), spec)
		if err == nil {
			cleanupUnexpected(t, p, res)
		}
		unsupported(t, "Create with a ClientSecret", err)
		if err != nil && strings.Contains(err.Error(), spec.ClientSecret) {
			t.Error("the refusal of a supplied secret holds the secret")
		}
	}
	if checked == 0 {
		t.Skip("the adapter claims every capability")
	}
}

// testList: List by the marker finds the clients made under it, not one
// deleted since, nor one made under another marker, and lists no secret.
func testList(t *testing.T, h Harness, _ provider.Capabilities) {
	marker, other := unique("owner"), unique("owner")
	p := h.NewWith(t, Options{Owner: marker})
	kept, gone := create(t, p, validSpec(t, h)), create(t, p, validSpec(t, h))
	foreign := create(t, h.NewWith(t, Options{Owner: other}), validSpec(t, h))
	if err := p.Delete(callContext(t), gone.id, gone.state); err != nil {
		t.Fatalf("Delete(%q): %v", gone.id, err)
	}
	got, err := provider.ListAll(callContext(t), p, marker)
	if err != nil {
		t.Fatalf("ListAll(%q): %v", marker, err)
	}
	if want := []string{kept.id}; !slices.Equal(ClientIDs(got), want) {
		t.Errorf("List(%q) = %v, want %v (not the deleted %q, not %q of another marker)", marker, ClientIDs(got), want, gone.id, foreign.id)
	}
	for _, c := range got {
		if c.ClientSecret != "" {
			t.Errorf("List returned the secret of client %q", c.ClientID)
		}
		if c.ClientID == kept.id {
			checkSpec(t, "listed", c.Spec, kept.spec)
		}
	}
	theirs, err := provider.ListAll(callContext(t), p, other)
	if err != nil {
		t.Fatalf("ListAll(%q): %v", other, err)
	}
	if want := []string{foreign.id}; !slices.Equal(ClientIDs(theirs), want) {
		t.Errorf("List(%q) = %v, want %v", other, ClientIDs(theirs), want)
	}
}

// testListPages: with room for two clients a page, five are found on three
// or more pages, each page within its size and none twice.
func testListPages(t *testing.T, h Harness, _ provider.Capabilities) {
	marker := unique("owner")
	p := h.NewWith(t, Options{Owner: marker, PageSize: pageSize})
	var want []string
	for range pageClients {
		want = append(want, create(t, p, validSpec(t, h)).id)
	}
	slices.Sort(want)
	var got []string
	page, pages := "", 0
	for {
		pages++
		if pages > 2*pageClients {
			t.Fatalf("List is still answering with a next page after %d pages (found %v)", pages, got)
		}
		cs, next, err := p.List(callContext(t), marker, page)
		if err != nil {
			t.Fatalf("List page %d: %v", pages, err)
		}
		if len(cs) > pageSize {
			t.Errorf("List page %d holds %d clients, more than the page size %d", pages, len(cs), pageSize)
		}
		for _, c := range cs {
			if slices.Contains(got, c.ClientID) {
				t.Errorf("List: client %q on two pages", c.ClientID)
			}
			got = append(got, c.ClientID)
		}
		if next == "" {
			break
		}
		if next == page {
			t.Fatalf("List page %d names itself as the next page", pages)
		}
		page = next
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("List over %d pages = %v, want %v", pages, got, want)
	}
	if pages < pageClients/pageSize+1 {
		t.Errorf("List found %d clients on %d pages of at most %d", len(got), pages, pageSize)
	}
}

// testChosenID: Create honours ClientSpec.ClientID; creating it again (a
// retry after a crash) finds the same client, not a second; under another
// ownership marker the ID is a conflict.
func testChosenID(t *testing.T, h Harness, _ provider.Capabilities) {
	marker := unique("owner")
	p := h.NewWith(t, Options{Owner: marker})
	spec := validSpec(t, h)
	spec.ClientID = unique("client")
	r := create(t, p, spec)
	if r.id != spec.ClientID {
		t.Fatalf("Create with ClientID %q made client %q", spec.ClientID, r.id)
	}
	works(t, h, r, r.secret, "the secret of a client with a chosen ID")
	if got, err := p.Observe(callContext(t), r.id, r.state); err != nil || got.ClientID != r.id {
		t.Fatalf("Observe(%q) = %q, %v", r.id, got.ClientID, err)
	}

	res, err := p.Create(callContext(t), spec)
	if err != nil {
		t.Fatalf("Create of ClientID %q again (a retry): %v", spec.ClientID, err)
	}
	if res.Client.ClientID != spec.ClientID {
		cleanupUnexpected(t, p, res)
		t.Fatalf("Create of ClientID %q again made client %q", spec.ClientID, res.Client.ClientID)
	}
	r.adopt(res)
	works(t, h, r, r.secret, "the secret the retried Create returned")
	if p.Capabilities().List {
		if got, err := provider.ListAll(callContext(t), p, marker); err != nil || !slices.Equal(ClientIDs(got), []string{r.id}) {
			t.Errorf("List after a retried Create = %v, %v; want the one client %q", ClientIDs(got), err, r.id)
		}
	}

	q := h.NewWith(t, Options{Owner: unique("owner")})
	theirs, err := q.Create(callContext(t), spec)
	if err == nil {
		if theirs.Client.ClientID != r.id {
			cleanupUnexpected(t, q, theirs)
		}
		t.Fatalf("Create of ClientID %q under another ownership marker succeeded (client %q)", spec.ClientID, theirs.Client.ClientID)
	}
	if !errors.Is(err, provider.ErrConflict) {
		t.Errorf("Create of ClientID %q under another ownership marker: error = %v, want one matching provider.ErrConflict", spec.ClientID, err)
	}
	works(t, h, r, r.secret, "the secret after another marker's Create of the same ID")
}

// testSuppliedSecret: Create honours ClientSpec.ClientSecret.
func testSuppliedSecret(t *testing.T, h Harness, _ provider.Capabilities) {
	p := h.New(t)
	spec := validSpec(t, h)
	spec.ClientSecret = unique("secret") + unique("x") // long enough for any server's minimum
	r := create(t, p, spec)
	if r.secret != "" && r.secret != spec.ClientSecret {
		t.Errorf("Create with a supplied secret returned another secret")
	}
	works(t, h, r, spec.ClientSecret, "the supplied secret")
}

// testReadable: Observe returns the current secret, after Create and after
// a rotation.
func testReadable(t *testing.T, h Harness, caps provider.Capabilities) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	read := func(when string) {
		t.Helper()
		got, err := p.Observe(callContext(t), r.id, r.state)
		if err != nil {
			t.Fatalf("Observe(%q) %s: %v", r.id, when, err)
		}
		if got.ClientSecret != r.secret {
			t.Errorf("Observe(%q) %s: the secret read back is not the current one", r.id, when)
		}
	}
	read("after Create")
	if caps.RegenerateSecret || caps.OverlapSecrets {
		rotate(t, p, r)
		read("after RotateSecret")
	}
}

// testRegenerate: RotateSecret issues a new secret for the same client
// and the old one stops working.
func testRegenerate(t *testing.T, h Harness, _ provider.Capabilities) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	old := r.secret
	rotate(t, p, r)
	works(t, h, r, r.secret, "the rotated secret")
	fails(t, h, r, old, "the secret before RotateSecret")
	if got, err := p.Observe(callContext(t), r.id, r.state); err != nil || got.ClientID != r.id {
		t.Errorf("Observe(%q) after RotateSecret = %q, %v; want the same client", r.id, got.ClientID, err)
	}
}

// testOverlap: RotateSecret keeps the old secrets valid (as many as
// MaxSecrets, or three with no limit), a rotation past MaxSecrets is a
// conflict, and RevokeRotatedSecrets leaves only the newest working.
func testOverlap(t *testing.T, h Harness, caps provider.Capabilities) {
	p := h.New(t)
	revoker, ok := p.(provider.SecretRevoker)
	if !ok {
		t.Fatal("the adapter claims OverlapSecrets but is no provider.SecretRevoker")
	}
	r := create(t, p, validSpec(t, h))
	secrets := []string{r.secret}
	n := caps.MaxSecrets
	if n == 0 {
		n = 3
	}
	for len(secrets) < n {
		secrets = append(secrets, rotate(t, p, r))
		for i, s := range secrets {
			works(t, h, r, s, fmt.Sprintf("secret %d of %d during the overlap", i+1, len(secrets)))
		}
	}
	if caps.MaxSecrets > 0 {
		res, err := p.RotateSecret(callContext(t), r.id, r.state)
		if !errors.Is(err, provider.ErrConflict) {
			t.Errorf("RotateSecret with %d secrets valid (MaxSecrets): error = %v, want one matching provider.ErrConflict", n, err)
		}
		if err == nil && res.Client.ClientSecret != "" {
			r.adopt(res)
			secrets = append(secrets, res.Client.ClientSecret)
		}
	}
	if err := revoker.RevokeRotatedSecrets(callContext(t), r.id, r.state); err != nil {
		t.Fatalf("RevokeRotatedSecrets(%q): %v", r.id, err)
	}
	works(t, h, r, secrets[len(secrets)-1], "the newest secret after RevokeRotatedSecrets")
	for i, s := range secrets[:len(secrets)-1] {
		fails(t, h, r, s, fmt.Sprintf("secret %d of %d after RevokeRotatedSecrets", i+1, len(secrets)))
	}
}

// testExpiry: Create and RotateSecret report when the secret expires.
func testExpiry(t *testing.T, h Harness, caps provider.Capabilities) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	if !r.expires.After(time.Now()) {
		t.Errorf("Create: SecretExpiresAt = %v, want a time to come", r.expires)
	}
	if caps.RegenerateSecret || caps.OverlapSecrets {
		rotate(t, p, r)
		if !r.expires.After(time.Now()) {
			t.Errorf("RotateSecret: SecretExpiresAt = %v, want a time to come", r.expires)
		}
	}
}

// testDisable: SetEnabled(false) makes the credentials fail and Observe
// report the client disabled; SetEnabled(true) restores both.
func testDisable(t *testing.T, h Harness, _ provider.Capabilities) {
	p := h.New(t)
	r := create(t, p, validSpec(t, h))
	enabled := func(want bool) {
		t.Helper()
		if c, err := p.Observe(callContext(t), r.id, r.state); err != nil || c.Enabled != want {
			t.Errorf("Observe(%q): Enabled = %t, error = %v; want %t, nil", r.id, c.Enabled, err, want)
		}
	}
	if err := p.SetEnabled(callContext(t), r.id, r.state, false); err != nil {
		t.Fatalf("SetEnabled(%q, false): %v", r.id, err)
	}
	fails(t, h, r, r.secret, "the secret of a disabled client")
	enabled(false)
	if err := p.SetEnabled(callContext(t), r.id, r.state, true); err != nil {
		t.Fatalf("SetEnabled(%q, true): %v", r.id, err)
	}
	works(t, h, r, r.secret, "the secret of a re-enabled client")
	enabled(true)
}

// ClientIDs returns the sorted client IDs of cs.
func ClientIDs(cs []provider.Client) []string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ClientID)
	}
	slices.Sort(out)
	return out
}
