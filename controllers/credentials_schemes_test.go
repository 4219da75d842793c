package controllers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/keys"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// The management authentication schemes of spec.credentials, each written
// as a user would and run against a server that checks it: private_key_jwt
// against the real oidc-provider; the JWT bearer grant and a federated
// client assertion with a real service-account token from the API server's
// TokenRequest API; SSWS and API-key headers at a gateway.

// TestPrivateKeyJWTManagementAtTheRealServer logs the operator in with
// private_key_jwt (RS256 from a PEM with a configured kid, ES256 from a JWK
// with its own kid) at the real oidc-provider, which checks each assertion
// against the keys registered for the management client, and registers
// clients with the tokens it gets.
func TestPrivateKeyJWTManagementAtTheRealServer(t *testing.T) {
	ctx := context.Background()
	open := authserver.StartT(t, authserver.Options{})
	rsaPEM := rsaKeyPEM(t)
	ecJWK := ecKeyJWK(t, "op-ec")
	unregistered := rsaKeyPEM(t)
	seen.add(rsaPEM, ecJWK, unregistered)
	rsaPublic := publicJWK(t, rsaPEM)
	rsaPublic["kid"] = "op-rsa"
	mgmt, err := open.Register(ctx, map[string]any{ //nolint:gosec // G101: client metadata with a public key set, not a credential
		"client_name": "operator management", "grant_types": []string{"client_credentials"},
		"response_types": []string{}, "redirect_uris": []string{}, "scope": "read",
		"token_endpoint_auth_method": "private_key_jwt",
		"jwks":                       map[string]any{"keys": []any{rsaPublic, publicJWK(t, ecJWK)}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mgmtID := mgmt["client_id"].(string)

	ns := createNamespace(t)
	createSecret(t, ns, "operator-keys", map[string]string{"rsa.pem": rsaPEM, "ec.jwk": ecJWK, "unregistered.pem": unregistered})
	withKey := func(key *v1alpha1.PrivateKeySelector) *v1alpha1.ManagementCredentials {
		return &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			ClientID: mgmtID, PrivateKey: key, Scopes: []string{"read"},
		}}
	}
	servers := map[string]*v1alpha1.ManagementCredentials{
		"rsa": withKey(&v1alpha1.PrivateKeySelector{
			SecretKeySelector: v1alpha1.SecretKeySelector{Name: "operator-keys", Key: "rsa.pem"},
			KeyID:             "op-rsa", Algorithm: v1alpha1.KeyAlgorithmRS256,
		}),
		"ec": withKey(&v1alpha1.PrivateKeySelector{
			SecretKeySelector: v1alpha1.SecretKeySelector{Name: "operator-keys", Key: "ec.jwk"},
			Algorithm:         v1alpha1.KeyAlgorithmES256,
		}),
	}
	for _, name := range slices.Sorted(maps.Keys(servers)) {
		t.Run(name, func(t *testing.T) {
			createServer(t, ns, name, open.Issuer, servers[name])
			waitServer(t, &v1alpha1.AuthServer{}, ns, name, v1alpha1.ReasonReady)
			client := "billing-" + name
			newClient(t, ns, client, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: name}})
			deleteClientAtEnd(t, ns, client)
			waitReady(t, ns, client)
			s := secretOf(t, ns, client)
			tok, err := open.ClientCredentialsToken(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read")
			seen.add(tok)
			if err != nil {
				t.Fatalf("the client registered with a private_key_jwt management token does not work: %v", err)
			}
		})
	}

	t.Run("a key the server does not know is refused", func(t *testing.T) {
		createServer(t, ns, "unregistered", open.Issuer, withKey(&v1alpha1.PrivateKeySelector{
			SecretKeySelector: v1alpha1.SecretKeySelector{Name: "operator-keys", Key: "unregistered.pem"}, KeyID: "op-rsa",
		}))
		cond := waitServer(t, &v1alpha1.AuthServer{}, ns, "unregistered", v1alpha1.ReasonCredentialsRefused)
		if !strings.Contains(cond.Message, "invalid_client") || strings.Contains(cond.Message, "PRIVATE KEY") {
			t.Errorf("the message should give the server's error and no key material: %s", cond.Message)
		}
	})
}

// TestServiceAccountTokenManagement logs the operator in with no management
// secret at all: a real service-account token, issued by the envtest API
// server's TokenRequest API with the audience a server trusts and written to
// a file as the kubelet projects one, presented (1) as the assertion of the
// JWT bearer grant and (2) as the client assertion of the client credentials
// grant (Microsoft Entra ID's federated credentials). oidc-provider has no
// JWT bearer grant and trusts no Kubernetes issuer, so the token endpoint is
// a small test server that does what such a server does: it asks the API
// server (TokenReview) whether the assertion is a valid token of that
// ServiceAccount for that audience. The access token it issues is the real
// oidc-provider's initial access token, so the clients are registered at the
// real server with it. Its expires_in is the string "2", in minutes as the
// spec's tokenResponse says, so one token serves the whole test.
func TestServiceAccountTokenManagement(t *testing.T) {
	ctx := context.Background()
	const audience = "https://login.example.test/federation"
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: "operator-login", Namespace: operatorNamespace}}
	mustCreate(t, sa)
	t.Cleanup(func() { _ = k8s.Delete(ctx, sa) })
	endpoint := newServiceAccountTokenEndpoint(t, sa, audience)
	tokenFile := filepath.Join(t.TempDir(), "token")
	writeServiceAccountToken(t, sa, audience, tokenFile)
	minutes := &v1alpha1.TokenResponseFormat{ExpiresInUnit: v1alpha1.ExpiresInMinutes}

	cases := []struct {
		name  string
		creds *v1alpha1.ManagementCredentials
	}{
		{"jwt-bearer", &v1alpha1.ManagementCredentials{JWTBearer: &v1alpha1.JWTBearerAuth{
			TokenURL: endpoint.URL + "/token", AssertionFile: v1alpha1.TokenFilePath(tokenFile),
			Scopes: []string{"clients:write"}, TokenResponse: minutes,
		}}},
		{"federated", &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{
			TokenURL: endpoint.URL + "/token", ClientID: endpoint.clientID, AssertionFile: v1alpha1.TokenFilePath(tokenFile),
			Scopes: []string{"https://graph.example.test/.default"}, TokenResponse: minutes,
		}}},
	}
	tenant := createNamespace(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := tc.name + "-" + tenant
			cas := &v1alpha1.ClusterAuthServer{
				ObjectMeta: metav1.ObjectMeta{Name: name},
				Spec: v1alpha1.AuthServerSpec{
					IssuerURL: auth.Issuer, Credentials: tc.creds,
					ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
				},
			}
			mustCreate(t, cas)
			t.Cleanup(func() { _ = k8s.Delete(ctx, cas) })
			waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonReady)
			newClient(t, tenant, tc.name, v1alpha1.OAuthClientSpec{
				Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Kind: v1alpha1.KindClusterAuthServer, Name: name},
			})
			deleteClientAtEnd(t, tenant, tc.name)
			waitReady(t, tenant, tc.name)
			if _, err := token(t, secretOf(t, tenant, tc.name), "read"); err != nil {
				t.Fatalf("the client registered with a service-account login does not work: %v", err)
			}
			// Two resyncs later the one token still serves: its lifetime
			// was read in minutes (in seconds it would be gone).
			time.Sleep(2*resyncPeriod + time.Second)
			if n := endpoint.logins(tc.name); n != 1 {
				t.Errorf("%d logins, want 1: expires_in was not read in minutes", n)
			}

			// The kubelet rotates the token: the next login presents the
			// new one, read from the file again. A spec change makes the
			// operator log in anew.
			second := writeServiceAccountToken(t, sa, audience, tokenFile)
			if err := k8s.Get(ctx, client.ObjectKeyFromObject(cas), cas); err != nil {
				t.Fatal(err)
			}
			cas.Spec.RateLimit = &v1alpha1.RateLimit{RequestsPerSecond: 50}
			if err := k8s.Update(ctx, cas); err != nil {
				t.Fatal(err)
			}
			waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonReady)
			if last := endpoint.lastAssertion(tc.name); last != second {
				t.Errorf("the login after the rotation did not present the rotated token")
			}
		})
	}

	t.Run("no token file at the default path", func(t *testing.T) {
		if _, err := os.Stat(v1alpha1.DefaultServiceAccountTokenPath); err == nil {
			t.Skipf("%s exists on this machine", v1alpha1.DefaultServiceAccountTokenPath)
		}
		name := "default-path-" + tenant
		cas := &v1alpha1.ClusterAuthServer{
			ObjectMeta: metav1.ObjectMeta{Name: name},
			Spec: v1alpha1.AuthServerSpec{
				IssuerURL: auth.Issuer, Credentials: &v1alpha1.ManagementCredentials{JWTBearer: &v1alpha1.JWTBearerAuth{TokenURL: endpoint.URL + "/token"}},
				ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			},
		}
		mustCreate(t, cas)
		t.Cleanup(func() { _ = k8s.Delete(ctx, cas) })
		cond := waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonCredentialsMissing)
		for _, want := range []string{"spec.credentials.jwtBearer.assertionFile", v1alpha1.DefaultServiceAccountTokenPath, "does not exist"} {
			if !strings.Contains(cond.Message, want) {
				t.Errorf("the message does not say %q: %s", want, cond.Message)
			}
		}
	})

	t.Run("an AuthServer may not use the operator's token file", func(t *testing.T) {
		err := k8s.Create(ctx, &v1alpha1.AuthServer{
			ObjectMeta: metav1.ObjectMeta{Name: "tenant-jwt", Namespace: tenant},
			Spec: v1alpha1.AuthServerSpec{
				IssuerURL: auth.Issuer, Credentials: cases[0].creds,
				ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			},
		})
		if err == nil || !strings.Contains(err.Error(), "spec.credentials") || !strings.Contains(err.Error(), "ClusterAuthServer") {
			t.Errorf("an AuthServer logging in with the operator's token file was not refused naming spec.credentials: %v", err)
		}
	})
}

// TestStaticHeaderSchemesReachTheServer registers clients through a
// gateway in front of the real oidc-provider that lets a registration
// through only with an Okta-style "Authorization: SSWS" token or an
// X-Api-Key header, each from the AuthServer's Secret.
func TestStaticHeaderSchemesReachTheServer(t *testing.T) {
	ctx := context.Background()
	const ssws, apiKey, wrong = "00aBcD-okta-api-token-for-the-test", "gateway-api-key-0123456789", "not-the-okta-api-token"
	seen.add(ssws, apiKey, wrong)
	gw := &headerGateway{ssws: ssws, apiKey: apiKey}
	proxy := httptest.NewServer(gw)
	t.Cleanup(proxy.Close)
	open := authserver.StartT(t, authserver.Options{Issuer: proxy.URL})
	gw.setUpstream(t, open.URL)

	ns := createNamespace(t)
	createSecret(t, ns, "gateway", map[string]string{"ssws": ssws, "api-key": apiKey, "wrong": wrong})
	for _, tc := range []struct {
		server string
		creds  *v1alpha1.ManagementCredentials
		scheme string
	}{
		{"okta", &v1alpha1.ManagementCredentials{SSWSToken: &v1alpha1.SecretKeySelector{Name: "gateway", Key: "ssws"}}, "SSWS"},
		{"keyed", &v1alpha1.ManagementCredentials{APIKey: &v1alpha1.APIKeyAuth{
			Header: "X-Api-Key", ValueFrom: v1alpha1.SecretKeySelector{Name: "gateway", Key: "api-key"},
		}}, "X-Api-Key"},
	} {
		t.Run(tc.scheme, func(t *testing.T) {
			createServer(t, ns, tc.server, proxy.URL, tc.creds)
			waitServer(t, &v1alpha1.AuthServer{}, ns, tc.server, v1alpha1.ReasonReady)
			newClient(t, ns, tc.server, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: tc.server}})
			deleteClientAtEnd(t, ns, tc.server)
			waitReady(t, ns, tc.server)
			if n := gw.passed(tc.scheme); n != 1 {
				t.Errorf("%d registrations passed the gateway with %s, want 1", n, tc.scheme)
			}
			s := secretOf(t, ns, tc.server)
			tok, err := open.ClientCredentialsToken(ctx, string(s.Data["client_id"]), string(s.Data["client_secret"]), "read")
			seen.add(tok)
			if err != nil {
				t.Fatalf("the client registered through the gateway does not work: %v", err)
			}
		})
	}

	t.Run("a wrong SSWS token is refused at the gateway", func(t *testing.T) {
		createServer(t, ns, "wrong", proxy.URL, &v1alpha1.ManagementCredentials{SSWSToken: &v1alpha1.SecretKeySelector{Name: "gateway", Key: "wrong"}})
		waitServer(t, &v1alpha1.AuthServer{}, ns, "wrong", v1alpha1.ReasonReady)
		newClient(t, ns, "refused", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: "wrong"}})
		deleteClientAtEnd(t, ns, "refused")
		cond := waitReason(t, ns, "refused", v1alpha1.ReasonUnauthorized)
		if strings.Contains(cond.Message, wrong) {
			t.Errorf("the message shows the token: %s", cond.Message)
		}
	})
}

// TestBadManagementKeyInput: a private key that is missing or cannot be
// used makes the server not Ready with a condition naming the field, and
// nothing is registered with it.
func TestBadManagementKeyInput(t *testing.T) {
	ns := createNamespace(t)
	rsaPEM := rsaKeyPEM(t)
	seen.add(rsaPEM)
	block, _ := pem.Decode([]byte(rsaPEM))
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := x509.MarshalPKIXPublicKey(key.(*rsa.PrivateKey).Public())
	if err != nil {
		t.Fatal(err)
	}
	mustCreate(t, &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "keys", Namespace: ns},
		StringData: map[string]string{
			"rsa.pem":    rsaPEM,
			"public.pem": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pub})),
			"base64.pem": base64.StdEncoding.EncodeToString([]byte(rsaPEM)),
		},
	})
	sel := func(name, key string) v1alpha1.SecretKeySelector {
		return v1alpha1.SecretKeySelector{Name: name, Key: key}
	}
	cc := func(key v1alpha1.PrivateKeySelector) *v1alpha1.ManagementCredentials {
		return &v1alpha1.ManagementCredentials{ClientCredentials: &v1alpha1.ClientCredentialsAuth{ClientID: "operator", PrivateKey: &key}}
	}
	cases := []struct {
		server string
		creds  *v1alpha1.ManagementCredentials
		want   []string
	}{
		{"no-secret", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("absent", "rsa.pem")}),
			[]string{"spec.credentials.clientCredentials.privateKey", ns + "/absent", "not found"}},
		{"no-key", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "tls.key")}),
			[]string{"spec.credentials.clientCredentials.privateKey", `has no key "tls.key"`}},
		{"public-key", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "public.pem")}),
			[]string{"spec.credentials.clientCredentials.privateKey", `"public.pem"`, "public key"}},
		{"base64", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "base64.pem")}),
			[]string{"spec.credentials.clientCredentials.privateKey", "base64"}},
		{"wrong-algorithm", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "rsa.pem"), Algorithm: v1alpha1.KeyAlgorithmES256}),
			[]string{"spec.credentials.clientCredentials.privateKey.algorithm", "ES256"}},
		{"no-certificate", cc(v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "rsa.pem"), Certificate: &v1alpha1.SecretKeySelector{Name: "keys", Key: "tls.crt"}}),
			[]string{"spec.credentials.clientCredentials.privateKey.certificate", `has no key "tls.crt"`}},
		{"jwt-no-key", &v1alpha1.ManagementCredentials{JWTBearer: &v1alpha1.JWTBearerAuth{
			PrivateKey: &v1alpha1.PrivateKeySelector{SecretKeySelector: sel("keys", "signing.pem")}, Issuer: "operator", Subject: "operator",
		}}, []string{"spec.credentials.jwtBearer.privateKey", `has no key "signing.pem"`}},
	}
	for _, tc := range cases {
		t.Run(tc.server, func(t *testing.T) {
			createServer(t, ns, tc.server, auth.Issuer, tc.creds)
			cond := waitServer(t, &v1alpha1.AuthServer{}, ns, tc.server, v1alpha1.ReasonCredentialsMissing)
			for _, want := range tc.want {
				if !strings.Contains(cond.Message, want) {
					t.Errorf("the message does not say %q: %s", want, cond.Message)
				}
			}
			if strings.Contains(cond.Message, "BEGIN") || strings.Contains(cond.Message, rsaPEM[40:80]) {
				t.Errorf("the message shows key material: %s", cond.Message)
			}
			newClient(t, ns, tc.server, v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: tc.server}})
			waitReason(t, ns, tc.server, v1alpha1.ReasonServerNotReady)
			if n := remoteClientsNamed(t, desiredName(ns, tc.server)); n != 0 {
				t.Errorf("%d clients registered with credentials that cannot work", n)
			}
		})
	}
}

// ---- helpers of this file ----

// deleteClientAtEnd deletes the OAuthClient when the test ends, before the
// test's servers stop, so that its remote client goes with it.
func deleteClientAtEnd(t *testing.T, ns, name string) {
	t.Helper()
	t.Cleanup(func() {
		oac := &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}}
		if err := k8s.Delete(context.Background(), oac); client.IgnoreNotFound(err) != nil {
			t.Error(err)
			return
		}
		waitGone(t, &v1alpha1.OAuthClient{}, ns, name)
	})
}

// rsaKeyPEM is a new 2048-bit RSA key as PKCS#8 PEM.
func rsaKeyPEM(t *testing.T) string {
	t.Helper()
	pemKey, _ := rsaKey(t)
	return pemKey
}

// rsaKey is a new 2048-bit RSA key as PKCS#8 PEM, and its public key.
func rsaKey(t *testing.T) (string, *rsa.PublicKey) {
	t.Helper()
	pair, err := keys.Generate(keys.RS256, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return string(pair.PrivatePEM), pair.Signer().Public().(*rsa.PublicKey)
}

// ecKeyJWK is a new P-256 key as a private JWK with the given kid.
func ecKeyJWK(t *testing.T, kid string) string {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	d, err := key.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	point, err := key.PublicKey.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	enc := base64.RawURLEncoding.EncodeToString
	b, err := json.Marshal(map[string]string{
		"kty": "EC", "crv": "P-256", "kid": kid, "x": enc(point[1:33]), "y": enc(point[33:]), "d": enc(d),
	})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// publicJWK is the public half of a PEM or JWK private key, to register.
func publicJWK(t *testing.T, key string) map[string]any {
	t.Helper()
	k, err := mgmtauth.ParsePrivateKey([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return k.PublicJWK()
}

// writeServiceAccountToken gets a token of sa for audience from the API
// server's TokenRequest API, writes it to path as the kubelet writes a
// projected token, records it for the secret scan and returns it.
func writeServiceAccountToken(t *testing.T, sa *corev1.ServiceAccount, audience, path string) string {
	t.Helper()
	expiry := int64(3600)
	tr := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{
		Audiences: []string{audience}, ExpirationSeconds: &expiry,
	}}
	if err := k8s.SubResource("token").Create(context.Background(), sa, tr); err != nil {
		t.Fatalf("requesting a service-account token: %v", err)
	}
	tok := tr.Status.Token
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("the TokenRequest API returned no JWT")
	}
	seen.add(tok)
	if err := os.WriteFile(path, []byte(tok), 0o600); err != nil {
		t.Fatal(err)
	}
	return tok
}

// serviceAccountTokenEndpoint is a token endpoint that trusts one
// ServiceAccount's tokens for one audience, checked by the API server's
// TokenReview: as the JWT bearer grant's assertion, or as the client
// assertion of clientID. It issues the suite's initial access token.
type serviceAccountTokenEndpoint struct {
	*httptest.Server
	clientID string
	user     string
	audience string

	mu         sync.Mutex
	assertions map[string][]string // by grant: jwt-bearer or federated
}

func newServiceAccountTokenEndpoint(t *testing.T, sa *corev1.ServiceAccount, audience string) *serviceAccountTokenEndpoint {
	t.Helper()
	e := &serviceAccountTokenEndpoint{
		clientID: "11111111-2222-3333-4444-555555555555", audience: audience,
		user:       "system:serviceaccount:" + sa.Namespace + ":" + sa.Name,
		assertions: map[string][]string{},
	}
	e.Server = httptest.NewServer(http.HandlerFunc(e.token))
	t.Cleanup(e.Close)
	return e
}

func (e *serviceAccountTokenEndpoint) token(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/token" || r.ParseForm() != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request")
		return
	}
	f := r.PostForm
	var grant, assertion string
	switch {
	case f.Get("grant_type") == mgmtauth.GrantTypeJWTBearer && f.Get("client_id") == "":
		grant, assertion = "jwt-bearer", f.Get("assertion")
	case f.Get("grant_type") == "client_credentials" && f.Get("client_id") == e.clientID &&
		f.Get("client_assertion_type") == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer":
		grant, assertion = "federated", f.Get("client_assertion")
	default:
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type")
		return
	}
	review := &authenticationv1.TokenReview{Spec: authenticationv1.TokenReviewSpec{Token: assertion, Audiences: []string{e.audience}}}
	if err := k8s.Create(r.Context(), review); err != nil {
		oauthError(w, http.StatusServiceUnavailable, "temporarily_unavailable")
		return
	}
	if !review.Status.Authenticated || review.Status.User.Username != e.user || !slices.Contains(review.Status.Audiences, e.audience) {
		oauthError(w, http.StatusBadRequest, "invalid_grant")
		return
	}
	e.mu.Lock()
	e.assertions[grant] = append(e.assertions[grant], assertion)
	e.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]string{"access_token": initialAccessToken, "token_type": "Bearer", "expires_in": "2"})
}

// logins is how many logins of grant were accepted.
func (e *serviceAccountTokenEndpoint) logins(grant string) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return len(e.assertions[grant])
}

// lastAssertion is the assertion of the last accepted login of grant.
func (e *serviceAccountTokenEndpoint) lastAssertion(grant string) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if a := e.assertions[grant]; len(a) > 0 {
		return a[len(a)-1]
	}
	return ""
}

func oauthError(w http.ResponseWriter, status int, code string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code})
}

// headerGateway is a reverse proxy in front of an authorization server
// with open registration that lets a registration request through only
// with the SSWS token or the API key, and counts which one it saw. The
// SSWS Authorization is the gateway's: it is not passed on.
type headerGateway struct {
	ssws, apiKey string

	mu     sync.Mutex
	proxy  *httputil.ReverseProxy
	counts map[string]int
}

func (g *headerGateway) setUpstream(t *testing.T, upstream string) {
	t.Helper()
	u, err := url.Parse(upstream)
	if err != nil {
		t.Fatal(err)
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.counts = map[string]int{}
	g.proxy = &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		r.SetURL(u)
		r.SetXForwarded()
		r.Out.Host = r.In.Host
	}}
}

func (g *headerGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	proxy := g.proxy
	g.mu.Unlock()
	if proxy == nil {
		http.Error(w, "no upstream yet", http.StatusServiceUnavailable)
		return
	}
	if r.Method == http.MethodPost && r.URL.Path == "/reg" {
		var scheme string
		switch {
		case r.Header.Get("Authorization") == "SSWS "+g.ssws:
			scheme = "SSWS"
			r.Header.Del("Authorization")
		case r.Header.Get("X-Api-Key") == g.apiKey:
			scheme = "X-Api-Key"
		default:
			oauthError(w, http.StatusUnauthorized, "invalid_token")
			return
		}
		g.mu.Lock()
		g.counts[scheme]++
		g.mu.Unlock()
	}
	proxy.ServeHTTP(w, r)
}

// passed is how many registrations the gateway let through with scheme.
func (g *headerGateway) passed(scheme string) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.counts[scheme]
}
