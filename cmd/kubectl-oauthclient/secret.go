package main

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

var secretCommand = command{
	name: "secret", args: "NAME",
	short: "the delivered Secret's keys and sizes, never values",
	summary: "Show the OAuthClient's delivered Secret: its keys and their sizes in bytes, its version,\n" +
		"issue and expiry times. Never a value.",
	flags: func(*flag.FlagSet) func(context.Context, *plugin, []string) error {
		return func(ctx context.Context, p *plugin, args []string) error {
			name, err := oneName(args)
			if err != nil {
				return err
			}
			return p.secret(ctx, name)
		}
	},
}

func (p *plugin) secret(ctx context.Context, name string) error {
	oac, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	s, err := p.delivered(ctx, oac)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("the Secret %s/%s is not delivered yet; kubectl oauthclient status %s says why", oac.Namespace, oac.SecretName(), oac.Name)
	}
	p.out.printf("Secret %s/%s (type %s), credentials version %s\n", s.Namespace, s.Name, s.Type, orNone(s.Annotations[v1alpha1.AnnotationVersion]))
	p.out.printf("Issued:  %s\n", p.when(s.Annotations[v1alpha1.AnnotationIssuedAt], "unknown"))
	p.out.printf("Expires: %s\n\n", p.when(s.Annotations[v1alpha1.AnnotationExpiresAt], "never (the server sets no expiry)"))
	tw := newTable(p.out)
	tw.printf("KEY\tBYTES\n")
	for _, k := range slices.Sorted(maps.Keys(s.Data)) {
		tw.printf("%s\t%d\n", k, len(s.Data[k]))
	}
	if err := tw.flush(); err != nil {
		return err
	}
	var missing []string
	for _, k := range []string{keyName(oac, "client_id"), keyName(oac, "token_url")} {
		if _, ok := s.Data[k]; !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) > 0 {
		p.out.printf("\nmissing: %s\n", strings.Join(missing, ", "))
	}
	return nil
}

// keyName is the key under which the Secret holds the standard key std,
// after the OAuthClient's spec.secretTemplate.keys renamed it.
func keyName(oac *v1alpha1.OAuthClient, std string) string {
	t := oac.Spec.SecretTemplate
	if t == nil || t.Keys == nil {
		return std
	}
	renamed := map[string]string{
		"client_id": t.Keys.ClientID, "client_secret": t.Keys.ClientSecret,
		"token_url": t.Keys.TokenURL, "issuer": t.Keys.Issuer, "scope": t.Keys.Scope,
	}[std]
	if renamed == "" {
		return std
	}
	return renamed
}
