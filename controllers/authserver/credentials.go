package authserver

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/oauth2"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
)

// The spec fields that name a credential held in a Secret; readSecrets
// returns the values by these names.
const (
	fieldCredentials        = "spec.credentials"
	fieldInitialAccessToken = "spec.credentials.initialAccessToken"
	fieldBearerToken        = "spec.credentials.bearerToken"
	fieldSSWSToken          = "spec.credentials.sswsToken"
	fieldAPIKey             = "spec.credentials.apiKey.valueFrom"
	fieldClientCredentials  = "spec.credentials.clientCredentials"
	fieldJWTBearer          = "spec.credentials.jwtBearer"
)

// Fields below a grant's block (fieldClientCredentials or fieldJWTBearer).
func fieldClientSecret(block string) string { return block + ".clientSecret" }
func fieldPrivateKey(block string) string   { return block + ".privateKey" }
func fieldCertificate(block string) string  { return block + ".privateKey.certificate" }
func fieldAssertionFile(block string) string {
	return block + ".assertionFile"
}

// fieldExtraHeader names the i-th extra header's value of a grant's block.
func fieldExtraHeader(block string, i int) string {
	return fmt.Sprintf("%s.extraHeaders[%d].valueFrom", block, i)
}

// secretField is a credential held in a Secret: the spec field that names
// the Secret key, and the key.
type secretField struct {
	field string
	sel   v1alpha1.SecretKeySelector
}

// secretFields lists the Secret keys creds refers to.
func secretFields(creds *v1alpha1.ManagementCredentials) []secretField {
	switch {
	case creds == nil:
		return nil
	case creds.InitialAccessToken != nil:
		return []secretField{{fieldInitialAccessToken, *creds.InitialAccessToken}}
	case creds.BearerToken != nil:
		return []secretField{{fieldBearerToken, *creds.BearerToken}}
	case creds.SSWSToken != nil:
		return []secretField{{fieldSSWSToken, *creds.SSWSToken}}
	case creds.APIKey != nil:
		return []secretField{{fieldAPIKey, creds.APIKey.ValueFrom}}
	case creds.ClientCredentials != nil:
		cc := creds.ClientCredentials
		return grantSecretFields(fieldClientCredentials, cc.ClientSecret, cc.PrivateKey, cc.ExtraHeaders)
	case creds.JWTBearer != nil:
		jb := creds.JWTBearer
		return grantSecretFields(fieldJWTBearer, jb.ClientSecret, jb.PrivateKey, jb.ExtraHeaders)
	}
	return nil
}

// grantSecretFields lists the Secret keys of a grant's block.
func grantSecretFields(block string, secret *v1alpha1.SecretKeySelector, key *v1alpha1.PrivateKeySelector, headers []v1alpha1.HeaderFromSecret) []secretField {
	var out []secretField
	if secret != nil {
		out = append(out, secretField{fieldClientSecret(block), *secret})
	}
	if key != nil {
		out = append(out, secretField{fieldPrivateKey(block), key.SecretKeySelector})
		if key.Certificate != nil {
			out = append(out, secretField{fieldCertificate(block), *key.Certificate})
		}
	}
	for i, h := range headers {
		out = append(out, secretField{fieldExtraHeader(block, i), h.ValueFrom})
	}
	return out
}

// readSecrets reads every credential value of the server, by field, from
// Secrets of the server's own namespace (AuthServer) or of the operator's
// namespace (ClusterAuthServer). A Secret several fields refer to is read
// once.
func (r *Reconciler) readSecrets(ctx context.Context, obj servers.Object) (map[string]string, error) {
	ns := obj.GetNamespace()
	if r.Kind == v1alpha1.KindClusterAuthServer {
		ns = r.OperatorNamespace
	}
	read := map[string]*corev1.Secret{}
	values := map[string]string{}
	for _, f := range secretFields(obj.ServerSpec().Credentials) {
		sec, ok := read[f.sel.Name]
		if !ok {
			var err error
			if sec, err = r.readSecret(ctx, ns, f.field, f.sel.Name); err != nil {
				return nil, err
			}
			read[f.sel.Name] = sec
		}
		v := sec.Data[f.sel.Key]
		if len(v) == 0 {
			return nil, fmt.Errorf("%s: Secret %s/%s has no key %q", f.field, ns, f.sel.Name, f.sel.Key)
		}
		values[f.field] = string(v)
	}
	return values, nil
}

// fingerprint hashes a spec generation and the credential values read for
// it (or why they could not be read), to notice a change without keeping
// the values.
func fingerprint(generation int64, secrets map[string]string, readErr error) string {
	h := sha256.New()
	// A hash.Hash never returns an error from Write.
	_, _ = fmt.Fprintf(h, "%d", generation)
	for _, field := range slices.Sorted(maps.Keys(secrets)) {
		_, _ = fmt.Fprintf(h, "\x00%s\x00%s", field, secrets[field])
	}
	if readErr != nil {
		_, _ = fmt.Fprintf(h, "\x00error\x00%s", readErr.Error())
	}
	return hex.EncodeToString(h.Sum(nil))
}

// management is how the operator authenticates to one server's management
// API, built from the spec and the Secret values read for it.
type management struct {
	// src yields the bearer token the adapter sends (a static token, an
	// initial access token, or a grant's token); nil when there is none.
	src *mgmtauth.Source
	// scheme authenticates every management call itself (SSWS, an API
	// key); nil when there is none.
	scheme mgmtauth.Scheme
	// headers are extra headers for every management call.
	headers map[string]string
	// tokenURL is the token endpoint of a grant, "" for a static token.
	tokenURL string
}

// managementAuth builds the server's management authentication: the token
// source handed to the adapter (nil when there is none) and the HTTP client
// for management calls, which carries the header schemes and extra
// headers. A grant's credentials are proven by fetching a token, which is
// cached for later use. On failure it returns the condition reason.
func (r *Reconciler) managementAuth(obj servers.Object, secrets map[string]string, tokenURL string, hc *http.Client) (oauth2.TokenSource, *http.Client, string, error) {
	m, err := buildManagement(r.Kind, obj.ServerSpec().Credentials, secrets, tokenURL)
	if err != nil {
		return nil, nil, v1alpha1.ReasonCredentialsMissing, err
	}
	_, block := obj.ServerSpec().ProviderBlock()
	m = withDefaultScopes(m, block)
	api := mgmtauth.HeaderClient(hc, m.headers)
	if m.scheme != nil {
		api = mgmtauth.SchemeClient(api, m.scheme)
	}
	if m.src == nil {
		r.Tokens.Forget(tokenKey(obj))
		return nil, api, "", nil
	}
	m.src.HTTPClient = hc
	ts := r.Tokens.TokenSource(tokenKey(obj), *m.src)
	if m.tokenURL != "" {
		// Proves the credentials work; the token is cached for later use.
		if _, err := ts.Token(); err != nil {
			return nil, nil, v1alpha1.ReasonCredentialsRefused, fmt.Errorf("obtaining a management token from %s: %w", m.tokenURL, err)
		}
	}
	return ts, api, "", nil
}

// buildManagement turns the spec's credentials and the values readSecrets
// returned into the toolkit's pieces, checked before any request: errors
// name the spec field, never a value. kind is the server's kind: only a
// ClusterAuthServer may log in with a token file of the operator's pod.
func buildManagement(kind v1alpha1.ServerKind, creds *v1alpha1.ManagementCredentials, secrets map[string]string, tokenURL string) (management, error) {
	var m management
	var src mgmtauth.Source
	switch {
	case creds == nil:
		return m, nil
	case kind != v1alpha1.KindClusterAuthServer && creds.UsesTokenFile():
		return m, fmt.Errorf("%s: an AuthServer may not log in with a token file of the operator's pod (assertionFile, or jwtBearer without privateKey): the file is the operator's own identity; use a ClusterAuthServer", fieldCredentials)
	case creds.InitialAccessToken != nil:
		src.InitialAccessToken = secrets[fieldInitialAccessToken]
	case creds.BearerToken != nil:
		src.BearerToken = secrets[fieldBearerToken]
	case creds.SSWSToken != nil:
		s, err := mgmtauth.SSWSScheme(secrets[fieldSSWSToken])
		if err != nil {
			return m, fmt.Errorf("%s.%w", fieldCredentials, err)
		}
		m.scheme = authorizationFallback{s}
		return m, nil
	case creds.APIKey != nil:
		s, err := mgmtauth.APIKeyScheme(creds.APIKey.Header, secrets[fieldAPIKey])
		if err != nil {
			return m, fmt.Errorf("%s.%w", fieldCredentials, err)
		}
		if strings.EqualFold(creds.APIKey.Header, "Authorization") {
			s = authorizationFallback{s}
		}
		m.scheme = s
		return m, nil
	case creds.ClientCredentials != nil:
		cc, err := clientCredentials(creds.ClientCredentials, secrets, tokenURL)
		if err != nil {
			return m, err
		}
		src.ClientCredentials, m.headers, m.tokenURL = cc, cc.ExtraHeaders, cc.TokenURL
	case creds.JWTBearer != nil:
		jb, err := jwtBearer(creds.JWTBearer, secrets, tokenURL)
		if err != nil {
			return m, err
		}
		src.JWTBearer, m.headers, m.tokenURL = jb, jb.ExtraHeaders, jb.TokenURL
	default:
		return m, nil
	}
	if err := src.Validate(); err != nil {
		return m, fieldError(err)
	}
	m.src = &src
	return m, nil
}

// clientCredentials builds the client credentials grant of the spec.
func clientCredentials(cc *v1alpha1.ClientCredentialsAuth, secrets map[string]string, tokenURL string) (*mgmtauth.ClientCredentials, error) {
	const block = fieldClientCredentials
	out := &mgmtauth.ClientCredentials{
		TokenURL: cc.TokenURL, ClientID: cc.ClientID, Scopes: cc.Scopes, Audience: cc.Audience,
		Resources: cc.Resources, AuthStyle: cc.AuthStyle, ExtraParams: cc.ExtraParams,
		AssertionFile: string(cc.AssertionFile), AssertionAudience: cc.AssertionAudience,
		ExtraHeaders: extraHeaders(block, cc.ExtraHeaders, secrets),
		Response:     responseFormat(cc.TokenResponse),
	}
	if out.TokenURL == "" {
		out.TokenURL = tokenURL
	}
	if cc.ClientSecret != nil {
		out.ClientSecret = secrets[fieldClientSecret(block)]
	}
	var err error
	if out.PrivateKey, err = privateKey(block, cc.PrivateKey, secrets); err != nil {
		return nil, err
	}
	if cc.AssertionFile != "" {
		if err := checkTokenFile(fieldAssertionFile(block), out.AssertionFile); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// jwtBearer builds the JWT bearer grant of the spec. With neither an
// assertion file nor a private key, the assertion is the projected token
// at v1alpha1.DefaultServiceAccountTokenPath.
func jwtBearer(jb *v1alpha1.JWTBearerAuth, secrets map[string]string, tokenURL string) (*mgmtauth.JWTBearer, error) {
	const block = fieldJWTBearer
	out := &mgmtauth.JWTBearer{
		TokenURL: jb.TokenURL, AssertionFile: string(jb.AssertionFile),
		Issuer: jb.Issuer, Subject: jb.Subject, AssertionAudience: jb.AssertionAudience,
		ClientID: jb.ClientID, AuthStyle: jb.AuthStyle,
		Scopes: jb.Scopes, Audience: jb.Audience, Resources: jb.Resources, ExtraParams: jb.ExtraParams,
		ExtraHeaders: extraHeaders(block, jb.ExtraHeaders, secrets),
		Response:     responseFormat(jb.TokenResponse),
	}
	if out.TokenURL == "" {
		out.TokenURL = tokenURL
	}
	if jb.ClientSecret != nil {
		out.ClientSecret = secrets[fieldClientSecret(block)]
	}
	var err error
	if out.PrivateKey, err = privateKey(block, jb.PrivateKey, secrets); err != nil {
		return nil, err
	}
	if out.PrivateKey == nil {
		field := fieldAssertionFile(block)
		if out.AssertionFile == "" {
			out.AssertionFile = v1alpha1.DefaultServiceAccountTokenPath
			field += " (default " + v1alpha1.DefaultServiceAccountTokenPath + ")"
		}
		if err := checkTokenFile(field, out.AssertionFile); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// privateKey is the signing key of a grant's block, checked so that a key
// that cannot be used is reported against the field and Secret that hold
// it, never showing the key.
func privateKey(block string, sel *v1alpha1.PrivateKeySelector, secrets map[string]string) (*mgmtauth.PrivateKey, error) {
	if sel == nil {
		return nil, nil
	}
	field := fieldPrivateKey(block)
	key := secrets[field]
	if _, err := mgmtauth.ParsePrivateKey([]byte(key)); err != nil {
		return nil, fmt.Errorf("%s: the key in Secret %q, key %q, cannot be used: %w", field, sel.Name, sel.Key, err)
	}
	out := &mgmtauth.PrivateKey{Key: key, KeyID: sel.KeyID, Algorithm: mgmtauth.Algorithm(sel.Algorithm)}
	if sel.Certificate != nil {
		out.Certificate = secrets[fieldCertificate(block)]
	}
	return out, nil
}

// extraHeaders are a grant's extra headers with their values, or nil.
func extraHeaders(block string, hs []v1alpha1.HeaderFromSecret, secrets map[string]string) map[string]string {
	if len(hs) == 0 {
		return nil
	}
	out := make(map[string]string, len(hs))
	for i, h := range hs {
		out[h.Name] = secrets[fieldExtraHeader(block, i)]
	}
	return out
}

// responseFormat is the toolkit's form of spec.credentials.*.tokenResponse.
func responseFormat(f *v1alpha1.TokenResponseFormat) mgmtauth.ResponseFormat {
	var out mgmtauth.ResponseFormat
	if f == nil {
		return out
	}
	if f.ExpiresInUnit == v1alpha1.ExpiresInMinutes {
		out.ExpiresInUnit = time.Minute
	}
	if f.DefaultLifetime != nil {
		out.DefaultLifetime = f.DefaultLifetime.Duration
	}
	return out
}

// serviceAccountDirs hold the pod's Kubernetes API token, which is never
// sent to an authorization server.
var serviceAccountDirs = []string{"/var/run/secrets/kubernetes.io/serviceaccount/", "/run/secrets/kubernetes.io/serviceaccount/"}

// checkTokenFile checks, before any request, that a token file is a clean
// absolute path outside the pod's Kubernetes API token directory and that
// it exists. Its content is read only when a token is requested, and never
// shown.
func checkTokenFile(field, path string) error {
	switch {
	case !filepath.IsAbs(path) || filepath.Clean(path) != path:
		return fmt.Errorf("%s: %q must be a clean absolute path", field, path)
	case slices.ContainsFunc(serviceAccountDirs, func(dir string) bool { return strings.HasPrefix(path, dir) }):
		return fmt.Errorf("%s: %s is the operator's Kubernetes API token, which is never sent to an authorization server: mount a projected service-account token with the server's audience", field, path)
	}
	info, err := os.Stat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%s: %s does not exist: mount a projected service-account token there (see docs/management-credentials.md)", field, path)
	case err != nil:
		return fmt.Errorf("%s: %w", field, err)
	case info.IsDir():
		return fmt.Errorf("%s: %s is a directory, not a token file", field, path)
	}
	return nil
}

// fieldError puts the toolkit's error, which names a field below
// spec.credentials (e.g. "clientCredentials.tokenURL: required"), under
// spec.credentials.
func fieldError(err error) error {
	for _, f := range []string{"initialAccessToken", "bearerToken", "sswsToken", "apiKey", "clientCredentials", "jwtBearer"} {
		if strings.HasPrefix(err.Error(), f) {
			return fmt.Errorf("%s.%w", fieldCredentials, err)
		}
	}
	return fmt.Errorf("%s: %w", fieldCredentials, err)
}

// authorizationFallback applies an Authorization scheme only to requests
// that carry no Authorization of their own, so an adapter's per-client
// credential (such as an RFC 7592 registration access token) still goes
// out as the adapter set it.
type authorizationFallback struct {
	scheme mgmtauth.Scheme
}

// Apply sets the scheme's header when the request has no Authorization.
func (s authorizationFallback) Apply(req *http.Request) error {
	if req.Header.Get("Authorization") != "" {
		return nil
	}
	return s.scheme.Apply(req)
}

// String describes the scheme without its value.
func (s authorizationFallback) String() string { return fmt.Sprintf("%v unless set", s.scheme) }

// readSecret reads a credential Secret, with an error that names the field
// that refers to it.
func (r *Reconciler) readSecret(ctx context.Context, ns, field, name string) (*corev1.Secret, error) {
	var s corev1.Secret
	if err := r.APIReader.Get(ctx, types.NamespacedName{Namespace: ns, Name: name}, &s); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("%s: Secret %s/%s not found", field, ns, name)
		}
		return nil, fmt.Errorf("%s: reading Secret %s/%s: %w", field, ns, name, err)
	}
	return &s, nil
}
