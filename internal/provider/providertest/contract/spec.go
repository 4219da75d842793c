package contract

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

// Spec checks HTTP traffic against one vendor document. It is safe for
// concurrent use. Build it with Load; wrap the fake with Handler or the
// adapter's client with Transport.
type Spec struct {
	d    *document
	base string

	allowStatus  map[opKey][]int
	anyBody      map[opKey][]int
	allowNulls   map[opKey]bool
	allowInvalid map[opKey]bool
	outside      []outsideRoute
	formats      map[string]openapi3.StringFormatValidator
}

// opKey names one operation of the document: a method and a path template
// exactly as the document writes it, such as "GET /clients/{id}".
type opKey struct{ method, path string }

func (k opKey) String() string { return k.method + " " + k.path }

type outsideRoute struct {
	method, path string
	segments     []string
}

// Option adjusts a Spec. Options that name an operation fail Load when the
// document has no such operation, so an allowance cannot outlive what it
// was for.
type Option func(*Spec) error

// BasePath sets the path prefix under which the fake serves the document's
// paths, replacing the path of the document's first server URL (the
// default: "/api/v2" for Auth0, "/v1.0" for Microsoft Graph,
// "/t/{tenant-domain}/api/server/v1" for WSO2, nothing for Keycloak, Okta
// and Hydra). A segment written {name} matches any one segment, so
// "/t/{tenant}/api/server/v1" serves every tenant.
func BasePath(prefix string) Option {
	return func(s *Spec) error {
		base, err := cleanBase(prefix)
		if err != nil {
			return err
		}
		s.base = base
		return nil
	}
}

// AllowStatus lets the fake answer the operation method path (a path
// template of the document, such as "/clients/{id}") with statuses the
// document does not list, such as a 404 a real server sends but its document
// leaves out. Such a response has no schema, so its body is not checked.
// Naming a status the document lists (itself or through "default") fails
// Load: it needs no allowance.
func AllowStatus(method, path string, statuses ...int) Option {
	return func(s *Spec) error {
		key := opKey{strings.ToUpper(method), path}
		op, err := s.operation(key)
		if err != nil {
			return fmt.Errorf("AllowStatus: %w", err)
		}
		if len(statuses) == 0 {
			return fmt.Errorf("AllowStatus %s: no status given", key)
		}
		for _, code := range statuses {
			if op.Responses != nil && (op.Responses.Status(code) != nil || op.Responses.Default() != nil) {
				return fmt.Errorf("AllowStatus %s: status %d is documented, it needs no allowance", key, code)
			}
		}
		if s.allowStatus == nil {
			s.allowStatus = map[opKey][]int{}
		}
		s.allowStatus[key] = append(s.allowStatus[key], statuses...)
		return nil
	}
}

// AllowAnyBody leaves the response bodies of the operation method path with
// the given statuses unchecked, for a server whose documented status comes
// with a body the document does not describe (real Hydra's 404 on DELETE is
// not its documented error). The status itself must be documented; for one
// that is not, use AllowStatus.
func AllowAnyBody(method, path string, statuses ...int) Option {
	return func(s *Spec) error {
		key := opKey{strings.ToUpper(method), path}
		op, err := s.operation(key)
		if err != nil {
			return fmt.Errorf("AllowAnyBody: %w", err)
		}
		if len(statuses) == 0 {
			return fmt.Errorf("AllowAnyBody %s: no status given", key)
		}
		for _, code := range statuses {
			if op.Responses == nil || (op.Responses.Status(code) == nil && op.Responses.Default() == nil) {
				return fmt.Errorf("AllowAnyBody %s: status %d is not documented, use AllowStatus", key, code)
			}
		}
		if s.anyBody == nil {
			s.anyBody = map[opKey][]int{}
		}
		s.anyBody[key] = append(s.anyBody[key], statuses...)
		return nil
	}
}

// AllowNulls lets responses of the operation method path carry null for
// members the document does not declare nullable, as real Hydra does for
// unset lifespans and lists: such members are left out before the check,
// which is how a client that reads null as absent sees them.
func AllowNulls(method, path string) Option {
	return func(s *Spec) error {
		key := opKey{strings.ToUpper(method), path}
		if _, err := s.operation(key); err != nil {
			return fmt.Errorf("AllowNulls: %w", err)
		}
		if s.allowNulls == nil {
			s.allowNulls = map[opKey]bool{}
		}
		s.allowNulls[key] = true
		return nil
	}
}

// AllowInvalidRequest lets requests to the operation method path break the
// document, for a test that sends a bad request on purpose to see the server
// refuse it. The request must still reach a documented operation, and the
// fake's response is still checked.
func AllowInvalidRequest(method, path string) Option {
	return func(s *Spec) error {
		key := opKey{strings.ToUpper(method), path}
		if _, err := s.operation(key); err != nil {
			return fmt.Errorf("AllowInvalidRequest: %w", err)
		}
		if s.allowInvalid == nil {
			s.allowInvalid = map[opKey]bool{}
		}
		s.allowInvalid[key] = true
		return nil
	}
}

// Outside passes requests for method and path through unchecked: the fake
// serves them but the document does not describe them (the token endpoint
// beside a management API, say). path is the whole path the fake sees,
// base path included; a segment written {name} matches any one segment.
// method "*" matches every method. An operation the document does describe
// fails Load: it must be checked. A method the document does not give a
// path it describes (a probe the server answers with 405, say) may be
// Outside; "*" on a described path may not.
func Outside(method, path string) Option {
	return func(s *Spec) error {
		if !strings.HasPrefix(path, "/") {
			return fmt.Errorf("Outside %s %s: path must start with /", method, path)
		}
		s.outside = append(s.outside, outsideRoute{
			method:   strings.ToUpper(method),
			path:     path,
			segments: strings.Split(strings.Trim(path, "/"), "/"),
		})
		return nil
	}
}

// checkOutside refuses an Outside path the document describes below the
// final base path, whatever the order of the options.
func (s *Spec) checkOutside() error {
	for _, r := range s.outside {
		rel, ok := stripBase(r.path, s.base)
		if !ok {
			continue
		}
		method := r.method
		if method == "*" {
			method = http.MethodGet
		}
		req, err := http.NewRequest(method, "http://contract.invalid"+rel, nil)
		if err != nil {
			return fmt.Errorf("Outside %s %s: %w", r.method, r.path, err)
		}
		_, _, err = s.d.router.FindRoute(req)
		if err == nil || (r.method == "*" && errors.Is(err, routers.ErrMethodNotAllowed)) {
			return fmt.Errorf("Outside %s %s: the document describes this operation (%s %s), it must be checked", r.method, r.path, method, rel)
		}
	}
	return nil
}

// Format checks strings of the given schema format with check, for this
// Spec only. Without it a format is checked only when kin-openapi knows it
// (date, date-time and byte); others, such as uuid or uri, are not.
func Format(name string, check func(string) error) Option {
	return func(s *Spec) error {
		if s.formats == nil {
			s.formats = map[string]openapi3.StringFormatValidator{}
		}
		s.formats[name] = openapi3.NewCallbackValidator(check)
		return nil
	}
}

// operation is the document's operation for key, or an error naming it.
func (s *Spec) operation(key opKey) (*openapi3.Operation, error) {
	item := s.d.doc.Paths.Value(key.path)
	if item == nil {
		return nil, fmt.Errorf("%s: the document has no path %q", key, key.path)
	}
	op := item.GetOperation(key.method)
	if op == nil {
		return nil, fmt.Errorf("%s: the document has no %s on %q", key, key.method, key.path)
	}
	return op, nil
}

// allowed reports whether the fake may answer key with an undocumented status.
func (s *Spec) allowed(key opKey, status int) bool {
	return slices.Contains(s.allowStatus[key], status)
}

func (s *Spec) isOutside(method, escapedPath string) bool {
	segs := strings.Split(strings.Trim(escapedPath, "/"), "/")
	for _, r := range s.outside {
		if (r.method == "*" || r.method == method) && segmentsMatch(r.segments, segs, true) {
			return true
		}
	}
	return false
}

// segmentsMatch matches path segments against a pattern whose {name}
// segments match any one non-empty segment; whole asks for equal lengths,
// otherwise the pattern only has to match a prefix.
func segmentsMatch(pattern, segs []string, whole bool) bool {
	if len(segs) < len(pattern) || (whole && len(segs) != len(pattern)) {
		return false
	}
	for i, p := range pattern {
		if isVariable(p) {
			if segs[i] == "" {
				return false
			}
			continue
		}
		if unescape(segs[i]) != p {
			return false
		}
	}
	return true
}

func isVariable(seg string) bool {
	return len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}'
}

// stripBase returns the part of an escaped request path below base.
func stripBase(escapedPath, base string) (string, bool) {
	if base == "" {
		return escapedPath, true
	}
	pattern := strings.Split(strings.Trim(base, "/"), "/")
	segs := strings.Split(strings.TrimPrefix(escapedPath, "/"), "/")
	if !segmentsMatch(pattern, segs, false) {
		return "", false
	}
	return "/" + strings.Join(segs[len(pattern):], "/"), true
}

// File is the vendor document's path as given to Load.
func (s *Spec) File() string { return s.d.file }

// Version is the document's "openapi" version; a converted Swagger 2.0
// document reports the OpenAPI 3 version it was converted to.
func (s *Spec) Version() string { return s.d.doc.OpenAPI }

// LoadTime is how long reading, converting, repairing, validating and
// routing the document took, once per test binary.
func (s *Spec) LoadTime() time.Duration { return s.d.took }

// Repairs lists what Load changed in memory to make the vendor's document
// valid or routable; see the package documentation.
func (s *Spec) Repairs() []string { return slices.Clone(s.d.repairs) }

// unescape decodes one escaped path segment, leaving it as it is when it is
// not validly escaped.
func unescape(seg string) string {
	if u, err := url.PathUnescape(seg); err == nil {
		return u
	}
	return seg
}
