package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

var checkCommand = command{
	name: "check", args: "NAME",
	short: "get a token with the delivered credentials and introspect it",
	summary: "From this machine, get an access token with the credentials in the OAuthClient's delivered\n" +
		"Secret (client credentials grant at its token_url), then introspect it (RFC 7662) where the\n" +
		"server allows. Prints only non-secret facts: never the secret or the token.",
	flags: func(fs *flag.FlagSet) func(context.Context, *plugin, []string) error {
		scope := fs.String("scope", "", "the scope to ask for (default: the Secret's scope)")
		return func(ctx context.Context, p *plugin, args []string) error {
			name, err := oneName(args)
			if err != nil {
				return err
			}
			return p.check(ctx, name, *scope)
		}
	},
}

// credentials are what check reads from the delivered Secret.
type credentials struct {
	clientID, clientSecret, tokenURL, issuer, scope, authMethod string
}

func (p *plugin) check(ctx context.Context, name, scope string) error {
	oac, err := p.get(ctx, name)
	if err != nil {
		return err
	}
	switch oac.Spec.TokenEndpointAuthMethod {
	case "none":
		return errors.New("a public client (tokenEndpointAuthMethod none) has no secret to get a token with")
	case "private_key_jwt":
		return errors.New("check does not sign private_key_jwt client assertions; it supports client_secret_basic and client_secret_post")
	}
	if !slices.Contains(oac.Spec.GrantTypes, "client_credentials") && len(oac.Spec.GrantTypes) > 0 {
		return fmt.Errorf("the client's grantTypes %v lack client_credentials, the grant check uses", oac.Spec.GrantTypes)
	}
	s, err := p.delivered(ctx, oac)
	if err != nil {
		return err
	}
	if s == nil {
		return fmt.Errorf("the Secret %s/%s is not delivered yet; kubectl oauthclient status %s says why", oac.Namespace, oac.SecretName(), oac.Name)
	}
	get := func(std string) string { return string(s.Data[keyName(oac, std)]) }
	c := credentials{
		clientID: get("client_id"), clientSecret: get("client_secret"), tokenURL: get("token_url"),
		issuer: get("issuer"), scope: get("scope"), authMethod: oac.Spec.TokenEndpointAuthMethod,
	}
	if scope != "" {
		c.scope = scope
	}
	for key, v := range map[string]string{"client_id": c.clientID, "client_secret": c.clientSecret, "token_url": c.tokenURL} {
		if v == "" {
			return fmt.Errorf("the Secret %s lacks %s", s.Name, keyName(oac, key))
		}
	}
	p.out.printf("Client %s, credentials version %s, from Secret %s/%s\n", c.clientID, orNone(s.Annotations[v1alpha1.AnnotationVersion]), s.Namespace, s.Name)

	token, err := p.token(ctx, c)
	if err != nil {
		return err
	}
	if c.issuer == "" {
		p.out.printf("Introspection: skipped (the Secret has no issuer to discover the endpoint from)\n")
		return nil
	}
	return p.introspect(ctx, c, token)
}

// token gets an access token and prints what it may about it.
func (p *plugin) token(ctx context.Context, c credentials) (string, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.scope != "" {
		form.Set("scope", c.scope)
	}
	var answer struct {
		AccessToken string `json:"access_token"`
		TokenType   string `json:"token_type"`
		ExpiresIn   int64  `json:"expires_in"`
		Scope       string `json:"scope"`
	}
	status, err := p.post(ctx, c, c.tokenURL, form, &answer)
	if err != nil {
		return "", fmt.Errorf("token request to %s: %w", c.tokenURL, err)
	}
	if answer.AccessToken == "" {
		return "", fmt.Errorf("token request to %s: HTTP %d without an access_token", c.tokenURL, status)
	}
	granted := answer.Scope
	if granted == "" {
		granted = "(not stated)"
	}
	p.out.printf("Token: OK from %s: type %s, expires in %ds, scope %s\n", c.tokenURL, answer.TokenType, answer.ExpiresIn, granted)
	return answer.AccessToken, nil
}

func (p *plugin) introspect(ctx context.Context, c credentials, token string) error {
	endpoint, err := p.introspectionEndpoint(ctx, c.issuer)
	if err != nil {
		p.out.printf("Introspection: skipped (%v)\n", err)
		return nil
	}
	var answer struct {
		Active    bool   `json:"active"`
		Scope     string `json:"scope"`
		ClientID  string `json:"client_id"`
		Exp       int64  `json:"exp"`
		Audience  any    `json:"aud"`
		TokenType string `json:"token_type"`
	}
	status, err := p.post(ctx, c, endpoint, url.Values{"token": {token}, "token_type_hint": {"access_token"}}, &answer)
	if status == http.StatusUnauthorized || status == http.StatusForbidden {
		p.out.printf("Introspection: not allowed for this client at %s (HTTP %d)\n", endpoint, status)
		return nil
	}
	if err != nil {
		return fmt.Errorf("introspection at %s: %w", endpoint, err)
	}
	if !answer.Active {
		return fmt.Errorf("introspection at %s: the server says the token it just issued is not active", endpoint)
	}
	line := fmt.Sprintf("Introspection: active at %s: client %s, scope %s", endpoint, answer.ClientID, orNone(answer.Scope))
	if answer.Exp > 0 {
		line += ", expires " + time.Unix(answer.Exp, 0).UTC().Format(time.RFC3339)
	}
	if answer.Audience != nil {
		line += fmt.Sprintf(", audience %v", answer.Audience)
	}
	p.out.printf("%s\n", line)
	return nil
}

// introspectionEndpoint reads the issuer's discovery document (OpenID,
// then RFC 8414).
func (p *plugin) introspectionEndpoint(ctx context.Context, issuer string) (string, error) {
	base := strings.TrimSuffix(issuer, "/")
	for _, doc := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+doc, nil)
		if err != nil {
			return "", err
		}
		resp, err := p.http.Do(req)
		if err != nil {
			return "", fmt.Errorf("discovery at %s: %w", issuer, err)
		}
		var meta struct {
			Introspection string `json:"introspection_endpoint"`
		}
		err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&meta)
		_ = resp.Body.Close()
		if resp.StatusCode == http.StatusOK && err == nil {
			if meta.Introspection == "" {
				return "", fmt.Errorf("%s advertises no introspection endpoint", issuer)
			}
			return meta.Introspection, nil
		}
	}
	return "", fmt.Errorf("no discovery document at %s", issuer)
}

// post sends form to endpoint authenticated as the client and decodes a
// 200 answer into out. Other answers become an error with the OAuth error
// code and description (never the request's secret or token).
func (p *plugin) post(ctx context.Context, c credentials, endpoint string, form url.Values, out any) (int, error) {
	if c.authMethod == "client_secret_post" {
		form.Set("client_id", c.clientID)
		form.Set("client_secret", c.clientSecret)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if c.authMethod != "client_secret_post" {
		req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.clientSecret))
	}
	resp, err := p.http.Do(req)
	if err != nil {
		return 0, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return resp.StatusCode, err
	}
	if resp.StatusCode != http.StatusOK {
		var oauthErr struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &oauthErr)
		msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
		if oauthErr.Error != "" {
			msg += ": " + oauthErr.Error
		}
		if d := oauthErr.Description; d != "" {
			msg += " (" + truncate(d, 200) + ")"
		}
		return resp.StatusCode, errors.New(msg)
	}
	return resp.StatusCode, json.Unmarshal(body, out)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
