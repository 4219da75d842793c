package controllers_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/authserver"
)

// Plain http off loopback is refused at admission: see
// api/v1alpha1 TestInvalidManifestsAreRefusedNamingTheField, case "plain
// http issuer off loopback".

func TestTenancyAuthServerReadsOnlyItsOwnNamespace(t *testing.T) {
	nsA, nsB := createNamespace(t), createNamespace(t)
	createSecret(t, nsB, "shared-registration", map[string]string{"token": initialAccessToken})
	createServer(t, nsA, "borrower", auth.Issuer, &v1alpha1.ManagementCredentials{
		InitialAccessToken: &v1alpha1.SecretKeySelector{Name: "shared-registration", Key: "token"},
	})
	cond := waitServer(t, &v1alpha1.AuthServer{}, nsA, "borrower", v1alpha1.ReasonCredentialsMissing)
	for _, want := range []string{"spec.credentials.initialAccessToken", nsA + "/shared-registration", "not found"} {
		if !strings.Contains(cond.Message, want) {
			t.Errorf("the message does not say %q: %s", want, cond.Message)
		}
	}
	if strings.Contains(cond.Message, nsB) {
		t.Errorf("the message mentions the other namespace %s: %s", nsB, cond.Message)
	}
}

func TestTenancyOAuthClientCannotUseAnotherNamespacesServer(t *testing.T) {
	nsB := newNamespace(t) // its AuthServer "dev" is Ready
	nsA := createNamespace(t)
	newClient(t, nsA, "stray", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Name: "dev"}})
	cond := waitReason(t, nsA, "stray", v1alpha1.ReasonServerNotFound)
	for _, want := range []string{"spec.serverRef", `"dev"`, "namespace " + nsA} {
		if !strings.Contains(cond.Message, want) {
			t.Errorf("the message does not say %q: %s", want, cond.Message)
		}
	}
	if strings.Contains(cond.Message, nsB) {
		t.Errorf("the message mentions the other namespace %s: %s", nsB, cond.Message)
	}
	if id := getClient(t, nsA, "stray").Status.ClientID; id != "" {
		t.Errorf("client %s was registered through another namespace's server", id)
	}
	var s corev1.Secret
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: nsA, Name: "stray"}, &s); !apierrors.IsNotFound(err) {
		t.Errorf("a Secret was written (err %v)", err)
	}
}

func TestTenancyClusterAuthServerReadsOnlyTheOperatorNamespace(t *testing.T) {
	ctx := context.Background()
	tenant := createNamespace(t)
	name := "cluster-" + tenant
	// The same name in a tenant namespace, with a working token: not used.
	createSecret(t, tenant, name, map[string]string{"token": initialAccessToken})
	cas := &v1alpha1.ClusterAuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: v1alpha1.AuthServerSpec{
			IssuerURL:      auth.Issuer,
			ProviderBlocks: v1alpha1.ProviderBlocks{DynamicRegistration: &v1alpha1.DynamicRegistrationProvider{}},
			Credentials: &v1alpha1.ManagementCredentials{
				InitialAccessToken: &v1alpha1.SecretKeySelector{Name: name, Key: "token"},
			},
		},
	}
	mustCreate(t, cas)
	t.Cleanup(func() { _ = k8s.Delete(ctx, cas) })
	cond := waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonCredentialsMissing)
	if want := operatorNamespace + "/" + name; !strings.Contains(cond.Message, want) {
		t.Errorf("the message does not name %s: %s", want, cond.Message)
	}

	// The same Secret in the operator's namespace is used.
	opSecret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: operatorNamespace},
		StringData: map[string]string{"iat": initialAccessToken},
	}
	mustCreate(t, opSecret)
	t.Cleanup(func() { _ = k8s.Delete(ctx, opSecret) })
	if err := k8s.Get(ctx, client.ObjectKeyFromObject(cas), cas); err != nil {
		t.Fatal(err)
	}
	cas.Spec.Credentials.InitialAccessToken.Key = "iat" // a spec change: checked at once
	if err := k8s.Update(ctx, cas); err != nil {
		t.Fatal(err)
	}
	waitServer(t, &v1alpha1.ClusterAuthServer{}, "", name, v1alpha1.ReasonReady)

	newClient(t, tenant, "via-cluster", v1alpha1.OAuthClientSpec{
		Scopes: []string{"read"}, ServerRef: v1alpha1.ServerReference{Kind: "ClusterAuthServer", Name: name},
	})
	oac := waitReady(t, tenant, "via-cluster")
	if _, err := token(t, secretOf(t, tenant, "via-cluster"), "read"); err != nil {
		t.Fatalf("credentials from the ClusterAuthServer do not work: %v", err)
	}
	recordState(t, oac)
	deleteClient(t, tenant, "via-cluster")
}

func TestTLSWithCABundle(t *testing.T) {
	caPEM, leaf := newTestCA(t)
	otherCA, _ := newTestCA(t)
	issuer, srv := startTLSServer(t, leaf)

	cases := []struct {
		name     string
		caBundle []byte
		reason   string
	}{
		{"caBundle trusts the server", caPEM, v1alpha1.ReasonReady},
		{"no caBundle", nil, v1alpha1.ReasonDiscoveryFailed},
		{"another CA's bundle", otherCA, v1alpha1.ReasonDiscoveryFailed},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newServerNamespace(t, v1alpha1.AuthServerSpec{IssuerURL: issuer, CABundle: tc.caBundle}, false)
			cond := waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", tc.reason)
			if tc.reason != v1alpha1.ReasonReady {
				if !strings.Contains(cond.Message, "certificate") {
					t.Errorf("the message does not mention the certificate: %s", cond.Message)
				}
				return
			}

			oac, s := applyReady(t, ns, "tls", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}})
			if got := string(s.Data["token_url"]); !strings.HasPrefix(got, issuer+"/") {
				t.Errorf("token_url %q is not on the TLS issuer %s", got, issuer)
			}
			if _, err := srv.AdminGetClient(context.Background(), oac.Status.ClientID); err != nil {
				t.Errorf("the client is not at the server: %v", err)
			}
			pool := x509.NewCertPool()
			pool.AppendCertsFromPEM(caPEM)
			hc := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
			if err := workloadToken(hc, s); err != nil {
				t.Fatalf("the delivered credentials do not obtain a token over TLS: %v", err)
			}
		})
	}
}

// Admission refuses a plain-http issuer off loopback; endpoints that
// discovery or an override yields are checked again at run time.
func TestTLSPlainHTTPEndpointOnlyOnLoopbackOrAllowed(t *testing.T) {
	cases := []struct {
		name          string
		allowInsecure bool
		reason        string
	}{
		{"refused", false, v1alpha1.ReasonDiscoveryFailed},
		{"allowed explicitly", true, v1alpha1.ReasonReady},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ns := newServerNamespace(t, v1alpha1.AuthServerSpec{
				IssuerURL:         auth.Issuer,
				AllowInsecureHTTP: tc.allowInsecure,
				Endpoints:         &v1alpha1.EndpointOverrides{Registration: "http://auth.example.com/reg"},
			}, false)
			cond := waitServer(t, &v1alpha1.AuthServer{}, ns, "dev", tc.reason)
			if tc.reason == v1alpha1.ReasonReady {
				return
			}
			for _, want := range []string{"registration endpoint", "plain http", "spec.allowInsecureHTTP"} {
				if !strings.Contains(cond.Message, want) {
					t.Errorf("the message does not say %q: %s", want, cond.Message)
				}
			}
		})
	}
}

// startTLSServer runs an authorization server behind a TLS reverse proxy
// serving leaf on 127.0.0.1, and returns the https issuer and the server.
func startTLSServer(t *testing.T, leaf tls.Certificate) (string, *authserver.Server) {
	t.Helper()
	ts := httptest.NewUnstartedServer(nil)
	issuer := "https://" + ts.Listener.Addr().String()
	srv := authserver.StartT(t, authserver.Options{Issuer: issuer, InitialAccessToken: initialAccessToken, Scopes: []string{"read"}})
	upstream, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	ts.Config.Handler = &httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(upstream)
		pr.SetXForwarded() // X-Forwarded-Proto: https, X-Forwarded-Host: the proxy
	}}
	// Refused handshakes (the cases without the right CA) are expected.
	ts.Config.ErrorLog = log.New(io.Discard, "", 0)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{leaf}, MinVersion: tls.VersionTLS12}
	ts.StartTLS()
	t.Cleanup(ts.Close)
	return issuer, srv
}

// newTestCA makes a self-signed CA and a server certificate it signs for
// 127.0.0.1; it returns the CA in PEM.
func newTestCA(t *testing.T) ([]byte, tls.Certificate) {
	t.Helper()
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "oauth-client-operator test CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}
