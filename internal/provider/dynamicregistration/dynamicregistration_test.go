package dynamicregistration

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest"
)

const testIAT = "iat-very-secret-value"

// newAdapter builds the adapter against a registration endpoint.
func newAdapter(t *testing.T, registration string, mgmt oauth2.TokenSource) provider.Provider {
	t.Helper()
	p, err := New(context.Background(), provider.Config{
		Endpoints:  provider.Endpoints{Registration: registration},
		Management: mgmt,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

func static(tok string) oauth2.TokenSource {
	return oauth2.StaticTokenSource(&oauth2.Token{AccessToken: tok})
}

// TestConformanceFake runs the conformance suite against the fake server,
// with and without registration access token rotation.
func TestConformanceFake(t *testing.T) {
	for _, rotate := range []bool{true, false} {
		t.Run(fmt.Sprintf("rotate=%t", rotate), func(t *testing.T) {
			f := newFakeServer(t, testIAT, rotate)
			n := 0
			providertest.Run(t, providertest.Harness{
				New: func(t *testing.T) provider.Provider { return newAdapter(t, f.URL+"/reg", static(testIAT)) },
				NewUnauthorized: func(t *testing.T) provider.Provider {
					return newAdapter(t, f.URL+"/reg", static("wrong"))
				},
				CanAuthenticate: func(_ context.Context, id, secret, scope string) error {
					return f.canAuthenticate(id, secret, scope)
				},
				ValidSpec: func(*testing.T) provider.ClientSpec {
					n++
					return provider.ClientSpec{ClientName: fmt.Sprintf("fake-%d", n), GrantTypes: []string{"client_credentials"},
						Scopes: []string{"read", "write"}, TokenEndpointAuthMethod: "client_secret_basic"}
				},
				InvalidSpec: func(*testing.T) provider.ClientSpec {
					return provider.ClientSpec{ClientName: "bad", GrantTypes: []string{"authorization_code"},
						RedirectURIs: []string{"not a uri"}}
				},
			})
		})
	}
}

func TestNew(t *testing.T) {
	tests := []struct {
		name, registration, wantErr string
		wantKind                    provider.Kind
	}{
		{"missing", "", "Endpoints.Registration is empty", provider.KindUnsupported},
		{"relative", "/register", "not an absolute http(s) URL", provider.KindInvalidMetadata},
		{"ok", "https://as.example.com/reg", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(context.Background(), provider.Config{Endpoints: provider.Endpoints{Registration: tt.registration}})
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || provider.KindOf(err) != tt.wantKind {
				t.Fatalf("New error = %v, want %s containing %q", err, tt.wantKind, tt.wantErr)
			}
		})
	}
}

// canned answers every request with one response.
func canned(t *testing.T, status int, header map[string]string, body string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(status)
		_, _ = w.Write([]byte(body))
	}))
	t.Cleanup(srv.Close)
	return srv
}

var ccSpec = provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read"}}

func TestCreateErrors(t *testing.T) {
	tests := []struct {
		name       string
		status     int
		header     map[string]string
		body       string
		wantKind   provider.Kind
		wantCode   string
		wantDesc   string
		wantRetry  time.Duration
		wantInText string
	}{
		{name: "invalid metadata", status: 400,
			body:     `{"error":"invalid_client_metadata","error_description":"grant_types must be an array"}`,
			wantKind: provider.KindInvalidMetadata, wantCode: "invalid_client_metadata", wantDesc: "grant_types must be an array"},
		{name: "invalid redirect uri", status: 400, body: `{"error":"invalid_redirect_uri","error_description":"bad uri"}`,
			wantKind: provider.KindInvalidMetadata, wantCode: "invalid_redirect_uri", wantDesc: "bad uri"},
		{name: "invalid software statement", status: 400, body: `{"error":"invalid_software_statement"}`,
			wantKind: provider.KindInvalidMetadata, wantCode: "invalid_software_statement", wantDesc: "no description"},
		{name: "unapproved software statement", status: 400, body: `{"error":"unapproved_software_statement","error_description":"x"}`,
			wantKind: provider.KindInvalidMetadata, wantCode: "unapproved_software_statement", wantDesc: "x"},
		{name: "400 without JSON", status: 400, body: `<html>bad</html>`,
			wantKind: provider.KindInvalidMetadata, wantDesc: "no description"},
		{name: "description echoing the token is redacted", status: 400,
			body:     `{"error":"invalid_client_metadata","error_description":"token ` + testIAT + ` is odd"}`,
			wantKind: provider.KindInvalidMetadata, wantCode: "invalid_client_metadata", wantDesc: "token [redacted] is odd"},
		{name: "401", status: 401, body: `{"error":"invalid_token","error_description":"invalid initial access token value"}`,
			wantKind: provider.KindUnauthorized, wantCode: "invalid_token"},
		{name: "403", status: 403, wantKind: provider.KindUnauthorized},
		{name: "404", status: 404, wantKind: provider.KindNotFound},
		{name: "409", status: 409, body: `{"error":"conflict"}`, wantKind: provider.KindConflict, wantCode: "conflict"},
		{name: "429 seconds", status: 429, header: map[string]string{"Retry-After": "7"},
			wantKind: provider.KindRateLimited, wantRetry: 7 * time.Second},
		{name: "429 without Retry-After", status: 429, wantKind: provider.KindRateLimited},
		{name: "500", status: 500, body: `oops`, wantKind: provider.KindTransient, wantInText: "unexpected HTTP status 500"},
		{name: "503", status: 503, wantKind: provider.KindTransient},
		{name: "malformed JSON", status: 201, body: `{"client_id":`, wantKind: provider.KindTransient, wantInText: "not a JSON object"},
		{name: "wrong type", status: 201, body: `{"client_id":5}`, wantKind: provider.KindTransient, wantInText: "client_id has the wrong type"},
		{name: "missing client_id", status: 201, body: `{"client_secret":"s3cr3t-value"}`, wantKind: provider.KindTransient, wantInText: "no client_id"},
		{name: "missing secret for confidential client", status: 201, body: `{"client_id":"c1"}`,
			wantKind: provider.KindTransient, wantInText: "no client_secret"},
		{name: "missing registration access token", status: 201, body: `{"client_id":"c1","client_secret":"s3cr3t-value"}`,
			wantKind: provider.KindUnsupported, wantInText: "no registration_access_token"},
		{name: "relative registration client uri", status: 201,
			body:     `{"client_id":"c1","client_secret":"s3cr3t-value","registration_access_token":"rat-value","registration_client_uri":"/reg/c1"}`,
			wantKind: provider.KindUnsupported, wantInText: "not an absolute http(s) URL"},
		{name: "too large", status: 201, body: `{"client_name":"` + strings.Repeat("x", MaxResponseSize) + `"}`,
			wantKind: provider.KindTransient, wantInText: "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := canned(t, tt.status, tt.header, tt.body)
			p := newAdapter(t, srv.URL+"/reg", static(testIAT))
			_, err := p.Create(context.Background(), ccSpec)
			var pe *provider.Error
			if !errors.As(err, &pe) {
				t.Fatalf("Create error = %v, want a *provider.Error", err)
			}
			if pe.Kind != tt.wantKind || pe.Code != tt.wantCode || !strings.Contains(pe.Description, tt.wantDesc) || pe.RetryAfter != tt.wantRetry {
				t.Errorf("Create error = %#v, want kind %s code %q description containing %q retry %v",
					pe, tt.wantKind, tt.wantCode, tt.wantDesc, tt.wantRetry)
			}
			for _, secret := range []string{testIAT, "s3cr3t-value", "rat-value"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error %q holds a secret", err)
				}
			}
			if !strings.Contains(err.Error(), tt.wantInText) {
				t.Errorf("error %q does not contain %q", err, tt.wantInText)
			}
		})
	}
}

func TestCreateDiscardsUnusableRegistration(t *testing.T) {
	var deleted []string
	var srv *httptest.Server
	srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete {
			deleted = append(deleted, r.URL.Path+" "+r.Header.Get("Authorization"))
			w.WriteHeader(http.StatusNoContent)
			return
		}
		w.WriteHeader(http.StatusCreated)
		_, _ = fmt.Fprintf(w, `{"client_id":"c1","token_endpoint_auth_method":"client_secret_post",
			"registration_access_token":"rat-1","registration_client_uri":%q}`, srv.URL+"/reg/c1")
	}))
	defer srv.Close()

	p := newAdapter(t, srv.URL+"/reg", nil)
	_, err := p.Create(context.Background(), ccSpec)
	if err == nil || !strings.Contains(err.Error(), "no client_secret") {
		t.Fatalf("Create error = %v, want missing client_secret", err)
	}
	if len(deleted) != 1 || deleted[0] != "/reg/c1 Bearer rat-1" {
		t.Errorf("deleted %v, want the registration deleted with its token", deleted)
	}
}

func TestCreatePublicClientNeedsNoSecret(t *testing.T) {
	f := newFakeServer(t, "", false)
	p := newAdapter(t, f.URL+"/reg", nil)
	spec := provider.ClientSpec{ClientName: "spa", GrantTypes: []string{"authorization_code"},
		RedirectURIs: []string{"https://app.example/cb"}, TokenEndpointAuthMethod: "none"}
	res, err := p.Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	if res.Client.ClientSecret != "" {
		t.Errorf("public client got a secret")
	}
	calls := f.calls()
	if got := calls[0].body["response_types"]; fmt.Sprint(got) != "[code]" {
		t.Errorf("response_types = %v, want [code]", got)
	}
	if calls[0].auth != "" {
		t.Errorf("Authorization = %q without a management token source", calls[0].auth)
	}
}

func TestCreateSendsMetadataAndKeepsState(t *testing.T) {
	f := newFakeServer(t, testIAT, false)
	p := newAdapter(t, f.URL+"/reg", static(testIAT))
	spec := provider.ClientSpec{ClientName: "app", Description: "not sent", GrantTypes: []string{"client_credentials"},
		Scopes: []string{"read", "write"}, TokenEndpointAuthMethod: "client_secret_post",
		Extra: map[string]string{"software_id": "oauth-client-operator"}}
	res, err := p.Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	want := provider.State{StateRegistrationAccessToken: "rat-1", StateRegistrationClientURI: f.URL + "/reg/client-1"}
	if fmt.Sprint(res.State) != fmt.Sprint(want) {
		t.Errorf("State = %v, want %v", res.State, want)
	}
	if res.Client.ClientID != "client-1" || res.Client.ClientSecret != "secret-1" || !res.Client.Enabled {
		t.Errorf("Client = %+v", res.Client)
	}
	body := f.calls()[0].body
	wantBody := map[string]string{
		"client_name": "app", "grant_types": "[client_credentials]", "scope": "read write",
		"token_endpoint_auth_method": "client_secret_post", "response_types": "[]", "software_id": "oauth-client-operator",
	}
	if len(body) != len(wantBody) {
		t.Errorf("registration body = %v, want %v", body, wantBody)
	}
	for k, v := range wantBody {
		if fmt.Sprint(body[k]) != v {
			t.Errorf("registration body %s = %v, want %s", k, body[k], v)
		}
	}
	if got := f.calls()[0].auth; got != "Bearer "+testIAT {
		t.Errorf("registration Authorization = %q", got)
	}
}

func TestObserve(t *testing.T) {
	f := newFakeServer(t, "", false)
	p := newAdapter(t, f.URL+"/reg", nil)
	spec := provider.ClientSpec{ClientName: "app", GrantTypes: []string{"client_credentials"}, Scopes: []string{"read", "write"},
		TokenEndpointAuthMethod: "client_secret_basic", Extra: map[string]string{"software_version": "1"}}
	res, err := p.Create(context.Background(), spec)
	if err != nil {
		t.Fatalf("Create: %v", err)
	}
	got, err := p.Observe(context.Background(), res.Client.ClientID, res.State)
	if err != nil {
		t.Fatalf("Observe: %v", err)
	}
	if got.Spec.ClientName != "app" || fmt.Sprint(got.Spec.Scopes) != "[read write]" ||
		fmt.Sprint(got.Spec.GrantTypes) != "[client_credentials]" || got.Spec.TokenEndpointAuthMethod != "client_secret_basic" ||
		got.Spec.Extra["software_version"] != "1" || got.Spec.Extra["application_type"] != "web" || !got.Enabled {
		t.Errorf("Observe = %+v", got)
	}
	if call := f.calls()[1]; call.method != http.MethodGet || call.auth != "Bearer rat-1" {
		t.Errorf("Observe sent %s with %q", call.method, call.auth)
	}
}

func TestObserveErrors(t *testing.T) {
	good := provider.State{StateRegistrationAccessToken: "rat-secret-xyz", StateRegistrationClientURI: "{url}/reg/c1"}
	tests := []struct {
		name     string
		state    provider.State
		status   int
		body     string
		wantKind provider.Kind
		wantText string
	}{
		{name: "no state", state: nil, wantKind: provider.KindUnsupported, wantText: "has no registration_client_uri"},
		{name: "no token", state: provider.State{StateRegistrationClientURI: "https://x/reg/c1"}, wantKind: provider.KindUnsupported},
		{name: "401 means gone (RFC 7592 §2.1)", state: good, status: 401, body: `{"error":"invalid_token"}`, wantKind: provider.KindNotFound},
		{name: "403", state: good, status: 403, wantKind: provider.KindUnauthorized},
		{name: "404", state: good, status: 404, wantKind: provider.KindNotFound},
		{name: "429", state: good, status: 429, wantKind: provider.KindRateLimited},
		{name: "502", state: good, status: 502, wantKind: provider.KindTransient},
		{name: "other client", state: good, status: 200, body: `{"client_id":"c2"}`, wantKind: provider.KindTransient,
			wantText: `answered for client_id "c2", not "c1"`},
		{name: "garbage", state: good, status: 200, body: `[1]`, wantKind: provider.KindTransient},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := canned(t, tt.status, nil, tt.body)
			state := provider.State{}
			for k, v := range tt.state {
				state[k] = strings.ReplaceAll(v, "{url}", srv.URL)
			}
			p := newAdapter(t, srv.URL+"/reg", nil)
			_, err := p.Observe(context.Background(), "c1", state)
			if provider.KindOf(err) != tt.wantKind || err == nil || !strings.Contains(err.Error(), tt.wantText) {
				t.Errorf("Observe error = %v, want %s containing %q", err, tt.wantKind, tt.wantText)
			}
			if err != nil && strings.Contains(err.Error(), "rat-secret-xyz") {
				t.Errorf("error %q may hold the token", err)
			}
		})
	}
}

func TestUpdate(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		t.Run(fmt.Sprintf("rotate=%t", rotate), func(t *testing.T) {
			f := newFakeServer(t, "", rotate)
			p := newAdapter(t, f.URL+"/reg", nil)
			res, err := p.Create(context.Background(), ccSpec)
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			spec := ccSpec
			spec.Scopes = []string{"write"}
			up, err := p.Update(context.Background(), res.Client.ClientID, res.State, spec)
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			call := f.calls()[1]
			if call.method != http.MethodPut || call.body["client_id"] != res.Client.ClientID || call.body["scope"] != "write" ||
				call.auth != "Bearer rat-1" {
				t.Errorf("Update sent %s %v with %q", call.method, call.body, call.auth)
			}
			if fmt.Sprint(up.Client.Spec.Scopes) != "[write]" || up.Client.ClientSecret != res.Client.ClientSecret {
				t.Errorf("Update returned %+v", up.Client)
			}
			if !rotate && up.State != nil {
				t.Errorf("Update without rotation returned state %v", up.State)
			}
			if rotate && (up.State[StateRegistrationAccessToken] != "rat-2" ||
				up.State[StateRegistrationClientURI] != res.State[StateRegistrationClientURI]) {
				t.Errorf("Update with rotation returned state %v", up.State)
			}
		})
	}
}

func TestUpdateRejectsReservedExtra(t *testing.T) {
	p := newAdapter(t, "https://as.example.com/reg", nil)
	spec := ccSpec
	spec.Extra = map[string]string{"client_id": "other"}
	_, err := p.Update(context.Background(), "c1",
		provider.State{StateRegistrationAccessToken: "r", StateRegistrationClientURI: "https://as.example.com/reg/c1"}, spec)
	if !errors.Is(err, provider.ErrInvalidMetadata) || !strings.Contains(err.Error(), `"client_id"`) {
		t.Errorf("Update error = %v, want invalid metadata naming client_id", err)
	}
}

func TestDelete(t *testing.T) {
	tests := []struct {
		status   int
		wantKind provider.Kind // empty: success
	}{
		{status: 204},
		{status: 200},
		{status: 404},
		{status: 410},
		{status: 401},
		{status: 403, wantKind: provider.KindUnauthorized},
		{status: 405, wantKind: provider.KindUnsupported},
		{status: 429, wantKind: provider.KindRateLimited},
		{status: 500, wantKind: provider.KindTransient},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			srv := canned(t, tt.status, nil, "")
			p := newAdapter(t, srv.URL+"/reg", nil)
			err := p.Delete(context.Background(), "c1",
				provider.State{StateRegistrationAccessToken: "r", StateRegistrationClientURI: srv.URL + "/reg/c1"})
			if tt.wantKind == "" {
				if err != nil {
					t.Errorf("Delete on %d: %v", tt.status, err)
				}
				return
			}
			if err == nil || provider.KindOf(err) != tt.wantKind {
				t.Errorf("Delete on %d: error = %v, want %s", tt.status, err, tt.wantKind)
			}
		})
	}
}

func TestNetworkErrorsAreTransient(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	p := newAdapter(t, url+"/reg", nil)
	state := provider.State{StateRegistrationAccessToken: "r", StateRegistrationClientURI: url + "/reg/c1"}
	_, errCreate := p.Create(context.Background(), ccSpec)
	_, errObserve := p.Observe(context.Background(), "c1", state)
	errDelete := p.Delete(context.Background(), "c1", state)
	for _, err := range []error{errCreate, errObserve, errDelete} {
		if !errors.Is(err, provider.ErrTransient) {
			t.Errorf("error = %v, want transient", err)
		}
	}
}

func TestTimeoutIsTransient(t *testing.T) {
	srv := providertest.Silent(t)
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	_, err := newAdapter(t, srv.URL+"/reg", nil).Create(ctx, ccSpec)
	if !errors.Is(err, provider.ErrTransient) {
		t.Errorf("error = %v, want transient", err)
	}
}

// failingSource is a token source that fails with err.
type failingSource struct{ err error }

func (f failingSource) Token() (*oauth2.Token, error) { return nil, f.err }

func TestManagementTokenErrors(t *testing.T) {
	retrieve := func(status int) error {
		return &oauth2.RetrieveError{Response: &http.Response{StatusCode: status}, Body: []byte("secret body " + testIAT),
			ErrorCode: "invalid_client", ErrorDescription: "bad secret " + testIAT}
	}
	tests := []struct {
		name     string
		src      oauth2.TokenSource
		wantKind provider.Kind
	}{
		{"refused", failingSource{retrieve(401)}, provider.KindUnauthorized},
		{"bad request", failingSource{retrieve(400)}, provider.KindUnauthorized},
		{"rate limited", failingSource{retrieve(429)}, provider.KindRateLimited},
		{"server error", failingSource{retrieve(503)}, provider.KindTransient},
		{"typed passes through", failingSource{provider.Errorf(provider.KindConflict, "x")}, provider.KindConflict},
		{"network", failingSource{errors.New("dial tcp: refused")}, provider.KindTransient},
		{"empty token", static(""), provider.KindUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newAdapter(t, "https://as.example.com/reg", tt.src)
			_, err := p.Create(context.Background(), ccSpec)
			if provider.KindOf(err) != tt.wantKind {
				t.Errorf("Create error = %v, want %s", err, tt.wantKind)
			}
			if err != nil && strings.Contains(err.Error(), testIAT) {
				t.Errorf("error %q holds a secret", err)
			}
		})
	}
}

func TestUnsupportedOperations(t *testing.T) {
	p := newAdapter(t, "https://as.example.com/reg", nil)
	if caps := p.Capabilities(); caps != (provider.Capabilities{Audience: true, KeySet: true}) {
		t.Errorf("Capabilities = %+v, want none but Audience and KeySet", caps)
	}
	if _, err := p.RotateSecret(context.Background(), "c1", nil); !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("RotateSecret error = %v", err)
	}
	if err := p.SetEnabled(context.Background(), "c1", nil, false); !errors.Is(err, provider.ErrUnsupported) {
		t.Errorf("SetEnabled error = %v", err)
	}
}
