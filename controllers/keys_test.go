package controllers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/internal/crashpoint"
	"github.com/oauth-client-operator/oauth-client-operator/internal/discovery"
)

// keySpec is a private_key_jwt client with scopes read and write.
func keySpec(rotation *v1alpha1.RotationPolicy) v1alpha1.OAuthClientSpec {
	return v1alpha1.OAuthClientSpec{
		Scopes: []string{"read", "write"}, TokenEndpointAuthMethod: v1alpha1.AuthMethodPrivateKeyJWT,
		Keys: &v1alpha1.ClientKeys{Algorithm: v1alpha1.KeyES256}, Rotation: rotation,
	}
}

// A private_key_jwt OAuthClient against the real oidc-provider: the server
// holds only the public key, the Secret holds the private key and no
// secret, and a workload that reads only the Secret's files gets a token
// with golang.org/x/oauth2 and a client assertion, active at introspection
// with the manifest's scopes.
func TestKeyBasedClientGetsATokenWithItsDeliveredKey(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "svc", keySpec(nil))
	waitReady(t, ns, "svc")
	s := keySecretOf(t, ns, "svc")

	for _, k := range []string{"client_id", "private_key.pem", "private_key.jwk", "kid", "token_url", "issuer", "scope"} {
		if len(s.Data[k]) == 0 {
			t.Errorf("the Secret has no %s", k)
		}
	}
	if _, ok := s.Data["client_secret"]; ok {
		t.Error("the Secret of a key-based client holds a client_secret")
	}
	if got := string(s.Data["scope"]); got != "read write" {
		t.Errorf("scope = %q", got)
	}

	remote, err := auth.AdminGetClient(context.Background(), string(s.Data["client_id"]))
	if err != nil {
		t.Fatal(err)
	}
	if remote["token_endpoint_auth_method"] != "private_key_jwt" || remote["client_secret"] != nil {
		t.Errorf("the server holds auth method %v and a secret: %t", remote["token_endpoint_auth_method"], remote["client_secret"] != nil)
	}
	if kids := remoteKeyIDs(t, remote); !slices.Equal(kids, []string{string(s.Data["kid"])}) {
		t.Errorf("the server holds key IDs %v, want the Secret's %s", kids, s.Data["kid"])
	}
	if raw, _ := json.Marshal(remote["jwks"]); strings.Contains(string(raw), `"d"`) {
		t.Error("the server holds a private key member")
	}

	tok, err := keyToken(t, s, "read write")
	if err != nil {
		t.Fatalf("the delivered key obtains no token: %v", err)
	}
	info := keyIntrospect(t, s, tok)
	if info["active"] != true || info["client_id"] != string(s.Data["client_id"]) {
		t.Fatalf("introspection: %v", info)
	}
	if got := strings.Fields(fmt.Sprint(info["scope"])); !slices.Equal(slices.Sorted(slices.Values(got)), []string{"read", "write"}) {
		t.Errorf("introspected scope %v, want the manifest's read write", got)
	}
	if _, err := keyToken(t, s, "admin"); err == nil {
		t.Error("the client got a token for a scope the manifest does not give it")
	}
}

// Rotation by key overlap with a 20 s grace period: the server's key set
// holds both public keys, the Secret switches to the new key, the old
// key's assertions are accepted during the grace period and refused after
// it, and the new key's always.
func TestKeyRotationOverlapsThenDropsTheOldKey(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "svc", keySpec(rotation(0, 20*time.Second)))
	waitReady(t, ns, "svc")
	old := keySecretOf(t, ns, "svc")
	if _, err := keyToken(t, old, "read"); err != nil {
		t.Fatalf("the first key obtains no token: %v", err)
	}

	requestRotation(t, ns, "svc", "rotate-1")
	oac := waitVersion(t, ns, "svc", 2)
	cur := keySecretOf(t, ns, "svc")
	if string(cur.Data["kid"]) == string(old.Data["kid"]) || string(cur.Data["client_id"]) != string(old.Data["client_id"]) {
		t.Fatalf("after rotation kid %s (was %s), client %s (was %s): want a new key for the same client",
			cur.Data["kid"], old.Data["kid"], cur.Data["client_id"], old.Data["client_id"])
	}
	if _, err := keyToken(t, cur, "read"); err != nil {
		t.Fatalf("the new key obtains no token: %v", err)
	}
	// During the grace period the old key still works. The operator's
	// record says when the grace period ends; a slow machine may reach
	// this check after it, so only a refusal before then is a failure.
	retireAt := keyRetireAt(t, oac)
	if _, err := keyToken(t, old, "read"); err != nil && time.Now().Before(retireAt.Add(-time.Second)) {
		t.Fatalf("the old key is refused during its grace period (ends %s): %v", retireAt, err)
	}
	remote, err := auth.AdminGetClient(context.Background(), string(cur.Data["client_id"]))
	if err != nil {
		t.Fatal(err)
	}
	if kids := remoteKeyIDs(t, remote); len(kids) != 2 && time.Now().Before(retireAt) {
		t.Errorf("during the grace period the server holds key IDs %v, want both", kids)
	}

	waitFor(t, "the old key to be refused after the grace period", func() (bool, string) {
		_, err := keyToken(t, old, "read")
		return err != nil, "the old key still obtains a token"
	})
	if time.Now().Before(retireAt) {
		t.Errorf("the old key was refused before its grace period ended at %s", retireAt)
	}
	if _, err := keyToken(t, keySecretOf(t, ns, "svc"), "read"); err != nil {
		t.Fatalf("the new key is refused after the grace period: %v", err)
	}
	remote, err = auth.AdminGetClient(context.Background(), string(cur.Data["client_id"]))
	if err != nil {
		t.Fatal(err)
	}
	if kids := remoteKeyIDs(t, remote); !slices.Equal(kids, []string{string(cur.Data["kid"])}) {
		t.Errorf("after the grace period the server holds key IDs %v, want only %s", kids, cur.Data["kid"])
	}
	if rec := recordKeys(t, oac); slices.Contains(rec, string(old.Data["private_key.pem"])) {
		t.Error("the record still holds the old private key after its public key was removed")
	}
}

// A key-based client at rest makes no writes: the key set the server
// reports is not drift, so resyncs change neither the record (no update
// that would rotate the registration access token), nor the Secret, nor
// status.
func TestKeyBasedClientSteadyStateWritesNothing(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "quiet", keySpec(nil))
	waitReady(t, ns, "quiet")
	time.Sleep(time.Second) // let the reconciles caused by our own writes settle
	oac := getClient(t, ns, "quiet")
	s := keySecretOf(t, ns, "quiet")
	rec := recordSecret(t, oac)
	time.Sleep(3 * resyncPeriod)
	if now := getClient(t, ns, "quiet"); now.ResourceVersion != oac.ResourceVersion {
		t.Errorf("the OAuthClient was written during resyncs: %+v", now.Status)
	}
	if now := keySecretOf(t, ns, "quiet"); now.ResourceVersion != s.ResourceVersion {
		t.Error("the Secret was written during resyncs")
	}
	if now := recordSecret(t, oac); now.ResourceVersion != rec.ResourceVersion {
		t.Error("the record was written during resyncs: the key set looked drifted")
	}
}

// A secret-based client switched to private_key_jwt gets a key pair,
// recorded before the update that registers its public key; the Secret
// then holds the key and no secret, and the key obtains a token.
func TestSwitchToPrivateKeyJWT(t *testing.T) {
	ns := newNamespace(t)
	newClient(t, ns, "svc", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
	waitReady(t, ns, "svc")
	before := secretOf(t, ns, "svc")
	oac := getClient(t, ns, "svc")
	oac.Spec.TokenEndpointAuthMethod = v1alpha1.AuthMethodPrivateKeyJWT
	if err := k8s.Update(context.Background(), oac); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the Secret to hold a key", func() (bool, string) {
		s := keySecretOf(t, ns, "svc")
		_, secret := s.Data["client_secret"]
		return len(s.Data["private_key.pem"]) > 0 && !secret, "no key yet, or a client_secret still"
	})
	s := keySecretOf(t, ns, "svc")
	if string(s.Data["client_id"]) != string(before.Data["client_id"]) {
		t.Errorf("client %s, was %s: the same client should switch", s.Data["client_id"], before.Data["client_id"])
	}
	waitReady(t, ns, "svc")
	if _, err := keyToken(t, s, "read"); err != nil {
		t.Fatalf("the key obtains no token after the switch: %v", err)
	}
	if _, err := token(t, before, "read"); err == nil {
		t.Error("the old client secret still obtains a token for a private_key_jwt client")
	}
}

// A server without key sets refuses a private_key_jwt client before
// anything is registered, naming spec.tokenEndpointAuthMethod; so does a
// strategy other than key overlap, naming spec.rotation.strategy.
func TestKeyBasedClientRefusedBeforeRegistering(t *testing.T) {
	ns := newNamespace(t)
	spec := keySpec(&v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace})
	newClient(t, ns, "replace", spec)
	cond := waitReason(t, ns, "replace", v1alpha1.ReasonInvalidMetadata)
	if !strings.Contains(cond.Message, "spec.rotation.strategy") {
		t.Errorf("message %q does not name spec.rotation.strategy", cond.Message)
	}
	if n := remoteClientsNamed(t, ns+"/replace"); n != 0 {
		t.Errorf("%d clients registered for a refused manifest", n)
	}
}

// Crash points during a key rotation leave no registered key without its
// private half in the record and no client without a key: after the
// operator restarts, every public key at the server is one the record
// holds, the Secret's key obtains a token, and the old key goes. (The
// points are those only rotations reach: after-secret-write is reached by
// every reconcile of every client in the suite, so arming it would halt
// whichever comes first; TestCrashAtEveryPoint covers it.)
func TestCrashDuringKeyRotation(t *testing.T) {
	for _, point := range []string{crashpoint.AfterKeySave, crashpoint.AfterRotationSave, crashpoint.AfterRetireDelete} {
		t.Run(point, func(t *testing.T) {
			crashpoint.Reset()
			defer crashpoint.Reset()
			ns := newNamespace(t)
			newClient(t, ns, "c", keySpec(rotation(0, 2*time.Second)))
			oac := waitReady(t, ns, "c")
			old := keySecretOf(t, ns, "c")
			crashpoint.Arm(point)
			requestRotation(t, ns, "c", "crash")
			waitFor(t, "the crash point", func() (bool, string) {
				return crashpoint.Hits(point) == 1, "not reached"
			})
			// At the crash, every key the server holds has its private
			// half in the record.
			serverKeysHeld(t, oac, string(old.Data["client_id"]))
			go func() { time.Sleep(200 * time.Millisecond); crashpoint.Release() }()
			restartManager(t, 0)

			waitFor(t, "the new key and only it at the server", func() (bool, string) {
				s := keySecretOf(t, ns, "c")
				remote, err := auth.AdminGetClient(context.Background(), string(s.Data["client_id"]))
				if err != nil {
					return false, err.Error()
				}
				kids := remoteKeyIDs(t, remote)
				return string(s.Data["kid"]) != string(old.Data["kid"]) && slices.Equal(kids, []string{string(s.Data["kid"])}),
					fmt.Sprintf("Secret kid %s, server %v", s.Data["kid"], kids)
			})
			serverKeysHeld(t, oac, string(old.Data["client_id"]))
			if _, err := keyToken(t, keySecretOf(t, ns, "c"), "read"); err != nil {
				t.Fatalf("the Secret's key does not work after the crash: %v", err)
			}
			if n := remoteClientsNamed(t, ns+"/c"); n != 1 {
				t.Errorf("%d clients at the server, want 1", n)
			}
		})
	}
}

// ---- helpers: a workload's view, built from the Secret's files only ----

// keySecretOf reads the delivered Secret and adds its private key to the
// log scan.
func keySecretOf(t *testing.T, ns, name string) *corev1.Secret {
	t.Helper()
	s := secretOf(t, ns, name)
	var jwk struct {
		D string `json:"d"`
	}
	_ = json.Unmarshal(s.Data["private_key.jwk"], &jwk)
	seen.add(string(pemBody(s)), string(s.Data["private_key.jwk"]), jwk.D)
	return s
}

// pemBody is the base64 body of the Secret's PEM, what a leak would show.
func pemBody(s *corev1.Secret) []byte {
	b, _ := pem.Decode(s.Data["private_key.pem"])
	if b == nil {
		return nil
	}
	return []byte(base64.StdEncoding.EncodeToString(b.Bytes))
}

// keyToken obtains a client_credentials token with golang.org/x/oauth2, as
// a workload would, authenticating with an RFC 7523 client assertion signed
// with the Secret's private_key.pem.
func keyToken(t *testing.T, s *corev1.Secret, scope string) (string, error) {
	t.Helper()
	tokenURL := string(s.Data["token_url"])
	assertion := clientAssertion(t, s, tokenURL)
	cc := clientcredentials.Config{
		ClientID: string(s.Data["client_id"]), TokenURL: tokenURL, Scopes: strings.Fields(scope),
		AuthStyle: oauth2.AuthStyleInParams,
		EndpointParams: url.Values{
			"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
			"client_assertion":      {assertion},
		},
	}
	tok, err := cc.Token(context.Background())
	if err != nil {
		return "", err
	}
	seen.add(tok.AccessToken)
	return tok.AccessToken, nil
}

// keyIntrospect introspects tok at the server's introspection endpoint,
// authenticated with a client assertion of the Secret's key.
func keyIntrospect(t *testing.T, s *corev1.Secret, tok string) map[string]any {
	t.Helper()
	ep, err := discovery.Fetch(context.Background(), nil, string(s.Data["issuer"]))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{
		"token": {tok}, "client_id": {string(s.Data["client_id"])},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"},
		"client_assertion":      {clientAssertion(t, s, string(s.Data["issuer"]))},
	}
	resp, err := http.PostForm(ep.Introspection, form) //nolint:noctx // the test server's discovered endpoint
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }()
	body, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &out) != nil {
		t.Fatalf("introspection answered %d", resp.StatusCode)
	}
	return out
}

// clientAssertion is an RFC 7523 §3 client assertion for aud, signed ES256
// with the Secret's key and carrying its kid: iss = sub = client_id, a
// fresh jti, exp a minute ahead.
func clientAssertion(t *testing.T, s *corev1.Secret, aud string) string {
	t.Helper()
	block, _ := pem.Decode(s.Data["private_key.pem"])
	if block == nil || block.Type != "PRIVATE KEY" {
		t.Fatal("private_key.pem is not a PKCS#8 PEM key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal("private_key.pem does not parse")
	}
	key, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		t.Fatal("private_key.pem is not an EC key")
	}
	enc := base64.RawURLEncoding
	header, _ := json.Marshal(map[string]string{"alg": "ES256", "typ": "JWT", "kid": string(s.Data["kid"])})
	now := time.Now()
	id := string(s.Data["client_id"])
	claims, _ := json.Marshal(map[string]any{
		"iss": id, "sub": id, "aud": aud, "jti": rand.Text(),
		"iat": now.Unix(), "exp": now.Add(time.Minute).Unix(),
	})
	input := enc.EncodeToString(header) + "." + enc.EncodeToString(claims)
	digest := sha256.Sum256([]byte(input))
	r, sig, err := ecdsa.Sign(rand.Reader, key, digest[:])
	if err != nil {
		t.Fatal(err)
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	sig.FillBytes(raw[32:])
	return input + "." + enc.EncodeToString(raw)
}

// remoteKeyIDs lists the kids of the key set a client holds at the server.
func remoteKeyIDs(t *testing.T, remote map[string]any) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	raw, _ := json.Marshal(remote["jwks"])
	if err := json.Unmarshal(raw, &set); err != nil {
		t.Fatalf("the server's jwks: %v", err)
	}
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.Kid)
	}
	return ids
}

// recordSecret reads the operator's record of oac.
func recordSecret(t *testing.T, oac *v1alpha1.OAuthClient) *corev1.Secret {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}, &s); err != nil {
		t.Fatalf("reading the record of %s: %v", oac.Name, err)
	}
	return &s
}

// recordKeys are the private keys (PEM) the operator's record holds: the
// current one and those of retiring old keys.
func recordKeys(t *testing.T, oac *v1alpha1.OAuthClient) []string {
	t.Helper()
	s := recordSecret(t, oac)
	keys := []string{string(s.Data["private_key.pem"])}
	var retiring []struct {
		Key string `json:"key"`
	}
	if len(s.Data["retiring"]) > 0 {
		if err := json.Unmarshal(s.Data["retiring"], &retiring); err != nil {
			t.Fatalf("the record's retiring list: %v", err)
		}
	}
	for _, r := range retiring {
		if r.Key != "" {
			keys = append(keys, r.Key)
		}
	}
	return keys
}

// keyRetireAt is when the record's retiring old key goes.
func keyRetireAt(t *testing.T, oac *v1alpha1.OAuthClient) time.Time {
	t.Helper()
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: operatorNamespace, Name: "oauthclient-" + string(oac.UID)}, &s); err != nil {
		t.Fatal(err)
	}
	var retiring []struct {
		RetireAt time.Time `json:"retireAt"`
	}
	if err := json.Unmarshal(s.Data["retiring"], &retiring); err != nil || len(retiring) == 0 {
		return time.Time{}
	}
	return retiring[0].RetireAt
}

// serverKeysHeld fails t unless every public key the server holds for
// clientID has its private half in the operator's record.
func serverKeysHeld(t *testing.T, oac *v1alpha1.OAuthClient, clientID string) {
	t.Helper()
	remote, err := auth.AdminGetClient(context.Background(), clientID)
	if err != nil {
		t.Fatal(err)
	}
	held := heldKeyIDs(t, recordKeys(t, oac))
	kids := remoteKeyIDs(t, remote)
	if len(kids) == 0 {
		t.Fatal("the client has no key at the server")
	}
	for _, kid := range kids {
		if !slices.Contains(held, kid) {
			t.Errorf("the server holds key %s, whose private half is not in the record (it holds %v)", kid, held)
		}
	}
}

// heldKeyIDs are the kids (RFC 7638 thumbprints) of the EC keys pems.
func heldKeyIDs(t *testing.T, pems []string) []string {
	t.Helper()
	var ids []string
	for _, p := range pems {
		b, _ := pem.Decode([]byte(p))
		if b == nil {
			t.Fatal("a recorded key is not PEM")
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			t.Fatal("a recorded key does not parse")
		}
		pub, _ := k.(*ecdsa.PrivateKey).PublicKey.ECDH()
		raw := pub.Bytes()
		enc := base64.RawURLEncoding
		m, _ := json.Marshal(map[string]string{"crv": "P-256", "kty": "EC", "x": enc.EncodeToString(raw[1:33]), "y": enc.EncodeToString(raw[33:65])})
		sum := sha256.Sum256(m)
		ids = append(ids, enc.EncodeToString(sum[:]))
	}
	return ids
}
