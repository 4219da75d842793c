package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

var statusCommand = command{
	name: "status", args: "[NAME]",
	short: "conditions, server, secret version, last and next rotation, expiry",
	summary: "Show an OAuthClient: its conditions, server, client ID, delivered Secret and version,\n" +
		"when its credentials were issued and expire, its last and next rotation.\n" +
		"Without NAME, one line per OAuthClient in the namespace (-A: in all namespaces).",
	flags: func(fs *flag.FlagSet) func(context.Context, *plugin, []string) error {
		all := fs.Bool("A", false, "without NAME: list the OAuthClients of all namespaces")
		return func(ctx context.Context, p *plugin, args []string) error {
			switch len(args) {
			case 0:
				return p.list(ctx, *all)
			case 1:
				return p.status(ctx, args[0])
			}
			return fmt.Errorf("%w: want at most one OAuthClient NAME", errUsage)
		}
	},
}

// get reads the OAuthClient name of the plugin's namespace.
func (p *plugin) get(ctx context.Context, name string) (*v1alpha1.OAuthClient, error) {
	var oac v1alpha1.OAuthClient
	if err := p.client.Get(ctx, client.ObjectKey{Namespace: p.namespace, Name: name}, &oac); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("OAuthClient %s/%s not found", p.namespace, name)
		}
		return nil, fmt.Errorf("reading OAuthClient %s/%s: %w", p.namespace, name, err)
	}
	return &oac, nil
}

// delivered reads the OAuthClient's delivered Secret; nil when there is none.
func (p *plugin) delivered(ctx context.Context, oac *v1alpha1.OAuthClient) (*corev1.Secret, error) {
	var s corev1.Secret
	err := p.client.Get(ctx, client.ObjectKey{Namespace: oac.Namespace, Name: oac.SecretName()}, &s)
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading Secret %s/%s: %w", oac.Namespace, oac.SecretName(), err)
	}
	if !ownedBy(&s, oac) {
		return nil, fmt.Errorf("the Secret %s/%s is not the one the operator delivered for this OAuthClient (its owner differs)", s.Namespace, s.Name)
	}
	return &s, nil
}

func ownedBy(s *corev1.Secret, oac *v1alpha1.OAuthClient) bool {
	for _, o := range s.OwnerReferences {
		if o.UID == oac.UID {
			return true
		}
	}
	return false
}

func (p *plugin) status(ctx context.Context, name string) error {
	oac, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	secret, err := p.delivered(ctx, oac)
	if err != nil {
		return err
	}
	w := newTable(p.out)
	row := func(k, v string) { w.printf("%s:\t%s\n", k, v) }
	row("OAuthClient", oac.Namespace+"/"+oac.Name)
	row("Server", fmt.Sprintf("%s %s", oac.ServerKind(), oac.Spec.ServerRef.Name))
	row("Ready", readyLine(oac))
	row("Client ID", orNone(oac.Status.ClientID))
	if secret == nil {
		row("Secret", oac.SecretName()+" (not delivered yet)")
	} else {
		row("Secret", fmt.Sprintf("%s, version %s", secret.Name, orNone(secret.Annotations[v1alpha1.AnnotationVersion])))
		row("Issued", p.when(secret.Annotations[v1alpha1.AnnotationIssuedAt], "unknown"))
		row("Expires", p.when(secret.Annotations[v1alpha1.AnnotationExpiresAt], "never (the server sets no expiry)"))
	}
	if t := oac.Status.LastRotationTime; t != nil {
		row("Last rotation", p.when(t.UTC().Format(time.RFC3339), "")+": "+oac.Status.LastRotationReason)
	} else {
		row("Last rotation", "never")
	}
	row("Next rotation", p.nextRotation(oac))
	row("Disabled", fmt.Sprint(oac.Spec.Disabled))
	if err := w.flush(); err != nil {
		return err
	}
	return printConditions(p.out, oac)
}

func readyLine(oac *v1alpha1.OAuthClient) string {
	c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil {
		return "Unknown (the operator has not reported yet)"
	}
	line := fmt.Sprintf("%s (%s) %s", c.Status, c.Reason, c.Message)
	if c.ObservedGeneration != oac.Generation {
		line += fmt.Sprintf(" [about generation %d; the spec is at %d: not reconciled yet]", c.ObservedGeneration, oac.Generation)
	}
	return strings.TrimSpace(line)
}

func (p *plugin) nextRotation(oac *v1alpha1.OAuthClient) string {
	t := oac.Status.NextRotationTime
	switch {
	case oac.Spec.Disabled:
		return "none (disabled)"
	case t == nil:
		return "none scheduled (set spec.rotation.interval, or run: kubectl oauthclient rotate " + oac.Name + ")"
	case p.now().After(t.Time):
		return fmt.Sprintf("%s, OVERDUE by %s", t.UTC().Format(time.RFC3339), p.now().Sub(t.Time).Round(time.Second))
	}
	return p.when(t.UTC().Format(time.RFC3339), "")
}

// when shows an RFC 3339 time with how far it is from now.
func (p *plugin) when(value, missing string) string {
	if value == "" {
		return missing
	}
	t, err := time.Parse(time.RFC3339, value)
	if err != nil {
		return value
	}
	d := t.Sub(p.now()).Round(time.Second)
	if d >= 0 {
		return fmt.Sprintf("%s (in %s)", value, d)
	}
	return fmt.Sprintf("%s (%s ago)", value, -d)
}

func printConditions(w io.Writer, oac *v1alpha1.OAuthClient) error {
	tw := newTable(w)
	tw.printf("\nCONDITION\tSTATUS\tREASON\tSINCE\tMESSAGE\n")
	for _, c := range oac.Status.Conditions {
		tw.printf("%s\t%s\t%s\t%s\t%s\n", c.Type, c.Status, c.Reason, c.LastTransitionTime.UTC().Format(time.RFC3339), c.Message)
	}
	return tw.flush()
}

func (p *plugin) list(ctx context.Context, all bool) error {
	var list v1alpha1.OAuthClientList
	var opts []client.ListOption
	if !all {
		opts = append(opts, client.InNamespace(p.namespace))
	}
	if err := p.client.List(ctx, &list, opts...); err != nil {
		return fmt.Errorf("listing OAuthClients: %w", err)
	}
	if len(list.Items) == 0 {
		p.out.printf("No OAuthClients found.\n")
		return nil
	}
	tw := newTable(p.out)
	tw.printf("NAMESPACE\tNAME\tREADY\tREASON\tSERVER\tVERSION\tNEXT ROTATION\n")
	for i := range list.Items {
		oac := &list.Items[i]
		ready, reason := "Unknown", ""
		if c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady); c != nil {
			ready, reason = string(c.Status), c.Reason
		}
		next := "-"
		if t := oac.Status.NextRotationTime; t != nil && !oac.Spec.Disabled {
			next = t.UTC().Format(time.RFC3339)
			if p.now().After(t.Time) {
				next += " (overdue)"
			}
		}
		tw.printf("%s\t%s\t%s\t%s\t%s/%s\t%d\t%s\n", oac.Namespace, oac.Name, ready, reason,
			oac.ServerKind(), oac.Spec.ServerRef.Name, oac.Status.SecretVersion, next)
	}
	return tw.flush()
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
