package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/test/testutil/reporoot"
)

// SpecsDirEnv names the environment variable that points at the directory of
// vendor documents. Without it, relative paths given to Load are looked up in
// ../shared/specs beside the module root.
const SpecsDirEnv = "CONTRACT_SPECS_DIR"

// document is one vendor file, parsed, repaired and routed. It is shared by
// every Spec loaded from the same file in a test binary and never changed
// after loading.
type document struct {
	file    string // the path as given, for messages
	doc     *openapi3.T
	router  routers.Router
	base    string // the path of the document's first server, "" if none
	repairs []string
	took    time.Duration

	// For an OpenAPI 3.1 document: the operations whose schemas use no
	// keyword that only the JSON Schema 2020-12 validator checks, and the
	// document as 3.0 that validates them (see legacyOperations).
	legacy map[opKey]bool
	as30   *openapi3.T
}

type cacheEntry struct {
	once sync.Once
	doc  *document
	err  error
}

// cache holds the documents loaded in this test binary, keyed by absolute path.
var cache sync.Map

// Load reads the vendor's OpenAPI document at path (OpenAPI 3.0 or 3.1 in
// JSON or YAML, or Swagger 2.0, which is converted to OpenAPI 3), and returns
// a Spec that checks traffic against it. A relative path is looked up in the
// specs directory (see SpecsDirEnv), so "keycloak/openapi-26.6.0.json" works
// from any package; one starting with ./ or ../ is relative to the test's
// package directory. A file is parsed once per test binary; every later Load
// of it only applies the options. Load fails the test when the file cannot be
// read, parsed or routed.
func Load(t testing.TB, path string, opts ...Option) *Spec {
	t.Helper()
	abs, err := resolve(path)
	if err != nil {
		t.Fatalf("contract: %v", err)
	}
	e, _ := cache.LoadOrStore(abs, &cacheEntry{})
	entry := e.(*cacheEntry)
	entry.once.Do(func() { entry.doc, entry.err = parse(path, abs) })
	if entry.err != nil {
		t.Fatalf("contract: loading %s: %v", path, entry.err)
	}
	s := &Spec{d: entry.doc, base: entry.doc.base}
	for _, o := range opts {
		if err := o(s); err != nil {
			t.Fatalf("contract: %s: %v", path, err)
		}
	}
	if err := s.checkOutside(); err != nil {
		t.Fatalf("contract: %s: %v", path, err)
	}
	return s
}

// resolve finds the file a Load path names.
func resolve(path string) (string, error) {
	if filepath.IsAbs(path) {
		return path, nil
	}
	if strings.HasPrefix(path, "./") || strings.HasPrefix(path, "../") {
		return filepath.Abs(path)
	}
	dir := os.Getenv(SpecsDirEnv)
	if dir == "" {
		root, err := moduleRoot()
		if err != nil {
			return "", err
		}
		dir = filepath.Join(root, "..", "shared", "specs")
	}
	abs, err := filepath.Abs(filepath.Join(dir, path))
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(abs); err != nil { //nolint:gosec // G703: a test names the vendor document it loads
		return "", fmt.Errorf("vendor document %s not found (set %s to the directory holding the vendor documents): %w", path, SpecsDirEnv, err)
	}
	return abs, nil
}

// moduleRoot is the nearest directory above the working directory (a test's
// package directory) that holds go.mod.
func moduleRoot() (string, error) {
	root, err := reporoot.Find()
	if err != nil {
		return "", fmt.Errorf("%w; set %s", err, SpecsDirEnv)
	}
	return root, nil
}

// parse loads, repairs, validates and routes one file.
func parse(name, abs string) (*document, error) {
	start := time.Now()
	data, err := os.ReadFile(abs) //nolint:gosec // G304: a test names the vendor document it loads
	if err != nil {
		return nil, err
	}
	var doc *openapi3.T
	if isSwagger2(data) {
		doc, err = fromSwagger2(data)
	} else {
		loader := openapi3.NewLoader()
		doc, err = loader.LoadFromData(data)
	}
	if err != nil {
		return nil, err
	}
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, errors.New("the document has no paths")
	}
	d := &document{file: name, doc: doc}
	d.repairs = repair(doc)
	// Examples, defaults and patterns are documentation, not traffic: several
	// vendor files have examples and defaults of the wrong type, and patterns
	// Go's regexp cannot compile (see compilePattern).
	if err := doc.Validate(context.Background(),
		openapi3.DisableExamplesValidation(),
		openapi3.DisableSchemaDefaultsValidation(),
		openapi3.DisableSchemaPatternValidation(),
	); err != nil {
		return nil, fmt.Errorf("the document is invalid even after repairs: %w", err)
	}
	d.base, err = serverBase(doc.Servers)
	if err != nil {
		return nil, err
	}
	// The router matches paths relative to the base path, which the Spec
	// strips itself (the fake's base differs from the vendor's host and
	// prefix), so it is built from a copy without servers.
	routed := *doc
	routed.Servers = nil
	if d.router, err = gorillamux.NewRouter(&routed); err != nil {
		return nil, fmt.Errorf("building the router: %w", err)
	}
	if doc.IsOpenAPI31OrLater() {
		d.legacy = legacyOperations(doc)
		as30 := routed
		as30.OpenAPI = "3.0.3"
		d.as30 = &as30
	}
	d.took = time.Since(start)
	return d, nil
}

var swaggerYAML = regexp.MustCompile(`^["']?swagger["']?\s*:`)

// isSwagger2 tells a Swagger 2.0 document from an OpenAPI 3 one by its
// top-level "swagger" key.
func isSwagger2(data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) > 0 && trimmed[0] == '{' {
		if !bytes.Contains(trimmed, []byte(`"swagger"`)) {
			return false // without decoding 3.7 MB of Auth0
		}
		var head struct {
			Swagger string `json:"swagger"`
		}
		return json.Unmarshal(trimmed, &head) == nil && head.Swagger != ""
	}
	// Line by line: one multi-line regexp over Okta's 3.4 MB takes 0.2 s.
	for line := range bytes.Lines(data) {
		if line[0] == 's' || line[0] == '"' || line[0] == '\'' {
			if swaggerYAML.Match(line) {
				return true
			}
		}
	}
	return false
}

func fromSwagger2(data []byte) (*openapi3.T, error) {
	js, err := yaml.YAMLToJSON(data)
	if err != nil {
		return nil, err
	}
	var doc2 openapi2.T
	if err := json.Unmarshal(js, &doc2); err != nil {
		return nil, fmt.Errorf("reading Swagger 2.0: %w", err)
	}
	doc, err := openapi2conv.ToV3(&doc2)
	if err != nil {
		return nil, fmt.Errorf("converting Swagger 2.0 to OpenAPI 3: %w", err)
	}
	if err := openapi3.NewLoader().ResolveRefsIn(doc, nil); err != nil {
		return nil, fmt.Errorf("resolving references: %w", err)
	}
	return doc, nil
}

// serverBase is the path of the document's first server URL, without a
// trailing slash; its {variables} stay as they are and match any segment.
func serverBase(servers openapi3.Servers) (string, error) {
	if len(servers) == 0 {
		return "", nil
	}
	u := servers[0].URL
	if _, rest, ok := strings.Cut(u, "://"); ok {
		// Drop the host, which may itself hold {variables} and dots.
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			u = rest[i:]
		} else {
			u = ""
		}
	}
	return cleanBase(u)
}

// cleanBase checks a base path and strips its trailing slash.
func cleanBase(p string) (string, error) {
	p = strings.TrimRight(p, "/")
	if p != "" && !strings.HasPrefix(p, "/") {
		return "", fmt.Errorf("base path %q must start with /", p)
	}
	if strings.ContainsAny(p, "?#") {
		return "", fmt.Errorf("base path %q must be a path only", p)
	}
	return p, nil
}

// repair fixes, in memory, the defects of vendor documents that make a
// document invalid or a valid request unroutable, without changing what any
// request or response must look like. It returns what it changed.
func repair(doc *openapi3.T) []string {
	var done []string
	// Hydra: info.version is "". Metadata only.
	if doc.Info == nil {
		doc.Info = &openapi3.Info{Title: "untitled"}
		done = append(done, "info: added")
	}
	if doc.Info.Version == "" {
		doc.Info.Version = "unversioned"
		done = append(done, `info.version: "" set to "unversioned"`)
	}
	// Okta management: "type: array" without "items". An absent items
	// keyword means "any item", which is what the array then accepts.
	for _, name := range walkSchemas(doc) {
		done = append(done, name+`: array without items given items {}`)
	}
	// WSO2 DCR: GET /register declares client_name "in: path" though the
	// path has no {client_name}; the vendor's own sample sends it as
	// ?client_name=. A path parameter the template cannot hold can only be
	// a query parameter.
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			for i, p := range op.Parameters {
				if p.Value == nil || p.Value.In != openapi3.ParameterInPath {
					continue
				}
				fixed := *p.Value
				switch {
				case !strings.Contains(path, "{"+fixed.Name+"}"):
					fixed.In = openapi3.ParameterInQuery
					done = append(done, fmt.Sprintf("%s %s: path parameter %q is not in the path, moved to the query", method, path, fixed.Name))
				case !fixed.Required:
					// Okta: GET /api/v1/hook-keys/{id}. A path
					// parameter is always there; OpenAPI requires
					// required: true.
					fixed.Required = true
					done = append(done, fmt.Sprintf("%s %s: path parameter %q made required", method, path, fixed.Name))
				default:
					continue
				}
				op.Parameters[i] = &openapi3.ParameterRef{Value: &fixed}
			}
		}
	}
	slices.Sort(done)
	return done
}

// walkSchemas gives every schema of type array without items an empty items
// schema, and returns where it did so.
func walkSchemas(doc *openapi3.T) []string {
	seen := map[*openapi3.Schema]bool{}
	var fixed []string
	var visit func(where string, ref *openapi3.SchemaRef)
	visit = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		if ref.Ref != "" {
			where = ref.Ref
		}
		s := ref.Value
		seen[s] = true
		if s.Type.Is(openapi3.TypeArray) && s.Items == nil {
			s.Items = openapi3.NewSchemaRef("", &openapi3.Schema{})
			fixed = append(fixed, where)
		}
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			visit(where+"/properties/"+name, s.Properties[name])
		}
		visit(where+"/items", s.Items)
		visit(where+"/additionalProperties", s.AdditionalProperties.Schema)
		visit(where+"/not", s.Not)
		for i, sub := range s.AllOf {
			visit(fmt.Sprintf("%s/allOf/%d", where, i), sub)
		}
		for i, sub := range s.AnyOf {
			visit(fmt.Sprintf("%s/anyOf/%d", where, i), sub)
		}
		for i, sub := range s.OneOf {
			visit(fmt.Sprintf("%s/oneOf/%d", where, i), sub)
		}
	}
	if doc.Components != nil {
		for _, name := range slices.Sorted(maps.Keys(doc.Components.Schemas)) {
			visit("#/components/schemas/"+name, doc.Components.Schemas[name])
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		for method, op := range doc.Paths.Value(path).Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				if p.Value != nil {
					visit(where+" parameter "+p.Value.Name, p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					visit(where+" request "+ct, mt.Schema)
				}
			}
			if op.Responses != nil {
				for code, r := range op.Responses.Map() {
					if r.Value != nil {
						for ct, mt := range r.Value.Content {
							visit(where+" response "+code+" "+ct, mt.Schema)
						}
					}
				}
			}
		}
	}
	return fixed
}

// legacyOperations lists the operations of an OpenAPI 3.1 document that
// kin-openapi's OpenAPI 3.0 validator checks exactly: their schemas use
// none of the keywords it skips (const, if/then/else, prefixItems,
// contains, dependent*, unevaluated*, propertyNames, patternProperties,
// $defs, contentSchema) and no "nullable", which 3.1 no longer knows. It
// reads type arrays with "null" and numeric exclusive bounds. For such a
// schema with references, kin-openapi's 3.1 path compiles a JSON Schema
// 2020-12 validator for every message and then falls back to that same
// 3.0 validator; going there directly gives the same verdicts at a
// fraction of the cost (Auth0: about 35 ms of CPU per message saved).
func legacyOperations(doc *openapi3.T) map[opKey]bool {
	verdict := map[*openapi3.Schema]bool{} // true: needs the 2020-12 validator
	var needs func(ref *openapi3.SchemaRef) bool
	needs = func(ref *openapi3.SchemaRef) bool {
		if ref == nil || ref.Value == nil {
			return false
		}
		s := ref.Value
		if v, ok := verdict[s]; ok {
			return v
		}
		verdict[s] = false // a cycle adds nothing new
		v := s.Const != nil || len(s.PrefixItems) > 0 || s.Contains != nil ||
			s.MinContains != nil || s.MaxContains != nil || len(s.PatternProperties) > 0 ||
			len(s.DependentSchemas) > 0 || len(s.DependentRequired) > 0 || s.PropertyNames != nil ||
			s.UnevaluatedItems.Has != nil || s.UnevaluatedItems.Schema != nil ||
			s.UnevaluatedProperties.Has != nil || s.UnevaluatedProperties.Schema != nil ||
			s.If != nil || s.Then != nil || s.Else != nil || len(s.Defs) > 0 || s.ContentSchema != nil ||
			s.Nullable
		for _, sub := range s.Properties {
			v = needs(sub) || v
		}
		for _, list := range []openapi3.SchemaRefs{s.AllOf, s.AnyOf, s.OneOf} {
			for _, sub := range list {
				v = needs(sub) || v
			}
		}
		v = needs(s.Items) || needs(s.Not) || needs(s.AdditionalProperties.Schema) || v
		verdict[s] = v
		return v
	}
	content := func(c openapi3.Content) bool {
		found := false
		for _, mt := range c {
			if mt != nil {
				found = needs(mt.Schema) || found
			}
		}
		return found
	}
	legacy := map[opKey]bool{}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			found := false
			for _, params := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range params {
					if p.Value != nil {
						found = needs(p.Value.Schema) || content(p.Value.Content) || found
					}
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				found = content(op.RequestBody.Value.Content) || found
			}
			if op.Responses != nil {
				for _, r := range op.Responses.Map() {
					if r.Value == nil {
						continue
					}
					found = content(r.Value.Content) || found
					for _, h := range r.Value.Headers {
						if h.Value != nil {
							found = needs(h.Value.Schema) || content(h.Value.Content) || found
						}
					}
				}
			}
			if !found {
				legacy[opKey{method, path}] = true
			}
		}
	}
	return legacy
}
