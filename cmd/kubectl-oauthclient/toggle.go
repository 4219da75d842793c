package main

import (
	"context"
	"flag"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"
)

var (
	disableCommand = toggleCommand("disable", true, "disable the client at its server (spec.disabled: true)",
		"Disable the OAuthClient (spec.disabled: true): the operator disables the client at its server,\n"+
			"or deletes it there where the server has no switch, and keeps the resource. A GitOps tool\n"+
			"that manages the manifest sets the field back: change it in Git instead.")
	enableCommand = toggleCommand("enable", false, "enable it again (spec.disabled: false)",
		"Enable the OAuthClient again (spec.disabled: false).")
)

func toggleCommand(name string, disabled bool, short, summary string) command {
	return command{
		name: name, args: "NAME", short: short, summary: summary,
		flags: func(*flag.FlagSet) func(context.Context, *plugin, []string) error {
			return func(ctx context.Context, p *plugin, args []string) error {
				n, err := oneName(args)
				if err != nil {
					return err
				}
				return p.setDisabled(ctx, n, disabled)
			}
		},
	}
}

func (p *plugin) setDisabled(ctx context.Context, name string, disabled bool) error {
	oac, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	word := map[bool]string{true: "disabled", false: "enabled"}[disabled]
	if oac.Spec.Disabled == disabled {
		p.out.printf("oauthclient/%s: already %s\n", oac.Name, word)
		return nil
	}
	patch := client.MergeFrom(oac.DeepCopy())
	oac.Spec.Disabled = disabled
	if err := p.client.Patch(ctx, oac, patch); err != nil {
		return fmt.Errorf("setting spec.disabled: %w", err)
	}
	p.out.printf("oauthclient/%s: %s (kubectl oauthclient status %s shows when the server has it)\n", oac.Name, word, oac.Name)
	return nil
}
