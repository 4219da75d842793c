package dynamicregistration

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

var audienceSpec = provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"},
	Audience: []string{"https://api.example.com", "urn:orders"}}

// A server that keeps "audience" (Ory Hydra does) registers it.
func TestAudienceIsSentAndKept(t *testing.T) {
	f := newFakeServer(t, "", false)
	p := newAdapter(t, f.URL+"/reg", nil)
	if !p.Capabilities().Audience {
		t.Fatal("the adapter does not claim Audience")
	}
	res, err := p.Create(context.Background(), audienceSpec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if got := fmt.Sprint(f.calls()[0].body["audience"]); got != "[https://api.example.com urn:orders]" {
		t.Errorf("registration body audience = %s", got)
	}
	got, err := p.Observe(context.Background(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatal(err)
	}
	if !provider.SameSet(got.Spec.Audience, audienceSpec.Audience) {
		t.Errorf("observed audience %v", got.Spec.Audience)
	}
	if d := provider.Diff(p, audienceSpec, got); len(d) != 0 {
		t.Errorf("drift %v right after registration", d)
	}
	withOther := audienceSpec
	withOther.Audience = []string{"urn:orders"}
	if d := provider.Diff(p, withOther, got); fmt.Sprint(d) != "[audience]" {
		t.Errorf("a changed audience: drift %v, want [audience]", d)
	}
}

// A server that ignores "audience" leaves it out of its answer: the
// registration is refused and deleted again, not kept without it.
func TestAudienceTheServerIgnoresIsRefused(t *testing.T) {
	f := newFakeServer(t, "", false)
	f.ignored = []string{"audience"}
	p := newAdapter(t, f.URL+"/reg", nil)
	_, err := p.Create(context.Background(), audienceSpec)
	if provider.KindOf(err) != provider.KindInvalidMetadata || !strings.Contains(err.Error(), "spec.audience") {
		t.Fatalf("Create error = %v, want InvalidMetadata naming spec.audience", err)
	}
	if n := len(f.clients); n != 0 {
		t.Errorf("%d clients left at the server", n)
	}

	// A client registered without an audience, which then asks for one.
	res, err := p.Create(context.Background(), ccSpec)
	if err != nil {
		t.Fatal(err)
	}
	withAudience := ccSpec
	withAudience.Audience = []string{"urn:orders"}
	_, err = p.Update(context.Background(), res.Client.ClientID, res.State, withAudience)
	if provider.KindOf(err) != provider.KindInvalidMetadata || !strings.Contains(err.Error(), "spec.audience") {
		t.Errorf("Update error = %v, want InvalidMetadata naming spec.audience", err)
	}
}

// A server that rotates the registration access token on update: the
// answer's new token must not be lost, so Update succeeds with it even when
// the audience was dropped (see docs/providers/dynamic-registration.md).
func TestAudienceDroppedOnUpdateKeepsARotatedToken(t *testing.T) {
	f := newFakeServer(t, "", true)
	f.ignored = []string{"audience"}
	p := newAdapter(t, f.URL+"/reg", nil)
	res, err := p.Create(context.Background(), ccSpec)
	if err != nil {
		t.Fatal(err)
	}
	withAudience := ccSpec
	withAudience.Audience = []string{"urn:orders"}
	up, err := p.Update(context.Background(), res.Client.ClientID, res.State, withAudience)
	if err != nil || up.State == nil {
		t.Fatalf("Update = %v, %v; want the rotated token kept", up.State, err)
	}
}
