package oauthclient

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"

	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
)

// Messages of the Disabled reason: they say which way the client was
// switched off.
const (
	disabledNatively = "disabled with the server's own switch: its credentials are refused; the Secret is kept"
	disabledByDelete = "the server has no switch to disable a client, so the client was deleted there and client_secret removed from the Secret; setting disabled: false registers a new client"
	disabledUnborn   = "disabled before a client was registered: none exists at the server; setting disabled: false registers one"
)

// disable switches the client off: with the server's own switch where it
// has one, else by deleting the remote client and removing the secret from
// the delivered Secret. Each part is idempotent, so a crash midway is
// finished by the next reconcile.
func (r *Reconciler) disable(ctx context.Context, o *observation, p policy.Plan) (outcome, error) {
	oac, rec, prov := o.Client, o.Record, o.server.Provider
	if p.Disable == policy.DisableNative {
		if p.SwitchOff {
			if err := prov.SetEnabled(ctx, rec.ClientID, rec.Provider, false); err != nil {
				return outcome{record: rec}, providerFailure(err, "disabling client %s", rec.ClientID)
			}
			r.event(oac, corev1.EventTypeNormal, "Disabled", "disabled client %s at the server", rec.ClientID)
		}
		if rec == nil {
			return outcome{disabled: disabledUnborn}, nil
		}
		return outcome{record: rec, disabled: disabledNatively}, nil
	}

	if rec == nil {
		return outcome{disabled: disabledByDelete}, nil
	}
	if err := deleteRetiring(ctx, prov, rec); err != nil {
		return outcome{record: rec}, err
	}
	if err := deleteAtServer(ctx, prov, rec.ClientID, rec.Provider, "deleting client %s to disable it", rec.ClientID); err != nil {
		return outcome{record: rec}, err
	}
	if err := crashpoint.Reached(crashpoint.AfterDisableDelete); err != nil {
		return outcome{record: rec}, err
	}
	// Keep the Secret and its other keys; only the secret goes, as a new
	// version (status counts it, so the next client's version follows it).
	withoutSecret := rec.Clone()
	withoutSecret.ClientSecret = ""
	withoutSecret.Key = ""
	withoutSecret.Version++
	if o.secret != nil {
		if err := r.deliver(ctx, o, withoutSecret); err != nil {
			return outcome{record: rec}, fmt.Errorf("removing client_secret from Secret %s: %w", o.secret.Name, err)
		}
	}
	if err := r.records.Remove(ctx, oac); err != nil {
		return outcome{record: rec}, err
	}
	r.event(oac, corev1.EventTypeNormal, "Disabled", "deleted client %s at the server to disable it (the server has no switch of its own)", rec.ClientID)
	return outcome{record: withoutSecret, delivered: o.secret != nil, disabled: disabledByDelete}, nil
}
