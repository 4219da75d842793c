package oauthclient

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// revokingProvider is the fake server, able to revoke a client's previous
// secrets (a provider.SecretRevoker); it records each revocation.
type revokingProvider struct {
	*fakeProvider
	mu      sync.Mutex
	revoked []string
}

func (p *revokingProvider) RevokeRotatedSecrets(_ context.Context, id string, _ provider.State) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.revoked = append(p.revoked, id)
	return nil
}

func (p *revokingProvider) revocations() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.revoked)
}

// withRevoker puts a revokingProvider in place of e's fake server.
func withRevoker(e *env) *revokingProvider {
	e.t.Helper()
	var as v1alpha1.AuthServer
	if err := e.api.Get(e.ctx, client.ObjectKey{Namespace: tenantNamespace, Name: serverName}, &as); err != nil {
		e.t.Fatal(err)
	}
	rp := &revokingProvider{fakeProvider: e.srv}
	e.r.Servers.Set(servers.KeyOfObject(&as), &servers.Server{
		Provider:  rp,
		Endpoints: provider.Endpoints{Issuer: testIssuer, Token: testTokenURL},
	}, "fp-revoking", &as)
	return rp
}

// overlapRotated registers a client at a fake server that keeps two
// secrets and can revoke one, and rotates it once by overlap; it returns
// the test's env, the server and the client's ID.
func overlapRotated(t *testing.T) (*env, *revokingProvider, string) {
	t.Helper()
	e := newEnv(t, config{caps: provider.Capabilities{RegenerateSecret: true, OverlapSecrets: true, MaxSecrets: 2}})
	rp := withRevoker(e)
	e.ok()
	id := e.record().ClientID
	e.requestRotation("overlap-1")
	e.ok()
	return e, rp, id
}

// With Overlap the client keeps its ID, the previous secret is recorded
// for revocation at the end of the grace period (a crash cannot forget
// it), and is revoked then; the client stays.
func TestOverlapRevokesThePreviousSecretWhenTheGracePeriodEnds(t *testing.T) {
	e, rp, id := overlapRotated(t)
	rec := e.record()
	if rec.ClientID != id || len(rec.Retiring) != 1 || !rec.Retiring[0].SecretsOnly || rec.Retiring[0].ClientID != id {
		t.Fatalf("after an Overlap rotation: client %s, retiring %+v; want client %s with its previous secret retiring", rec.ClientID, rec.Retiring, id)
	}
	if d := time.Until(rec.Retiring[0].RetireAt); d < policy.DefaultGracePeriod-time.Minute || d > policy.DefaultGracePeriod {
		t.Errorf("the previous secret retires in %s, want the default grace period %s", d, policy.DefaultGracePeriod)
	}
	e.ok()
	if got := rp.revocations(); len(got) != 0 {
		t.Fatalf("revoked during the grace period: %v", got)
	}

	e.editRecord(func(r *record.Record) { r.Retiring[0].RetireAt = time.Now().Add(-time.Second) })
	e.ok()
	if got := rp.revocations(); !slices.Equal(got, []string{id}) {
		t.Errorf("revocations after the grace period: %v, want [%s]", got, id)
	}
	e.wantEvent("Normal", "Revoked")
	if rec := e.record(); len(rec.Retiring) != 0 || rec.ClientID != id {
		t.Errorf("after the revocation: client %s, retiring %+v", rec.ClientID, rec.Retiring)
	}
	if e.srv.client(id) == nil {
		t.Error("ending the overlap deleted the client")
	}
	e.wantCalls("Delete", 0)
}

// A rotation asked for while an overlap is still running waits for its
// grace period: revoking would cut the previous secret short, and a server
// that keeps two secrets would refuse a third.
func TestOverlapRotatedAgainWaitsForTheRunningOverlap(t *testing.T) {
	e, rp, id := overlapRotated(t)
	e.requestRotation("overlap-2")
	e.ok()
	if got := rp.revocations(); len(got) != 0 {
		t.Errorf("revocations during the grace period: %v, want none", got)
	}
	e.wantCalls("RotateSecret", 1)

	e.editRecord(func(r *record.Record) { r.Retiring[0].RetireAt = time.Now().Add(-time.Second) })
	e.ok() // the overlap ends
	e.ok() // the rotation asked for follows
	if got := rp.revocations(); !slices.Equal(got, []string{id}) {
		t.Errorf("revocations: %v, want the first overlap ended once", got)
	}
	e.wantCalls("RotateSecret", 2)
	if rec := e.record(); len(rec.Retiring) != 1 || !rec.Retiring[0].SecretsOnly {
		t.Errorf("retiring after the second rotation: %+v, want one previous secret", rec.Retiring)
	}
}
