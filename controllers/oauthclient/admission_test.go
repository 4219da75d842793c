package oauthclient

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
)

// Guard rails: input refused before anything is registered or changed at
// the server (issue 12).

// spec.audience at a server whose adapter cannot register one is refused,
// not ignored.
func TestAudienceTheAdapterCannotRegisterIsRefused(t *testing.T) {
	withAudience := func(o *v1alpha1.OAuthClient) { o.Spec.Audience = []string{"https://api.example.com"} }
	e := newEnv(t, config{edit: withAudience})
	_, _ = e.reconcile()
	c := e.wantReady(v1alpha1.ReasonInvalidMetadata)
	if !strings.Contains(c.Message, "spec.audience") {
		t.Errorf("message: %s", c.Message)
	}
	if ids := e.srv.ids(); len(ids) != 0 {
		t.Errorf("registered %v", ids)
	}

	e = newEnv(t, config{edit: withAudience, caps: provider.Capabilities{Audience: true}})
	id := e.registered()
	if got := e.srv.client(id).Spec.Audience; len(got) != 1 || got[0] != "https://api.example.com" {
		t.Errorf("audience at the server: %v", got)
	}
}

// setPolicy gives the test's AuthServer a client policy.
func (e *env) setPolicy(p *v1alpha1.ClientPolicy) {
	e.t.Helper()
	as := &v1alpha1.AuthServer{}
	if err := e.api.Get(e.ctx, types.NamespacedName{Namespace: tenantNamespace, Name: serverName}, as); err != nil {
		e.t.Fatal(err)
	}
	as.Spec.ClientPolicy = p
	if err := e.api.Update(e.ctx, as); err != nil {
		e.t.Fatal(err)
	}
}

// A client outside its server's policy is refused naming each field, and
// nothing is registered; once the manifest is fixed it is.
func TestClientOutsideThePolicyIsRefused(t *testing.T) {
	e := newEnv(t, config{edit: func(o *v1alpha1.OAuthClient) { o.Spec.Scopes = []string{"read", "admin"} }})
	e.setPolicy(&v1alpha1.ClientPolicy{Scopes: []string{"read", "orders.*"}, MaxRotationInterval: &metav1.Duration{Duration: 2160 * time.Hour}})
	res, err := e.reconcile()
	c := e.wantReady(v1alpha1.ReasonPolicyViolation)
	for _, w := range []string{`AuthServer "auth"`, `spec.scopes[1] "admin"`, "spec.rotation.interval is required"} {
		if !strings.Contains(c.Message, w) {
			t.Errorf("message lacks %q: %s", w, c.Message)
		}
	}
	if ids := e.srv.ids(); len(ids) != 0 || e.secret() != nil {
		t.Errorf("registered %v or wrote a Secret", ids)
	}
	if err != nil || res.RequeueAfter != policy.MaxRetry {
		t.Errorf("retried as a passing fault (%v, %v)", res, err)
	}

	e.update(func(o *v1alpha1.OAuthClient) {
		o.Spec.Scopes = []string{"read", "orders.write"}
		o.Spec.Rotation = &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: 720 * time.Hour}}
	})
	e.ok()
	e.wantReady(v1alpha1.ReasonReady)
}

// A policy tightened under a registered client reports it, and changes
// nothing at the server nor in the Secret until one of them is fixed.
func TestTightenedPolicyChangesNothingAtTheServer(t *testing.T) {
	e := newEnv(t, config{})
	id := e.registered()
	before, writes := e.secret(), e.srv.writes()
	e.setPolicy(&v1alpha1.ClientPolicy{Scopes: []string{"read"}})
	e.later()
	e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Scopes = []string{"read", "write", "admin"} })
	_, _ = e.reconcile()
	c := e.wantReady(v1alpha1.ReasonPolicyViolation)
	if !strings.Contains(c.Message, `spec.scopes[1] "write"`) || !strings.Contains(c.Message, `spec.scopes[2] "admin"`) {
		t.Errorf("message: %s", c.Message)
	}
	if n := e.srv.writes() - writes; n != 0 {
		t.Errorf("%d writes at the server", n)
	}
	if got := e.srv.client(id).Spec.Scopes; strings.Join(got, " ") != "read write" {
		t.Errorf("scopes at the server changed to %v", got)
	}
	if after := e.secret(); after == nil || after.ResourceVersion != before.ResourceVersion {
		t.Error("the Secret was changed or deleted")
	}
	if e.oac().Status.ClientID != id {
		t.Error("status lost the client ID")
	}

	e.setPolicy(&v1alpha1.ClientPolicy{Scopes: []string{"read", "write", "admin"}})
	e.ok()
	e.wantReady(v1alpha1.ReasonReady)
	if got := e.srv.client(id).Spec.Scopes; len(got) != 3 {
		t.Errorf("scopes at the server after the policy allowed them: %v", got)
	}
}
