package policy

import (
	"errors"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// TestDecideExistingClient covers what happens when a client already holds
// spec.clientID and the OAuthClient has no record of it.
func TestDecideExistingClient(t *testing.T) {
	client := func(policy v1alpha1.AdoptionPolicy, statusID string) *v1alpha1.OAuthClient {
		oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: "team", UID: "uid-2"}}
		oac.Spec.ClientID = "billing"
		if policy != "" {
			oac.Spec.Adoption = &v1alpha1.Adoption{Policy: policy}
		}
		oac.Status.ClientID = statusID
		return oac
	}
	existing := func(createKey string) *provider.Client {
		return &provider.Client{ClientID: "billing", Spec: provider.ClientSpec{CreateKey: createKey}}
	}
	caps := provider.Capabilities{CallerChosenID: true}
	cases := []struct {
		name     string
		oac      *v1alpha1.OAuthClient
		existing *provider.Client
		want     Register
		conflict bool
	}{
		{"nothing holds the ID", client("", ""), nil, RegisterNew, false},
		{"made by someone else, default policy", client("", ""), existing(""), RegisterNone, true},
		{"made by someone else, FailOnConflict", client(v1alpha1.AdoptionFailOnConflict, ""), existing(""), RegisterNone, true},
		{"made by an earlier OAuthClient of the same name", client("", ""), existing("uid-1-1"), RegisterNone, true},
		{"a create key that only starts like ours", client("", ""), existing("uid-22-1"), RegisterNone, true},
		{"made by someone else, Adopt", client(v1alpha1.AdoptionAdopt, ""), existing(""), RegisterAdopt, false},
		{"an earlier OAuthClient's, Adopt", client(v1alpha1.AdoptionAdopt, ""), existing("uid-1-3"), RegisterAdopt, false},
		{"our own create, answer lost in a crash", client("", ""), existing("uid-2-1"), RegisterNew, false},
		{"our own client, record lost", client("", "billing"), existing("uid-2-4"), RegisterRecordLost, false},
		{"without spec.clientID, our own client found by List after the record was lost", func() *v1alpha1.OAuthClient {
			oac := client(v1alpha1.AdoptionAdopt, "uid-2-3")
			oac.Spec.ClientID = ""
			return oac
		}(), existing("uid-2-3"), RegisterAdopt, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, err := Decide(Observation{Client: c.oac, Caps: caps, Existing: c.existing})
			var exists *ExistsError
			if c.conflict != errors.As(err, &exists) {
				t.Fatalf("error %v, want a conflict: %t", err, c.conflict)
			}
			if c.conflict {
				if !strings.Contains(err.Error(), `"billing"`) || !strings.Contains(err.Error(), "spec.adoption.policy") {
					t.Errorf("the conflict must name the client ID and what to do: %v", err)
				}
				return
			}
			if p.Register != c.want {
				t.Errorf("register %q, want %q", p.Register, c.want)
			}
		})
	}
}

// TestClientIDIsStable: spec.clientID is asked for whatever the version, so
// the same manifest applied again gets the same client ID.
func TestClientIDIsStable(t *testing.T) {
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{UID: "uid-1"}}
	if got := ClientIDFor(oac, 3); got != "uid-1-3" {
		t.Errorf("without spec.clientID: %q", got)
	}
	oac.Spec.ClientID = "billing"
	again := oac.DeepCopy()
	again.UID = "uid-2"
	if ClientIDFor(oac, 1) != "billing" || ClientIDFor(again, 7) != "billing" {
		t.Errorf("spec.clientID must be asked for by every OAuthClient and version")
	}
}

// TestCheckClientID: spec.clientID is refused, naming the field, where the
// server chooses client IDs itself.
func TestCheckClientID(t *testing.T) {
	oac := &v1alpha1.OAuthClient{}
	if err := CheckClientID(oac, provider.Capabilities{}, "dynamicRegistration"); err != nil {
		t.Errorf("no spec.clientID: %v", err)
	}
	oac.Spec.ClientID = "billing"
	if err := CheckClientID(oac, provider.Capabilities{CallerChosenID: true}, "hydra"); err != nil {
		t.Errorf("a server that lets the caller choose: %v", err)
	}
	err := CheckClientID(oac, provider.Capabilities{}, "dynamicRegistration")
	if err == nil || !strings.HasPrefix(err.Error(), "spec.clientID:") || !strings.Contains(err.Error(), "dynamicRegistration") {
		t.Errorf("want an error naming spec.clientID and the adapter, got %v", err)
	}
}

// TestStrategyWithClientID: a client with spec.clientID is never replaced.
func TestStrategyWithClientID(t *testing.T) {
	overlap := provider.Capabilities{OverlapSecrets: true, RegenerateSecret: true}
	regenerate := provider.Capabilities{RegenerateSecret: true}
	cases := []struct {
		name      string
		requested v1alpha1.RotationStrategy
		caps      provider.Capabilities
		want      v1alpha1.RotationStrategy
		errField  string
	}{
		{"Auto with overlap", v1alpha1.StrategyAuto, overlap, v1alpha1.StrategyOverlap, ""},
		{"Auto without overlap regenerates", v1alpha1.StrategyAuto, regenerate, v1alpha1.StrategyRegenerate, ""},
		{"Auto with neither", v1alpha1.StrategyAuto, provider.Capabilities{}, "", "spec.clientID"},
		{"explicit Replace", v1alpha1.StrategyReplace, overlap, "", "spec.rotation.strategy"},
		{"explicit Regenerate", v1alpha1.StrategyRegenerate, overlap, v1alpha1.StrategyRegenerate, ""},
		{"explicit Overlap the server lacks", v1alpha1.StrategyOverlap, regenerate, "", "spec.rotation.strategy"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oac := &v1alpha1.OAuthClient{}
			oac.Spec.ClientID = "billing"
			oac.Spec.Rotation = &v1alpha1.RotationPolicy{Strategy: c.requested}
			got, err := StrategyFor(oac, c.caps)
			if c.errField != "" {
				if err == nil || !strings.HasPrefix(err.Error(), c.errField+":") {
					t.Fatalf("want an error naming %s, got %v", c.errField, err)
				}
				return
			}
			if err != nil || got != c.want {
				t.Fatalf("got %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

// TestScheduledRotationWithClientID: a due rotation of a client with
// spec.clientID at a server that only regenerates is not a Replace.
func TestScheduledRotationWithClientID(t *testing.T) {
	t0 := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	oac := &v1alpha1.OAuthClient{}
	oac.Spec.ClientID = "billing"
	oac.Spec.Rotation = &v1alpha1.RotationPolicy{Interval: &metav1.Duration{Duration: time.Hour}}
	rec := &record.Record{ClientID: "billing", ClientSecret: "s", IssuedAt: t0, Version: 1}
	p, err := Decide(Observation{Now: t0.Add(2 * time.Hour), Client: oac, Record: rec,
		Caps: provider.Capabilities{CallerChosenID: true, RegenerateSecret: true}})
	if err != nil || p.Rotate != v1alpha1.StrategyRegenerate {
		t.Fatalf("got %q, %v; want Regenerate", p.Rotate, err)
	}
}

// TestClientExistsWaitsForAPerson: a conflict is not retried with backoff
// (nothing changes by itself); a spec change is acted on at once.
func TestClientExistsWaitsForAPerson(t *testing.T) {
	if after, backoff := ClientRetry(v1alpha1.ReasonClientExists, &ExistsError{ClientID: "billing"}); backoff || after != MaxRetry {
		t.Errorf("ClientRetry = %s, backoff %t; want a pause of %s", after, backoff, MaxRetry)
	}
}

// TestOwnNewest: after a record loss, the newest client the OAuthClient
// made is found among the clients listed by the ownership marker, by create
// key, or by a client ID of the operator's choosing where no key is stored.
func TestOwnNewest(t *testing.T) {
	oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{UID: "uid-2"}}
	listed := func(id, key string) provider.Client {
		return provider.Client{ClientID: id, Spec: provider.ClientSpec{CreateKey: key}}
	}
	cases := []struct {
		name    string
		clients []provider.Client
		want    string
	}{
		{"none listed", nil, ""},
		{"only other OAuthClients' clients", []provider.Client{listed("uid-1-1", "uid-1-1"), listed("x", "uid-22-1"), listed("hand-made", "")}, ""},
		{"the newest of a replaced and its replacement", []provider.Client{listed("uid-2-2", "uid-2-2"), listed("uid-2-3", "uid-2-3"), listed("uid-1-9", "uid-1-9")}, "uid-2-3"},
		{"by create key, whatever the ID", []provider.Client{listed("0oa123", "uid-2-1")}, "0oa123"},
		{"by a chosen ID where no key is stored", []provider.Client{listed("uid-2-4", "")}, "uid-2-4"},
		{"a key that is not ours plus a version", []provider.Client{listed("c", "uid-2-x")}, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := OwnNewest(oac, c.clients)
			if (got == nil) != (c.want == "") || (got != nil && got.ClientID != c.want) {
				t.Errorf("OwnNewest = %v, want %q", got, c.want)
			}
		})
	}
}
