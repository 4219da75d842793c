package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// exchange is one request and its response on their way through a Spec.
type exchange struct {
	s          *Spec
	sent       string // method and path as the fake saw them, no query
	key        opKey  // the document's operation; zero when unrouted
	opID       string
	outside    bool
	input      *openapi3filter.RequestValidationInput
	secrets    []string
	violations []string
}

// checkRequest routes r (whose body has been read into body) and checks it.
func (s *Spec) checkRequest(r *http.Request, body []byte) *exchange {
	escaped := r.URL.EscapedPath()
	ex := &exchange{
		s:       s,
		sent:    r.Method + " " + escaped,
		secrets: secretsIn(r.Header, r.URL.Query(), r.Header.Get("Content-Type"), body),
	}
	if s.isOutside(r.Method, escaped) {
		ex.outside = true
		return ex
	}
	rel, ok := stripBase(escaped, s.base)
	if !ok {
		ex.violate("request", fmt.Sprintf("the path is not under the base path %q", s.base))
		return ex
	}
	// The request the router and validator see: the path below the base,
	// no host, and a body of its own (validation reads it).
	vr := r.Clone(context.Background())
	u := *r.URL
	u.Scheme, u.Host, u.RawPath = "", "", rel
	u.Path, _ = url.PathUnescape(rel)
	vr.URL, vr.Host = &u, ""
	vr.Body = io.NopCloser(bytes.NewReader(body))
	vr.ContentLength = int64(len(body))

	route, params, err := s.d.router.FindRoute(vr)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		ex.violate("request", fmt.Sprintf("the document has no %s operation on this path (%s)", r.Method, rel))
		return ex
	case err != nil:
		ex.violate("request", fmt.Sprintf("the document has no operation for %s %s (an unknown route)", r.Method, rel))
		return ex
	}
	ex.key = opKey{route.Method, route.Path}
	ex.opID = route.Operation.OperationID
	if s.d.legacy[ex.key] {
		route.Spec = s.d.as30 // FindRoute returned a copy of its route
	}
	ex.input = &openapi3filter.RequestValidationInput{
		Request:    vr,
		PathParams: params,
		Route:      route,
		Options:    s.filterOptions(),
	}
	if s.allowInvalid[ex.key] {
		return ex
	}
	if err := openapi3filter.ValidateRequest(context.Background(), ex.input); err != nil {
		for _, line := range describe(err) {
			ex.violate("request", line)
		}
	}
	return ex
}

// checkResponse checks the fake's answer to ex's request.
func (ex *exchange) checkResponse(status int, header http.Header, body []byte) {
	if ex.outside || ex.input == nil {
		return
	}
	ex.secrets = append(ex.secrets, secretsIn(header, nil, header.Get("Content-Type"), body)...)
	if op := ex.input.Route.Operation; ex.s.allowed(ex.key, status) && op.Responses.Status(status) == nil && op.Responses.Default() == nil {
		return
	}
	opts := ex.input.Options
	if slices.Contains(ex.s.anyBody[ex.key], status) {
		o := *opts
		o.ExcludeResponseBody = true
		opts = &o
	}
	if ex.s.allowNulls[ex.key] {
		body = withoutNulls(body)
	}
	if status == http.StatusNoContent {
		// A 204 has no body (RFC 9110, section 15.3.5), whatever content
		// a range such as Microsoft Graph's "2XX" documents.
		if len(body) > 0 {
			ex.violate("response", "a 204 response has a body")
		}
		o := *opts
		o.ExcludeResponseBody = true
		opts = &o
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: ex.input,
		Status:                 status,
		Header:                 header,
		Options:                opts,
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		for _, msg := range describe(err) {
			if msg == "status is not supported" {
				msg = fmt.Sprintf("status %d is not documented for this operation (contract.AllowStatus allows it explicitly)", status)
			}
			ex.violate("response", msg)
		}
	}
}

// violate records one violation; side is "request" (the adapter's fault)
// or "response" (the fake's).
func (ex *exchange) violate(side, msg string) {
	ex.violations = append(ex.violations, side+": "+msg)
}

// messages are ex's violations, each naming the document, the operation
// and the request, with secrets removed.
func (ex *exchange) messages() []string {
	if len(ex.violations) == 0 {
		return nil
	}
	op := "no operation"
	if ex.key != (opKey{}) {
		op = ex.key.String()
		if ex.opID != "" {
			op += " (" + ex.opID + ")"
		}
	}
	out := make([]string, 0, len(ex.violations))
	for _, v := range ex.violations {
		out = append(out, redact(fmt.Sprintf("contract violation: %s: %s, sent %s: %s", ex.s.d.file, op, ex.sent, v), ex.secrets))
	}
	return out
}

// report fails t with each violation of ex.
func (ex *exchange) report(t testing.TB) {
	for _, m := range ex.messages() {
		t.Errorf("%s", m)
	}
}

// describe turns a validation error into one line per problem: a
// MultiError into its members, a request or response error into its
// subject and reason before each of its own problems.
func describe(err error) []string {
	var subject, reason string
	var inner error
	switch e := err.(type) {
	case openapi3.MultiError:
		var out []string
		for _, m := range e {
			out = append(out, describe(m)...)
		}
		return out
	case *openapi3filter.RequestError:
		switch {
		case e.Parameter != nil:
			subject = fmt.Sprintf("parameter %q in %s", e.Parameter.Name, e.Parameter.In)
		case e.RequestBody != nil:
			subject = "request body"
		}
		reason, inner = e.Reason, e.Err
	case *openapi3filter.ResponseError:
		reason, inner = e.Reason, e.Err
	default:
		return []string{err.Error()}
	}
	prefix := strings.TrimSuffix(strings.Join(nonEmpty(subject, reason), ": "), ": ")
	if inner == nil || (reason != "" && inner.Error() == reason) {
		return []string{prefix}
	}
	var out []string
	for _, line := range describe(inner) {
		out = append(out, strings.Join(nonEmpty(prefix, line), ": "))
	}
	return out
}

func nonEmpty(parts ...string) []string {
	return slices.DeleteFunc(parts, func(s string) bool { return s == "" })
}

func (s *Spec) filterOptions() *openapi3filter.Options {
	o := &openapi3filter.Options{
		// The fake's authentication is not what is checked here: a
		// request passes whatever credentials it carries, or none.
		AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		// Validation must not change the request the fake serves.
		SkipSettingDefaults: true,
		// A status the document does not list is a violation.
		IncludeResponseStatus: true,
		MultiError:            true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{
			openapi3.SetSchemaRegexCompiler(compilePattern),
		},
	}
	if len(s.formats) > 0 {
		o.SchemaValidationOptions = append(o.SchemaValidationOptions, openapi3.WithStringFormatValidators(s.formats))
	}
	o.WithCustomSchemaErrorFunc(schemaMessage)
	return o
}

// schemaMessage says where a value fails its schema and why, never with the
// value or the schema itself (kin-openapi's default prints both).
func schemaMessage(e *openapi3.SchemaError) string {
	if e.Origin == nil && e.Unwrap() != nil {
		// From the JSON Schema 2020-12 validator (OpenAPI 3.1), whose
		// reason already names the place.
		return e.Reason
	}
	var b strings.Builder
	if ptr := e.JSONPointer(); len(ptr) > 0 {
		fmt.Fprintf(&b, "at %q: ", "/"+strings.Join(ptr, "/"))
	}
	switch {
	case e.Origin != nil:
		b.WriteString(e.Origin.Error())
	case e.Reason != "":
		b.WriteString(e.Reason)
	default:
		fmt.Fprintf(&b, "does not match the schema's %q", e.SchemaField)
	}
	return b.String()
}

// uncheckedPatterns are the schema patterns Go's regexp cannot compile.
var uncheckedPatterns sync.Map

var unicodeEscape = regexp.MustCompile(`\\u([0-9A-Fa-f]{4})`)

// compilePattern compiles a schema pattern with Go's regexp (RE2). A pattern
// RE2 cannot run (lookahead, lookbehind, backreferences: ECMA-262 features
// several vendor documents use) matches everything, and is remembered for
// UncheckedPatterns, instead of failing every message that carries the field.
func compilePattern(expr string) (openapi3.RegexMatcher, error) {
	re, err := regexp.Compile(unicodeEscape.ReplaceAllString(expr, `\x{$1}`))
	if err != nil {
		uncheckedPatterns.Store(expr, true)
		return matchAll{}, nil
	}
	return re, nil
}

type matchAll struct{}

func (matchAll) MatchString(string) bool { return true }

// UncheckedPatterns lists the schema patterns met so far in this test binary
// that Go's regexp cannot run; the values they constrain are not checked
// against them.
func UncheckedPatterns() []string {
	var out []string
	uncheckedPatterns.Range(func(k, _ any) bool {
		out = append(out, k.(string))
		return true
	})
	slices.Sort(out)
	return out
}

// withoutNulls is a JSON body with its null object members left out, or the
// body itself when it is not JSON.
func withoutNulls(body []byte) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep large integers exact
	var v any
	if dec.Decode(&v) != nil {
		return body
	}
	out, err := json.Marshal(dropNulls(v))
	if err != nil {
		return body
	}
	return out
}

func dropNulls(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if child == nil {
				delete(v, k)
			} else {
				v[k] = dropNulls(child)
			}
		}
	case []any:
		for i, child := range v {
			v[i] = dropNulls(child)
		}
	}
	return v
}
