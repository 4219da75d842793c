package v1alpha1_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/kube"
)

var env *kube.Env

func TestMain(m *testing.M) {
	os.Exit(kube.Run(func(e *kube.Env) int {
		env = e
		return m.Run()
	}))
}

// object parses a manifest; every case gets a unique name so cases never
// collide.
func object(t *testing.T, manifest string) *unstructured.Unstructured {
	t.Helper()
	u := &unstructured.Unstructured{}
	if err := yaml.Unmarshal([]byte(manifest), &u.Object); err != nil {
		t.Fatalf("bad test manifest: %v", err)
	}
	if u.GetNamespace() == "" && u.GetKind() != "ClusterAuthServer" {
		u.SetNamespace("default")
	}
	return u
}

const oauthClientHead = "apiVersion: oauth.clientoperator.io/v1alpha1\nkind: OAuthClient\nmetadata: {name: %s}\nspec:\n  serverRef: {name: dev}\n"
const authServerHead = "apiVersion: oauth.clientoperator.io/v1alpha1\nkind: AuthServer\nmetadata: {name: %s}\nspec:\n"
const clusterAuthServerHead = "apiVersion: oauth.clientoperator.io/v1alpha1\nkind: ClusterAuthServer\nmetadata: {name: %s}\nspec:\n"

// credsHead starts a server spec up to its credentials.
const credsHead = "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials:\n" //nolint:gosec // G101: the start of a manifest, not a credential

func TestInvalidManifestsAreRefusedNamingTheField(t *testing.T) {
	// want: substrings of the API server's message, the field path and
	// what is wrong.
	cases := []admissionCase{
		{"missing serverRef", "nosrv", "", []string{"spec.serverRef"}},
		{"serverRef kind unknown", "client", "  serverRef: {name: dev, kind: Issuer}\n", []string{"spec.serverRef.kind", "Unsupported value"}},
		{"serverRef name empty", "client", "  serverRef: {name: \"\"}\n", []string{"spec.serverRef.name"}},
		{"unknown grant type", "client", "  grantTypes: [password]\n", []string{"spec.grantTypes[0]", "Unsupported value"}},
		{"empty grant types", "client", "  grantTypes: []\n", []string{"spec.grantTypes"}},
		{"scope with a space", "client", "  scopes: [\"read write\"]\n", []string{"spec.scopes[0]"}},
		{"scope with a quote", "client", "  scopes: ['a\"b']\n", []string{"spec.scopes[0]"}},
		{"duplicate scopes", "client", "  scopes: [read, read]\n", []string{"spec.scopes[1]", "Duplicate value"}},
		{"authorization_code without redirectURIs", "client", "  grantTypes: [authorization_code]\n", []string{"spec.redirectURIs", "redirectURIs is required when grantTypes contains authorization_code"}},
		{"plain http redirect URI", "client", "  grantTypes: [authorization_code]\n  redirectURIs: [\"http://app.example.com/cb\"]\n", []string{"spec.redirectURIs[0]", "https"}},
		{"relative redirect URI", "client", "  grantTypes: [authorization_code]\n  redirectURIs: [\"/callback\"]\n", []string{"spec.redirectURIs[0]"}},
		{"public client with client_credentials", "client", "  tokenEndpointAuthMethod: none\n", []string{"spec.tokenEndpointAuthMethod", "client_credentials"}},
		{"unknown auth method", "client", "  tokenEndpointAuthMethod: tls_client_auth\n", []string{"spec.tokenEndpointAuthMethod", "Unsupported value"}},
		{"secretName not a DNS name", "client", "  secretName: My_Secret\n", []string{"spec.secretName"}},
		{"deletionPolicy unknown", "client", "  deletionPolicy: Keep\n", []string{"spec.deletionPolicy", "Unsupported value"}},
		{"zero rotation interval", "client", "  rotation: {interval: 0s}\n", []string{"spec.rotation.interval", "interval must be positive"}},
		{"negative rotation interval", "client", "  rotation: {interval: -1h}\n", []string{"spec.rotation.interval", "interval must be positive"}},
		{"grace period not shorter than interval", "client", "  rotation: {interval: 1h, gracePeriod: 2h}\n", []string{"spec.rotation.gracePeriod", "gracePeriod must be shorter than interval"}},
		{"rotation strategy unknown", "client", "  rotation: {strategy: Sometimes}\n", []string{"spec.rotation.strategy", "Unsupported value"}},
		{"rollout target kind unknown", "client", "  rolloutTargets: [{kind: Pod, name: web}]\n", []string{"spec.rolloutTargets[0].kind", "Unsupported value"}},
		{"secret template key with a slash", "client", "  secretTemplate: {keys: {clientID: \"a/b\"}}\n", []string{"spec.secretTemplate.keys.clientID"}},
		{"secret template data key with a slash", "client", "  secretTemplate: {data: {\"conf/app.properties\": \"x\"}}\n", []string{"spec.secretTemplate.data", "valid Secret keys"}},
		// Guard rails (issue 12): label and annotation keys and values,
		// durations, policy fields, who may use a server, provider options.
		{"label key with a space", "client", "  secretTemplate: {labels: {\"team name!\": a}}\n", []string{"spec.secretTemplate.labels", "label keys must be qualified names"}},
		{"label key starting with a dash", "client", "  secretTemplate: {labels: {\"-/bad\": a}}\n", []string{"spec.secretTemplate.labels", "label keys must be qualified names"}},
		{"label key name longer than 63", "client", "  secretTemplate: {labels: {\"example.com/" + strings.Repeat("a", 64) + "\": a}}\n", []string{"spec.secretTemplate.labels", "label keys must be qualified names"}},
		{"label key with an upper-case prefix", "client", "  secretTemplate: {labels: {\"Example.com/team\": a}}\n", []string{"spec.secretTemplate.labels", "label keys must be qualified names"}},
		{"label value with a slash", "client", "  secretTemplate: {labels: {team: \"a/b\"}}\n", []string{"spec.secretTemplate.labels.team", "should match"}},
		{"label value longer than 63", "client", "  secretTemplate: {labels: {team: " + strings.Repeat("a", 64) + "}}\n", []string{"spec.secretTemplate.labels.team", "may not be more than 63"}},
		{"annotation key with a space", "client", "  secretTemplate: {annotations: {\"reload me\": \"true\"}}\n", []string{"spec.secretTemplate.annotations", "annotation keys must be qualified names"}},
		{"annotation key with two slashes", "client", "  secretTemplate: {annotations: {\"a/b/c\": \"true\"}}\n", []string{"spec.secretTemplate.annotations", "annotation keys must be qualified names"}},
		{"garbage rotation interval", "client", "  rotation: {interval: soon}\n", []string{"spec.rotation.interval", "must be a duration such as 720h"}},
		{"rotation interval without a unit", "client", "  rotation: {interval: \"720\"}\n", []string{"spec.rotation.interval", "must be a duration such as 720h"}},
		{"garbage grace period", "client", "  rotation: {interval: 720h, gracePeriod: \"an hour\"}\n", []string{"spec.rotation.gracePeriod", "must be a duration such as 1h"}},
		{"hydra access token strategy unknown", "client", "  providerOptions: {hydra: {accessTokenStrategy: paseto}}\n", []string{"spec.providerOptions.hydra.accessTokenStrategy", "Unsupported value"}},
		{"hydra client URI not a URL", "client", "  providerOptions: {hydra: {clientURI: \"example\"}}\n", []string{"spec.providerOptions.hydra.clientURI", "must be an absolute URL"}},
		{"namespaceSelector on an AuthServer", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  namespaceSelector: {matchLabels: {team: a}}\n", []string{"spec.namespaceSelector", "for ClusterAuthServer only"}},
		{"namespaces on an AuthServer", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  namespaces: [team-a]\n", []string{"spec", "for ClusterAuthServer only"}},
		{"namespace name not a DNS label", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  namespaces: [Team_A]\n", []string{"spec.namespaces[0]"}},
		{"namespaceSelector operator unknown", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  namespaceSelector: {matchExpressions: [{key: team, operator: Like, values: [a]}]}\n", []string{"spec.namespaceSelector", "matchExpressions operators are In and NotIn"}},
		{"onAccessLost unknown", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  onAccessLost: Revoke\n", []string{"spec.onAccessLost", "Unsupported value"}},
		{"policy grant type unknown", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {grantTypes: [password]}\n", []string{"spec.clientPolicy.grantTypes[0]", "Unsupported value"}},
		{"policy scope pattern with a space", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {scopes: [\"orders *\"]}\n", []string{"spec.clientPolicy.scopes[0]"}},
		{"policy redirect pattern without a scheme", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {redirectURIs: [\"*.apps.example.com/*\"]}\n", []string{"spec.clientPolicy.redirectURIs[0]", "absolute http(s) URL patterns"}},
		{"policy redirect pattern with user info", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {redirectURIs: [\"https://me@*.example.com/*\"]}\n", []string{"spec.clientPolicy.redirectURIs[0]", "absolute http(s) URL patterns"}},
		{"policy empty audience", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {audiences: [\"\"]}\n", []string{"spec.clientPolicy.audiences[0]"}},
		{"garbage maxRotationInterval", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {maxRotationInterval: monthly}\n", []string{"spec.clientPolicy.maxRotationInterval", "must be a duration such as 720h"}},
		{"garbage defaultLifetime", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, tokenResponse: {defaultLifetime: forever}}\n", []string{"spec.credentials.clientCredentials.tokenResponse.defaultLifetime", "must be a duration such as 1h"}},
		{"zero maxRotationInterval", "cluster", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {maxRotationInterval: 0s}\n", []string{"spec.clientPolicy.maxRotationInterval", "must be positive"}},
		{"no provider block", "server", "  issuerURL: https://auth.example.com\n", []string{"spec", "exactly one provider block"}},
		{"issuer not a URL", "server", "  issuerURL: \"not a url\"\n  dynamicRegistration: {}\n", []string{"spec.issuerURL", "absolute http(s) URL"}},
		{"plain http issuer off loopback", "server", "  issuerURL: http://auth.example.com\n  dynamicRegistration: {}\n", []string{"spec.issuerURL", "must use https"}},
		{"okta orgURL with a path", "server", "  issuerURL: https://example.okta.com/oauth2/default\n  okta: {orgURL: https://example.okta.com/oauth2}\n", []string{"spec.okta.orgURL", "without a path"}},
		{"okta authorization server ID with a slash", "server", "  issuerURL: https://example.okta.com/oauth2/default\n  okta: {orgURL: https://example.okta.com, authorizationServerID: \"a/b\"}\n", []string{"spec.okta.authorizationServerID"}},
		{"two kinds of credentials", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials:\n    bearerToken: {name: s, key: token}\n    initialAccessToken: {name: s, key: iat}\n", []string{"spec.credentials", "set only one of"}},
		{"client credentials without clientID", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials:\n    clientCredentials: {clientSecret: {name: s, key: k}}\n", []string{"spec.credentials.clientCredentials.clientID", "Required value"}},
		{"auth style unknown", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials:\n    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, authStyle: Digest}\n", []string{"spec.credentials.clientCredentials.authStyle", "Unsupported value"}},
		{"secret selector without key", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials:\n    bearerToken: {name: s}\n", []string{"spec.credentials.bearerToken.key", "Required value"}},
		{"endpoint override not a URL", "server", "  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  endpoints: {token: \"token\"}\n", []string{"spec.endpoints.token", "absolute URL"}},
		{"client secret and private key", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, privateKey: {name: s, key: pem}}\n", []string{"spec.credentials.clientCredentials", "set exactly one of clientSecret, privateKey, assertionFile"}},
		{"client credentials without client authentication", "server", credsHead + "    clientCredentials: {clientID: op}\n", []string{"spec.credentials.clientCredentials", "set exactly one of clientSecret, privateKey, assertionFile"}},
		{"private key with auth style Basic", "server", credsHead + "    clientCredentials: {clientID: op, privateKey: {name: s, key: pem}, authStyle: Basic}\n", []string{"spec.credentials.clientCredentials.authStyle", "need clientSecret"}},
		{"private key algorithm unknown", "server", credsHead + "    clientCredentials: {clientID: op, privateKey: {name: s, key: pem, algorithm: HS256}}\n", []string{"spec.credentials.clientCredentials.privateKey.algorithm", "Unsupported value"}},
		{"private key without Secret key", "server", credsHead + "    clientCredentials: {clientID: op, privateKey: {name: s}}\n", []string{"spec.credentials.clientCredentials.privateKey.key", "Required value"}},
		{"resource with a fragment", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, resources: [\"https://api.example.com/#x\"]}\n", []string{"spec.credentials.clientCredentials.resources[0]"}},
		{"resources and extraParams resource", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, resources: [\"https://a.example.com/\"], extraParams: {resource: \"https://b.example.com/\"}}\n", []string{"spec.credentials.clientCredentials.resources", "not both"}},
		{"expiresInUnit unknown", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, tokenResponse: {expiresInUnit: hours}}\n", []string{"spec.credentials.clientCredentials.tokenResponse.expiresInUnit", "Unsupported value"}},
		{"defaultLifetime not positive", "server", credsHead + "    clientCredentials: {clientID: op, clientSecret: {name: s, key: k}, tokenResponse: {defaultLifetime: 0s}}\n", []string{"spec.credentials.clientCredentials.tokenResponse.defaultLifetime", "must be positive"}},
		{"jwt bearer with file and key", "cluster", credsHead + "    jwtBearer: {assertionFile: /var/run/secrets/t/token, privateKey: {name: s, key: pem}, issuer: i, subject: s}\n", []string{"spec.credentials.jwtBearer", "set one of assertionFile and privateKey"}},
		{"jwt bearer key without issuer", "server", credsHead + "    jwtBearer: {privateKey: {name: s, key: pem}, subject: s}\n", []string{"spec.credentials.jwtBearer", "issuer and subject are required with privateKey"}},
		{"jwt bearer secret without client ID", "server", credsHead + "    jwtBearer: {privateKey: {name: s, key: pem}, issuer: i, subject: s, clientSecret: {name: s, key: k}}\n", []string{"spec.credentials.jwtBearer.clientSecret", "clientSecret needs clientID"}},
		{"two schemes", "server", credsHead + "    jwtBearer: {privateKey: {name: s, key: pem}, issuer: i, subject: s}\n    sswsToken: {name: s, key: k}\n", []string{"spec.credentials", "set only one of"}},
		{"api key header Host", "server", credsHead + "    apiKey: {header: Host, valueFrom: {name: s, key: k}}\n", []string{"spec.credentials.apiKey.header", "Content-Type, Content-Length or Host"}},
		{"api key header not a token", "server", credsHead + "    apiKey: {header: \"X Key\", valueFrom: {name: s, key: k}}\n", []string{"spec.credentials.apiKey.header"}},
		{"assertion file relative", "cluster", credsHead + "    clientCredentials: {clientID: op, assertionFile: token}\n", []string{"spec.credentials.clientCredentials.assertionFile", "must be an absolute path"}},
		{"assertion file with ..", "cluster", credsHead + "    jwtBearer: {assertionFile: /var/run/secrets/x/../kubernetes.io/serviceaccount/token}\n", []string{"spec.credentials.jwtBearer.assertionFile", "clean path"}},
		{"assertion file the API token", "cluster", credsHead + "    jwtBearer: {assertionFile: /var/run/secrets/kubernetes.io/serviceaccount/token}\n", []string{"spec.credentials.jwtBearer.assertionFile", "Kubernetes API token"}},
		{"AuthServer with the operator's token file", "server", credsHead + "    jwtBearer: {tokenURL: \"https://auth.example.com/token\"}\n", []string{"spec.credentials", "use a ClusterAuthServer"}},
		{"AuthServer with a federated assertion file", "server", credsHead + "    clientCredentials: {clientID: op, assertionFile: /var/run/secrets/entra/token}\n", []string{"spec.credentials", "use a ClusterAuthServer"}},
	}
	if len(cases) < 20 {
		t.Fatalf("the issue asks for at least 20 invalid manifests, have %d", len(cases))
	}
	refusedAtAdmission(t, "core", cases)
}

func TestValidManifestsAreAcceptedWithDefaults(t *testing.T) {
	cases := []struct {
		name, manifest string
		// want maps a dotted path to the value the server must hold.
		want map[string]any
	}{
		{"minimal client", fmt.Sprintf(oauthClientHead, "valid-minimal"), map[string]any{
			"spec.grantTypes":              []any{"client_credentials"},
			"spec.deletionPolicy":          "Delete",
			"spec.tokenEndpointAuthMethod": "client_secret_basic",
			"spec.serverRef.kind":          "AuthServer",
		}},
		{"web app with loopback and https redirects", fmt.Sprintf(oauthClientHead, "valid-web") +
			"  grantTypes: [authorization_code, refresh_token]\n  redirectURIs: [\"https://app.example.com/cb\", \"http://127.0.0.1:8080/cb\", \"http://localhost/cb\"]\n  scopes: [openid, \"api:read\"]\n",
			map[string]any{"spec.tokenEndpointAuthMethod": "client_secret_basic"}},
		{"public client", fmt.Sprintf(oauthClientHead, "valid-public") +
			"  grantTypes: [authorization_code]\n  redirectURIs: [\"https://spa.example.com/\"]\n  tokenEndpointAuthMethod: none\n",
			map[string]any{"spec.tokenEndpointAuthMethod": "none"}},
		{"rotation defaults to Auto", fmt.Sprintf(oauthClientHead, "valid-rotation") +
			"  rotation: {interval: 720h, gracePeriod: 1h}\n",
			map[string]any{"spec.rotation.strategy": "Auto"}},
		{"cluster server ref and template", "apiVersion: oauth.clientoperator.io/v1alpha1\nkind: OAuthClient\nmetadata: {name: valid-cluster}\nspec:\n  serverRef: {kind: ClusterAuthServer, name: corp}\n  secretName: app-oauth\n  deletionPolicy: Orphan\n  secretTemplate:\n    labels: {team: a}\n    keys: {clientID: CLIENT_ID}\n    data: {app.properties: \"client.id={{ .ClientID }}\"}\n",
			map[string]any{"spec.deletionPolicy": "Orphan"}},
		{"server with client credentials", fmt.Sprintf(authServerHead, "valid-server") +
			"  issuerURL: https://auth.example.com/tenant-a\n  dynamicRegistration: {}\n  credentials:\n    clientCredentials:\n      clientID: operator\n      clientSecret: {name: mgmt, key: secret}\n      extraParams: {tenant: a}\n      extraHeaders: [{name: X-Api-Key, valueFrom: {name: mgmt, key: apikey}}]\n",
			nil},
		{"loopback http server", fmt.Sprintf(authServerHead, "valid-loopback") +
			"  issuerURL: http://127.0.0.1:9000\n  dynamicRegistration: {}\n", nil},
		{"http server allowed explicitly", fmt.Sprintf(authServerHead, "valid-insecure") +
			"  issuerURL: http://auth.dev.svc:8080\n  allowInsecureHTTP: true\n  dynamicRegistration: {}\n", nil},
		{"cluster server", "apiVersion: oauth.clientoperator.io/v1alpha1\nkind: ClusterAuthServer\nmetadata: {name: valid-cluster}\nspec:\n  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  credentials: {initialAccessToken: {name: iat, key: token}}\n", nil},
		{"server with private_key_jwt", fmt.Sprintf(authServerHead, "valid-pkjwt") + credsHead +
			"    clientCredentials:\n      clientID: 0oa1b2c3\n      privateKey: {name: okta-key, key: key.pem, keyID: op-1, algorithm: RS256, certificate: {name: okta-key, key: cert.pem}}\n" +
			"      scopes: [okta.apps.manage]\n      resources: [\"https://api.example.com/\", \"urn:example:api\"]\n      tokenResponse: {expiresInUnit: minutes, defaultLifetime: 1h}\n", nil},
		{"server with SSWS", fmt.Sprintf(authServerHead, "valid-ssws") + credsHead + "    sswsToken: {name: okta, key: token}\n", nil},
		{"cluster server with a selector, names and a policy", fmt.Sprintf(clusterAuthServerHead, "valid-tenancy") +
			"  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  namespaceSelector: {matchLabels: {oauth.example.com/tier: apps}}\n  namespaces: [payments]\n  onAccessLost: Delete\n" +
			"  clientPolicy: {grantTypes: [client_credentials], scopes: [\"orders.*\", read], audiences: [\"https://api.example.com/*\"], redirectURIs: [\"https://*.apps.example.com/*\"], allowPublicClients: false, maxRotationInterval: 2160h}\n", nil},
		{"server with a policy", fmt.Sprintf(authServerHead, "valid-policy") +
			"  issuerURL: https://auth.example.com\n  dynamicRegistration: {}\n  clientPolicy: {scopes: [read]}\n", nil},
		{"client with template labels, annotations and durations", fmt.Sprintf(oauthClientHead, "valid-labels") +
			"  secretTemplate: {labels: {app.kubernetes.io/name: billing, team: \"\", x: a-b_c.d}, annotations: {\"reloader.stakater.com/match\": \"true\", note: \"any value / at all\"}}\n  rotation: {interval: 1h30m, gracePeriod: 90s}\n", nil},
		{"server with an API key", fmt.Sprintf(authServerHead, "valid-apikey") + credsHead + "    apiKey: {header: X-API-Key, valueFrom: {name: gw, key: key}}\n", nil},
		{"server with a signed JWT bearer assertion", fmt.Sprintf(authServerHead, "valid-jwt-key") + credsHead +
			"    jwtBearer: {privateKey: {name: zitadel, key: key.json}, issuer: op, subject: op, assertionAudience: \"https://auth.example.com\"}\n", nil},
		{"cluster server with the operator's token", fmt.Sprintf(clusterAuthServerHead, "valid-jwt-file") + credsHead + "    jwtBearer: {}\n", nil},
		{"cluster server with a federated credential", fmt.Sprintf(clusterAuthServerHead, "valid-federated") + credsHead +
			"    clientCredentials: {clientID: op, assertionFile: /var/run/secrets/entra/token, authStyle: Form, scopes: [\"https://graph.microsoft.com/.default\"]}\n", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			obj := object(t, tc.manifest)
			if err := env.Client.Create(context.Background(), obj); err != nil {
				t.Fatalf("a valid manifest was refused: %v", err)
			}
			for path, want := range tc.want {
				got, found, err := unstructured.NestedFieldNoCopy(obj.Object, strings.Split(path, ".")...)
				if err != nil || !found {
					t.Errorf("%s: not set by the server (defaults missing)", path)
					continue
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("%s = %v, want %v", path, got, want)
				}
			}
		})
	}
}

func TestImmutableFields(t *testing.T) {
	ctx := context.Background()
	obj := object(t, fmt.Sprintf(oauthClientHead, "immutable")+"  secretName: first\n")
	if err := env.Client.Create(ctx, obj); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		path  []string
		value any
		want  string
	}{
		{[]string{"spec", "serverRef", "name"}, "other", "serverRef is immutable"},
		{[]string{"spec", "secretName"}, "second", "secretName is immutable"},
	} {
		changed := obj.DeepCopy()
		if err := unstructured.SetNestedField(changed.Object, tc.value, tc.path...); err != nil {
			t.Fatal(err)
		}
		err := env.Client.Update(ctx, changed)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("changing %s: got %v, want an error containing %q", strings.Join(tc.path, "."), err, tc.want)
		}
	}
}
