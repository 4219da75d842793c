package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
)

// mount writes the delivered Secret to mounted/<secret name> in the demo
// directory, laid out as the kubelet mounts a Secret volume into a pod.
func (d *demo) mount(ctx context.Context) error {
	var secret corev1.Secret
	if err := d.env.Client.Get(ctx, client.ObjectKey{Namespace: d.secretNS, Name: d.secretName}, &secret); err != nil {
		return fmt.Errorf("reading Secret %s/%s: %w", d.secretNS, d.secretName, err)
	}
	d.mounted = filepath.Join(d.cfg.dir, "mounted", d.secretName)
	d.step("mounting Secret %s at %s, as the kubelet does in a pod", d.secretName, rel(d.mounted))
	if err := os.MkdirAll(filepath.Dir(d.mounted), 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", filepath.Dir(d.mounted), err)
	}
	if err := mountSecret(d.mounted, secret.Data, time.Now()); err != nil {
		return err
	}
	d.info("%s", strings.Join(slices.Sorted(maps.Keys(secret.Data)), "  "))
	return nil
}

// mountSecret writes data as the kubelet writes a Secret volume: the files
// (mode 0644, the default) live in a timestamped directory, "..data" links
// to it, and each key is a link through "..data", so that an update can
// swap every key at once. Whatever was at dir before is removed.
func mountSecret(dir string, data map[string][]byte, now time.Time) error {
	for k := range data {
		if k == "" || strings.HasPrefix(k, "..") || strings.ContainsRune(k, '/') {
			return fmt.Errorf("mounting the Secret: key %q cannot be a file name", k)
		}
	}
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("mounting the Secret: clearing %s: %w", dir, err)
	}
	stamp := ".." + now.UTC().Format("2006_01_02_15_04_05.000000000")
	if err := os.MkdirAll(filepath.Join(dir, stamp), 0o755); err != nil { //nolint:gosec // G301: the kubelet's mode for a Secret volume, which the demo imitates
		return fmt.Errorf("mounting the Secret: %w", err)
	}
	for k, v := range data {
		if err := os.WriteFile(filepath.Join(dir, stamp, k), v, 0o644); err != nil { //nolint:gosec // G306: the kubelet's default mode for Secret volume files, which the demo imitates
			return fmt.Errorf("mounting the Secret: writing %s: %w", k, err)
		}
	}
	if err := os.Symlink(stamp, filepath.Join(dir, "..data")); err != nil {
		return fmt.Errorf("mounting the Secret: %w", err)
	}
	for k := range data {
		if err := os.Symlink(filepath.Join("..data", k), filepath.Join(dir, k)); err != nil {
			return fmt.Errorf("mounting the Secret: linking %s: %w", k, err)
		}
	}
	return nil
}

// credentials are what the workload reads from the mounted Secret.
type credentials struct {
	clientID, clientSecret, tokenURL, scope, issuer string
}

// readCredentials reads the mounted Secret's files.
func readCredentials(dir string) (credentials, error) {
	read := func(key string) (string, error) {
		b, err := os.ReadFile(filepath.Join(dir, key)) //nolint:gosec // G304: a key file of the Secret the demo mounted in its own directory
		if err != nil {
			return "", fmt.Errorf("reading the mounted Secret: %w", err)
		}
		return string(b), nil
	}
	var c credentials
	var err error
	for _, f := range []struct {
		key string
		dst *string
	}{
		{"client_id", &c.clientID}, {"client_secret", &c.clientSecret}, {"token_url", &c.tokenURL},
		{"scope", &c.scope}, {"issuer", &c.issuer},
	} {
		if *f.dst, err = read(f.key); err != nil {
			return credentials{}, err
		}
	}
	return c, nil
}

// useCredentials is the workload: with only the mounted files it obtains an
// access token and has the server introspect it.
func (d *demo) useCredentials(ctx context.Context) error {
	d.step("the workload reads client_id, client_secret, token_url and scope from %s", rel(d.mounted))
	creds, err := readCredentials(d.mounted)
	if err != nil {
		return err
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	d.info("POST %s  grant_type=client_credentials  scope=%q  (client_secret_basic)", creds.tokenURL, creds.scope)
	tok, err := requestToken(ctx, hc, creds)
	if err != nil {
		return err
	}
	d.info("got a %s access token (%d characters, not shown), expires_in %ds, scope %q",
		tok.TokenType, len(tok.AccessToken), tok.ExpiresIn, tok.Scope)

	endpoint, err := introspectionEndpoint(ctx, hc, creds.issuer)
	if err != nil {
		return err
	}
	d.step("introspecting the token at %s (RFC 7662, as the client)", endpoint)
	info, err := introspect(ctx, hc, endpoint, creds, tok.AccessToken)
	if err != nil {
		return err
	}
	exp := ""
	if e, ok := info["exp"].(float64); ok {
		t := time.Unix(int64(e), 0)
		exp = fmt.Sprintf("%s (in %s)", t.UTC().Format(time.RFC3339), time.Until(t).Round(time.Second))
	}
	d.table([][]string{
		{"active", fmt.Sprint(info["active"])},
		{"scope", fmt.Sprint(info["scope"])},
		{"client_id", fmt.Sprint(info["client_id"])},
		{"exp", exp},
	})
	if info["active"] != true || info["client_id"] != creds.clientID {
		return errors.New("the server does not report the token active for this client")
	}
	return nil
}

// tokenResponse is a successful RFC 6749 token response.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int    `json:"expires_in"`
	Scope       string `json:"scope"`
}

// requestToken runs the client credentials grant (RFC 6749 section 4.4).
func requestToken(ctx context.Context, hc *http.Client, c credentials) (tokenResponse, error) {
	form := url.Values{"grant_type": {"client_credentials"}}
	if c.scope != "" {
		form.Set("scope", c.scope)
	}
	body, err := postForm(ctx, hc, c.tokenURL, form, c)
	if err != nil {
		return tokenResponse{}, fmt.Errorf("requesting a token: %w", err)
	}
	var tok tokenResponse
	if err := json.Unmarshal(body, &tok); err != nil || tok.AccessToken == "" {
		return tokenResponse{}, errors.New("requesting a token: the answer holds no access_token")
	}
	return tok, nil
}

// introspectionEndpoint reads the server's metadata (OpenID discovery, then
// RFC 8414) for its introspection endpoint.
func introspectionEndpoint(ctx context.Context, hc *http.Client, issuer string) (string, error) {
	base := strings.TrimSuffix(issuer, "/")
	var lastErr error
	for _, path := range []string{"/.well-known/openid-configuration", "/.well-known/oauth-authorization-server"} {
		body, err := get(ctx, hc, base+path)
		if err != nil {
			lastErr = err
			continue
		}
		var meta struct {
			Introspection string `json:"introspection_endpoint"`
		}
		if err := json.Unmarshal(body, &meta); err != nil || meta.Introspection == "" {
			lastErr = fmt.Errorf("%s names no introspection_endpoint", path)
			continue
		}
		return meta.Introspection, nil
	}
	return "", fmt.Errorf("discovering the introspection endpoint of %s: %w", issuer, lastErr)
}

// introspect asks the server about token, authenticated as the client.
func introspect(ctx context.Context, hc *http.Client, endpoint string, c credentials, token string) (map[string]any, error) {
	form := url.Values{"token": {token}, "token_type_hint": {"access_token"}}
	body, err := postForm(ctx, hc, endpoint, form, c)
	if err != nil {
		return nil, fmt.Errorf("introspecting the token: %w", err)
	}
	var info map[string]any
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("introspecting the token: decoding the answer: %w", err)
	}
	return info, nil
}

// postForm posts form with client_secret_basic authentication (RFC 6749
// section 2.3.1: id and secret form-encoded first) and returns a 200 body.
func postForm(ctx context.Context, hc *http.Client, target string, form url.Values, c credentials) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	req.SetBasicAuth(url.QueryEscape(c.clientID), url.QueryEscape(c.clientSecret))
	return send(hc, req)
}

// get fetches a JSON document.
func get(ctx context.Context, hc *http.Client, target string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	return send(hc, req)
}

// send does req and returns the body of a 200 answer; any other answer
// becomes an error with its status and OAuth error code, nothing more.
func send(hc *http.Client, req *http.Request) ([]byte, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("reading the answer of %s: %w", req.URL.Path, err)
	}
	if resp.StatusCode != http.StatusOK {
		var oe struct {
			Error       string `json:"error"`
			Description string `json:"error_description"`
		}
		_ = json.Unmarshal(body, &oe)
		return nil, fmt.Errorf("%s %s: HTTP %d %s %s", req.Method, req.URL.Path, resp.StatusCode, oe.Error, oe.Description)
	}
	return body, nil
}
