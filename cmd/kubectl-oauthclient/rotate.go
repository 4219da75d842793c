package main

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

var rotateCommand = command{
	name: "rotate", args: "NAME",
	short: "rotate the credentials now; --wait until they are delivered",
	summary: "Rotate the OAuthClient's credentials now: set the annotation " + v1alpha1.AnnotationRotateRequestedAt + "\n" +
		"to a fresh value (the current time), which the operator acts on exactly once.\n" +
		"With --wait, wait until the new credentials are in the delivered Secret.",
	flags: func(fs *flag.FlagSet) func(context.Context, *plugin, []string) error {
		wait := fs.Bool("wait", false, "wait until the new credentials are delivered")
		timeout := fs.Duration("timeout", 5*time.Minute, "with --wait: how long to wait")
		return func(ctx context.Context, p *plugin, args []string) error {
			name, err := oneName(args)
			if err != nil {
				return err
			}
			return p.rotate(ctx, name, *wait, *timeout)
		}
	},
}

func (p *plugin) rotate(ctx context.Context, name string, wait bool, timeout time.Duration) error {
	oac, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	if oac.Spec.Disabled {
		return fmt.Errorf("OAuthClient %s/%s is disabled, and a disabled client is never rotated; enable it first", oac.Namespace, oac.Name)
	}
	before := oac.Status.SecretVersion
	value := p.now().UTC().Format(time.RFC3339Nano)
	if oac.Annotations[v1alpha1.AnnotationRotateRequestedAt] == value {
		value += "-again"
	}
	patch := client.MergeFrom(oac.DeepCopy())
	if oac.Annotations == nil {
		oac.Annotations = map[string]string{}
	}
	oac.Annotations[v1alpha1.AnnotationRotateRequestedAt] = value
	if err := p.client.Patch(ctx, oac, patch); err != nil {
		return fmt.Errorf("setting %s: %w", v1alpha1.AnnotationRotateRequestedAt, err)
	}
	p.out.printf("oauthclient/%s: rotation requested (%s=%s); credentials at version %d\n",
		oac.Name, v1alpha1.AnnotationRotateRequestedAt, value, before)
	if !wait {
		return nil
	}
	return p.waitDelivered(ctx, oac.Name, before, timeout)
}

// waitDelivered waits until the OAuthClient is Ready with credentials newer
// than version before, and its delivered Secret holds them.
func (p *plugin) waitDelivered(ctx context.Context, name string, before int64, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	last := "nothing read yet"
	for {
		done, why, err := p.delivery(ctx, name, before)
		if err != nil && ctx.Err() != nil {
			// The read failed because the time is up, not the cluster.
			return fmt.Errorf("the new credentials were not delivered within %s; last: %s", timeout, last)
		}
		if err != nil {
			return err
		}
		if done {
			p.out.printf("%s\n", why)
			return nil
		}
		last = why
		select {
		case <-ctx.Done():
			return fmt.Errorf("the new credentials were not delivered within %s; last: %s", timeout, last)
		case <-time.After(p.poll):
		}
	}
}

// delivery says whether credentials newer than before are delivered, and
// what it saw.
func (p *plugin) delivery(ctx context.Context, name string, before int64) (bool, string, error) {
	oac, err := p.get(ctx, name)
	if err != nil {
		return false, "", err
	}
	c := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
	if c == nil || c.ObservedGeneration != oac.Generation {
		return false, "the operator has not reconciled the latest spec", nil
	}
	if c.Status != metav1.ConditionTrue {
		return false, fmt.Sprintf("not Ready: %s: %s", c.Reason, c.Message), nil
	}
	if oac.Status.SecretVersion <= before {
		return false, fmt.Sprintf("still at version %d", oac.Status.SecretVersion), nil
	}
	secret, err := p.delivered(ctx, oac)
	if err != nil || secret == nil {
		return false, "the Secret is not there yet", err
	}
	v, _ := strconv.ParseInt(secret.Annotations[v1alpha1.AnnotationVersion], 10, 64)
	if v < oac.Status.SecretVersion {
		return false, fmt.Sprintf("Secret %s still holds version %d", secret.Name, v), nil
	}
	return true, fmt.Sprintf("oauthclient/%s: credentials version %d delivered in Secret %s", oac.Name, v, secret.Name), nil
}
