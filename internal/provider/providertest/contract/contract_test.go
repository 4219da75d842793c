package contract_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/oauth-client-operator/oauth-client-operator/internal/provider/providertest/contract"
)

// recorder stands in for the testing.TB a Spec reports to, so a test can
// assert on the violations without failing itself. Everything it does not
// override goes to the real test.
type recorder struct {
	testing.TB
	mu     sync.Mutex
	failed []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failed = append(r.failed, fmt.Sprintf(format, args...))
}

func (r *recorder) Error(args ...any) { r.Errorf("%s", fmt.Sprint(args...)) }
func (r *recorder) Fail()             { r.Errorf("Fail") }
func (r *recorder) Failed() bool      { return len(r.messages()) > 0 }

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Fatal(args ...any) { r.Fatalf("%s", fmt.Sprint(args...)) }
func (r *recorder) FailNow()          { r.Fatalf("FailNow") }

func (r *recorder) messages() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.failed)
}

// fatalOf runs f with a recorder on a goroutine of its own (Fatalf ends the
// goroutine) and returns what it reported.
func fatalOf(t *testing.T, f func(tb testing.TB)) []string {
	rec := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(rec)
	}()
	<-done
	return rec.messages()
}

// The credentials every test request carries; no message may show them.
//
//nolint:gosec // G101: fake credentials the tests look for in output
const (
	testToken  = "tok-5f2b9c1e7a"
	testSecret = "s3cr3t-0a9b8c7d6e"
)

// call is one request to a fake and what the Spec must say about it.
type call struct {
	name   string
	method string
	path   string
	body   string // sent as JSON unless ctype says otherwise
	ctype  string
	fake   http.Handler // the fake that answers, drifted or not
	want   []string     // substrings of the violations; none: it conforms
}

// do sends c through spec.Handler and returns the violations it reported.
func do(t *testing.T, spec *contract.Spec, c call) []string {
	t.Helper()
	var body io.Reader
	if c.body != "" {
		body = strings.NewReader(c.body)
	}
	req := httptest.NewRequest(c.method, c.path, body)
	if c.body != "" {
		ct := c.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	req.Header.Set("Authorization", "Bearer "+testToken)
	rec := &recorder{TB: t}
	spec.Handler(rec, c.fake).ServeHTTP(httptest.NewRecorder(), req)
	return rec.messages()
}

// run sends each call and checks the violations against its want.
func run(t *testing.T, spec *contract.Spec, calls []call) {
	t.Helper()
	for _, c := range calls {
		t.Run(c.name, func(t *testing.T) {
			got := do(t, spec, c)
			expect(t, got, c.want...)
		})
	}
}

// expect checks that got holds violations mentioning every one of want,
// or none when want is empty, and never a test credential.
func expect(t *testing.T, got []string, want ...string) {
	t.Helper()
	joined := strings.Join(got, "\n")
	if len(got) > 0 {
		t.Logf("violations:\n%s", joined)
	}
	for _, secret := range []string{testToken, testSecret} {
		if strings.Contains(joined, secret) {
			t.Errorf("a violation shows a secret:\n%s", joined)
		}
	}
	if len(want) == 0 {
		if len(got) > 0 {
			t.Errorf("want no violation, got:\n%s", joined)
		}
		return
	}
	if len(got) == 0 {
		t.Fatalf("want a violation mentioning %q, got none", want)
	}
	for _, w := range want {
		if !strings.Contains(joined, w) {
			t.Errorf("want a violation mentioning %q, got:\n%s", w, joined)
		}
	}
}

// respond writes v, a JSON document, with status.
func respond(w http.ResponseWriter, status int, v string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, v) //nolint:gosec // G705: a fake server writing the test's own JSON, never shown in a browser
}

// answer is a fake that gives every request the same response.
func answer(status int, v string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { respond(w, status, v) })
}

func TestLoadEverySpec(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		file, version string
		repairs       []string
	}{
		{"okta/management-minimal.yaml", "3.0.3", []string{
			"#/components/schemas/RegistrationInlineHookResponse/properties/commands: array without items given items {}",
			"#/components/schemas/UserSchemaAttribute/properties/default/oneOf/3: array without items given items {}",
			"#/components/schemas/WellKnownURIArrayResponse/properties/representation: array without items given items {}",
			`GET /api/v1/hook-keys/{id}: path parameter "id" made required`,
		}},
		{"okta/oauth-minimal.yaml", "3.0.3", nil},
		{"keycloak/openapi-26.6.0.json", "3.0.3", nil},
		{"hydra/api-v2.3.0.json", "3.0.3", []string{`info.version: "" set to "unversioned"`}},
		{"hydra/api.json", "3.0.3", []string{`info.version: "" set to "unversioned"`}},
		{"wso2/applications.yaml", "3.0.0", nil},
		{"wso2/dcr.yaml", "3.0.3", []string{`GET /register: path parameter "client_name" is not in the path, moved to the query`}},
		{"msgraph/graph-v1.0-applications-subset.EXTRACTED.yaml", "3.0.1", nil},
		{"auth0/management-api-oas.json", "3.1.0", nil},
	} {
		t.Run(tc.file, func(t *testing.T) {
			t.Parallel()
			spec := contract.Load(t, tc.file)
			t.Logf("loaded in %v", spec.LoadTime())
			if spec.Version() != tc.version {
				t.Errorf("version %q, want %q", spec.Version(), tc.version)
			}
			if got := spec.Repairs(); !slices.Equal(got, tc.repairs) {
				t.Errorf("repairs\n%q\nwant\n%q", got, tc.repairs)
			}
		})
	}
}
