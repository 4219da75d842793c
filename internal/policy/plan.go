package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

// Observation is everything one reconcile of a live (not deleted)
// OAuthClient learned before deciding: gathered once, then read only.
type Observation struct {
	Now    time.Time
	Client *v1alpha1.OAuthClient
	// Caps are what the client's server can do.
	Caps provider.Capabilities
	// Record is the durable record of the remote client; nil when none.
	Record *record.Record
	// Remote is the client as the server reported it in this reconcile;
	// nil when it was not read (no record, or it matched moments ago).
	Remote *provider.Client
	// Gone: the server no longer knows the recorded client.
	Gone bool
	// Drift lists the fields the adapter says differ between Remote and the
	// manifest (provider.Diff); empty when Remote is up to date or unread.
	Drift []string
	// Existing, when there is no record, is the client that already holds
	// spec.clientID at the server, or (without spec.clientID, with
	// adoption policy Adopt) this OAuthClient's own newest client found by
	// List; nil when there is none or it was not looked for (existing.go).
	Existing *provider.Client
}

// Register says why a new client is registered.
type Register string

// Why a client is registered.
const (
	// RegisterNone: the recorded client stays.
	RegisterNone Register = ""
	// RegisterNew: there has never been a client.
	RegisterNew Register = "New"
	// RegisterRecordLost: status names a client but its record is gone.
	RegisterRecordLost Register = "RecordLost"
	// RegisterGone: the server no longer knows the recorded client.
	RegisterGone Register = "Gone"
)

// Disable says how a disabled client is switched off.
type Disable string

// How a client is disabled.
const (
	// DisableNone: the client is not disabled.
	DisableNone Disable = ""
	// DisableNative: the server's own switch; the Secret is kept.
	DisableNative Disable = "Native"
	// DisableByDelete: the server has no switch, so the client is deleted
	// there and client_secret removed from the Secret.
	DisableByDelete Disable = "ByDelete"
)

// Plan is what one reconcile does, decided before anything is done. The
// reconciler carries it out in the crash-safe order the invariants need.
type Plan struct {
	Register Register
	// Enable switches a client the server's switch turned off back on.
	Enable bool
	// AdoptSecret: the server holds another secret than the record (changed
	// there by hand); the server's is the live one.
	AdoptSecret bool
	// Update lists the fields to correct at the server.
	Update []string
	// Rotate is the strategy of a rotation that is due ("" for none), and
	// RotateReason says why.
	Rotate       v1alpha1.RotationStrategy
	RotateReason string
	// Retire are replaced clients whose grace period has ended; Keep are
	// those still waiting.
	Retire, Keep []record.Retiring
	// Disable, when set, replaces everything above.
	Disable Disable
	// SwitchOff: Disable is Native and the client is still on.
	SwitchOff bool
}

// Decide turns an observation into the plan. It fails only when the spec
// asks for what the server cannot do (an error naming the field).
func Decide(o Observation) (Plan, error) {
	oac := o.Client
	if oac.Spec.Disabled {
		return decideDisabled(o), nil
	}
	var p Plan
	switch {
	case o.Record == nil && oac.Status.ClientID != "":
		p.Register = RegisterRecordLost
	case o.Record == nil:
		p.Register = RegisterNew
	case o.Gone:
		p.Register = RegisterGone
	}
	if p.Register != RegisterNone && o.Existing != nil {
		var err error
		if p.Register, err = decideExisting(oac, o.Existing, p.Register); err != nil {
			return Plan{}, err
		}
	}
	if o.Record != nil {
		p.Retire, p.Keep, _ = DueRetirements(o.Now, o.Record.Retiring)
	}
	if p.Register != RegisterNone {
		// A new client has fresh credentials; its next rotation is known
		// once the server issued them.
		return p, nil
	}

	if r := o.Remote; r != nil {
		p.Enable = o.Caps.NativeDisable && !r.Enabled
		p.AdoptSecret = r.ClientSecret != "" && r.ClientSecret != o.Record.ClientSecret && !IsPublic(oac)
		p.Update = o.Drift
	}

	expires := o.Record.SecretExpiresAt
	if o.Remote != nil {
		expires = o.Remote.SecretExpiresAt
	}
	d := DecideRotation(RotationInput{
		Now: o.Now, IssuedAt: o.Record.IssuedAt, Interval: IntervalOf(oac),
		Requested: oac.Annotations[v1alpha1.AnnotationRotateRequestedAt], Handled: o.Record.HandledRequest,
		SecretExpiresAt: expires,
	})
	// Brought credentials (spec.credentialsFrom) are rotated by whoever
	// fills their Secret; the controller only says when that is due.
	if d.Due && !IsPublic(oac) && oac.Spec.CredentialsFrom == nil {
		strategy, err := StrategyFor(oac, o.Caps)
		if IsKeyBased(oac) {
			strategy, err = keyStrategy(StrategyOf(oac), o.Caps)
		}
		if err != nil {
			return Plan{}, err
		}
		if strategy != v1alpha1.StrategyOverlap || !overlapping(o.Record) {
			p.Rotate, p.RotateReason = strategy, d.Reason
		}
		// Otherwise the last overlap's old secrets go first, when its grace
		// period ends; the rotation follows.
	}
	return p, nil
}

// overlapping reports whether an Overlap rotation's old secrets are still
// to be revoked.
func overlapping(rec *record.Record) bool {
	for _, rc := range rec.Retiring {
		if rc.SecretsOnly {
			return true
		}
	}
	return false
}

func decideDisabled(o Observation) Plan {
	if o.Caps.NativeDisable {
		return Plan{Disable: DisableNative, SwitchOff: o.Record != nil && o.Remote != nil && o.Remote.Enabled}
	}
	return Plan{Disable: DisableByDelete}
}

// String says what the plan does, for a log line.
func (p Plan) String() string {
	var parts []string
	add := func(ok bool, format string, args ...any) {
		if ok {
			parts = append(parts, fmt.Sprintf(format, args...))
		}
	}
	add(p.Register != RegisterNone, "register (%s)", p.Register)
	add(p.Enable, "enable")
	add(p.AdoptSecret, "adopt the server's secret")
	add(len(p.Update) > 0, "update %s", strings.Join(p.Update, ", "))
	add(p.Rotate != "", "rotate with %s: %s", p.Rotate, p.RotateReason)
	add(len(p.Retire) > 0, "retire %d replaced client(s)", len(p.Retire))
	add(p.Disable != DisableNone, "disable (%s)", p.Disable)
	if len(parts) == 0 {
		return "nothing to change at the server"
	}
	return strings.Join(parts, "; ")
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}
