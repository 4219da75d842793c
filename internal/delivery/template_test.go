package delivery

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"text/template"
)

var testCredentials = Credentials{ //nolint:gosec // G101: made-up values that show where each field lands
	ClientID: "billing-api", ClientSecret: "s3cr&t<x>\"'", TokenURL: "https://idp.example.com/token?a=b&c=d",
	Issuer: "https://idp.example.com", Scope: "read write",
	PrivateKeyPEM: "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n", PrivateKeyJWK: `{"kty":"EC"}`, KeyID: "k1",
}

// textTemplate renders text as the operator did before it had its own
// evaluator: text/template with missingkey=error.
func textTemplate(name, text string, c Credentials) (string, error) {
	t, err := template.New(name).Option("missingkey=error").Parse(text)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, c); err != nil {
		return "", err
	}
	return buf.String(), nil
}

// sameAsTextTemplate checks that text renders to what text/template
// renders, and fails where text/template fails, with the same message
// unless only the wording of a built-in's failure differs.
func sameAsTextTemplate(t *testing.T, text string, c Credentials) {
	t.Helper()
	want, wantErr := textTemplate("key", text, c)
	got, gotErr := renderTemplate("key", text, c)
	switch {
	case (wantErr == nil) != (gotErr == nil):
		t.Errorf("template %q: text/template gives %q, %v; ours gives %q, %v", text, want, wantErr, got, gotErr)
	case wantErr != nil:
		w, g := wantErr.Error(), gotErr.Error()
		if w != g && !sameFailure(w, g) {
			t.Errorf("template %q: text/template fails with\n  %s\nours with\n  %s", text, w, g)
		}
	case want != string(got):
		t.Errorf("template %q: text/template renders %q, ours %q", text, want, got)
	}
}

// sameFailure: the wording of a failing built-in differs where
// text/template reports the panic of a reflect call (an index out of
// range, say), and the depth limit is lower here.
func sameFailure(w, g string) bool {
	for _, kind := range []string{"error calling ", "exceeded maximum template depth", "range can't iterate over"} {
		i := strings.Index(w, kind)
		if i < 0 {
			continue
		}
		// The same place and the same function.
		end := i + len(kind) + strings.IndexAny(w[i+len(kind):], ": (")
		return len(g) >= end && g[:end] == w[:end]
	}
	return false
}

// templateCases cover every node, built-in and error of text/template
// that a template over the credentials can reach.
var templateCases = []string{
	``, `plain text`, `{{.ClientID}}`, `{{ .ClientID }}:{{ .ClientSecret }}`, `{{.}}`, `{{$}}`, `{{$.Issuer}}`,
	"oauth.client-id={{ .ClientID }}\noauth.token-url={{ .TokenURL }}\n", `{{- .ClientID -}}  x  {{- .Scope }}`,
	`{{/* a comment */}}x`, `{{- /* trimmed */ -}} x`,
	`{{.PrivateKeyPEM}}{{.PrivateKeyJWK}}{{.KeyID}}`,
	// fields that do not exist, or are chained on strings
	`{{.Nope}}`, `{{.clientID}}`, `{{.ClientID.Foo}}`, `{{.ClientID "x"}}`, `{{"x" | .ClientID}}`, `{{(.ClientID).Foo}}`,
	`{{$x := .ClientID}}{{$x.Foo}}`, `{{(nil).Foo}}`, `{{$x := and nil}}{{$x.Foo}}`, `{{$.Nope}}`,
	// constants and commands
	`{{1}}`, `{{-1}}`, `{{1.5}}`, `{{1e3}}`, `{{0x10}}`, `{{0x1p4}}`, `{{'a'}}`, `{{1i}}`, `{{true}}`, `{{false}}`, `{{"s"}}`, "{{`raw`}}",
	`{{nil}}`, `{{99999999999999999999}}`, `{{1 2}}`, `{{"a" "b"}}`, `{{. "x"}}`, `{{$ 1}}`, `{{(1) 2}}`, `{{"x" | 1}}`,
	// variables
	`{{$x := .ClientID}}{{$x}}`, `{{$x := 1}}{{$x = 2}}{{$x}}`, `{{$x := "a"}}{{if true}}{{$x = "b"}}{{end}}{{$x}}`,
	`{{if true}}{{$y := 1}}{{end}}{{$x := 2}}{{$x}}`, `{{$x := .ClientID | len}}{{$x}}`,
	// if / else / with
	`{{if .ClientSecret}}has{{else}}none{{end}}`, `{{if ""}}a{{else if 0}}b{{else if 1.0}}c{{end}}`, `{{if .}}struct{{end}}`,
	`{{if nil}}a{{end}}`, `{{if 0i}}a{{else}}b{{end}}`, `{{with .ClientID}}{{.}}{{end}}`, `{{with ""}}a{{else}}b{{end}}`,
	`{{with $x := .Scope}}{{$x}}-{{.}}{{end}}`, `{{with ""}}a{{else with .KeyID}}{{.}}{{end}}`, `{{if and .ClientID .Scope}}{{end}}`,
	// range
	`{{range 3}}{{.}},{{end}}`, `{{range $i := 3}}{{$i}}{{end}}`, `{{range $i, $e := 3}}{{end}}`, `{{range 0}}a{{else}}empty{{end}}`,
	`{{range -2}}a{{else}}neg{{end}}`, `{{range .ClientID}}{{end}}`, `{{range .}}{{end}}`, `{{range nil}}{{end}}`, `{{range 1.5}}{{end}}`,
	`{{range true}}{{end}}`, `{{range $i := 5}}{{if eq $i 2}}{{continue}}{{end}}{{if eq $i 4}}{{break}}{{end}}{{$i}}{{end}}`,
	`{{range index .ClientID 0 | len}}{{end}}`, `{{range (index .KeyID 1)}}{{.}} {{end}}`, `{{$x := 0}}{{range $x = 3}}{{$x}}{{end}}{{$x}}`,
	`{{range 2}}{{$v := .}}{{$v}}{{end}}`, `{{range $i := 2}}{{range $j := 2}}{{$i}}{{$j}} {{end}}{{end}}`,
	// define, template, block
	`{{define "a"}}[{{.}}]{{end}}{{template "a" .ClientID}}`, `{{template "nope"}}`, `{{block "b" .Scope}}<{{.}}>{{end}}`,
	`{{define "key"}}own body{{end}}`, `{{define "a"}}x{{end}}`, `{{define "a"}}{{$}}{{end}}{{template "a" 5}}`,
	`{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`, `{{define "a"}}{{.Nope}}{{end}}{{template "a" .}}`,
	`{{$x := 1}}{{define "a"}}{{$x}}{{end}}`, `{{define "a"}}{{if .}}{{len .}}{{template "a" slice . 1}}{{end}}{{end}}{{template "a" .KeyID}}`,
	// functions
	`{{printf "%s=%s" .ClientID .Scope}}`, `{{printf "%q" .ClientSecret}}`, `{{printf "%d" .ClientID}}`, `{{printf "%v %v" 1 nil}}`,
	`{{printf 1}}`, `{{printf nil}}`, `{{printf .}}`, `{{printf (len .KeyID)}}`, `{{printf}}`, `{{"%s!" | printf}}`, `{{.ClientID | printf "%s!"}}`,
	`{{print .ClientID 1 2 "x" true nil}}`, `{{println .ClientID 1}}`, `{{print}}`, `{{print .}}`,
	`{{html .ClientSecret}}`, `{{js .ClientSecret}}`, `{{urlquery .TokenURL}}`, `{{.ClientSecret | html}}`, `{{html 1 "<"}}`, `{{js}}`,
	`{{len .ClientID}}`, `{{len 1}}`, `{{len .}}`, `{{len nil}}`, `{{len}}`, `{{len .ClientID .Scope}}`,
	`{{index .ClientID 0}}`, `{{index .ClientID 10}}`, `{{index .ClientID 11}}`, `{{index .ClientID -1}}`, `{{index .ClientID}}`,
	`{{index .ClientID 0 0}}`, `{{index . 0}}`, `{{index nil 0}}`, `{{index .ClientID nil}}`, `{{index .ClientID true}}`, `{{index .ClientID 1.0}}`,
	`{{index .ClientID (index .KeyID 1)}}`, `{{index 5 0}}`,
	`{{slice .ClientID 1 3}}`, `{{slice .ClientID 1}}`, `{{slice .ClientID}}`, `{{slice .ClientID 3 1}}`, `{{slice .ClientID 0 11}}`,
	`{{slice .ClientID 0 12}}`, `{{slice .ClientID 1 2 3}}`, `{{slice .ClientID 1 2 3 4}}`, `{{slice . 1}}`, `{{slice nil}}`, `{{slice 1}}`,
	`{{not .ClientID}}`, `{{not ""}}`, `{{not nil}}`, `{{not}}`, `{{not 1 2}}`, `{{not .}}`,
	`{{and 1 0 2}}`, `{{and 1 2}}`, `{{or 0 "" .Scope}}`, `{{or 0 ""}}`, `{{and}}`, `{{or nil}}`, `{{and nil}}`, `{{1 | and 1}}`, `{{0 | or 0}}`,
	`{{and .Nope 1}}`, `{{and 0 .Nope}}`, `{{or 1 .Nope}}`, `{{"x" | and}}`,
	`{{eq .ClientID "billing-api"}}`, `{{eq 1 1}}`, `{{eq 1 2 3 1}}`, `{{eq 1}}`, `{{eq}}`, `{{eq 1 "a"}}`, `{{eq "a" nil}}`, `{{eq nil nil}}`,
	`{{eq . .}}`, `{{eq . nil}}`, `{{eq . "a"}}`, `{{eq 1.5 1.5}}`, `{{eq 1i 1i}}`, `{{eq true true}}`, `{{eq (index .ClientID 0) 98}}`,
	`{{eq 98 (index .ClientID 0)}}`, `{{eq -1 (index .ClientID 0)}}`, `{{eq 1 1.0}}`, `{{eq nil 1}}`, `{{eq (index .ClientID 0) (index .ClientID 0)}}`,
	`{{ne 1 2}}`, `{{ne "a" "a"}}`, `{{ne 1 "a"}}`, `{{ne 1}}`, `{{lt 1 2}}`, `{{lt "b" "a"}}`, `{{lt 1.5 2.5}}`, `{{lt true false}}`,
	`{{lt 1i 2i}}`, `{{lt nil 1}}`, `{{lt . 1}}`, `{{lt 1 "a"}}`, `{{lt -1 (index .ClientID 0)}}`, `{{lt (index .ClientID 0) 200}}`,
	`{{lt (index .ClientID 0) (index .ClientID 1)}}`, `{{le 1 1}}`, `{{le 2 1}}`, `{{le true true}}`, `{{gt 2 1}}`, `{{gt 1 1}}`,
	`{{gt "a" nil}}`, `{{ge 1 1}}`, `{{ge 0 1}}`, `{{ge 1i 1i}}`, `{{le 1 "x"}}`,
	`{{call .ClientID}}`, `{{call nil}}`, `{{call}}`, `{{call 1 2}}`,
	`{{.ClientID | len | printf "%d chars"}}`, `{{(printf "%s" .ClientID) | len}}`, `{{len (slice .ClientID 2)}}`,
	`{{if gt (len .ClientSecret) 3}}long{{end}}`, `{{with $id := .ClientID}}{{range 2}}{{$id}}{{end}}{{end}}`,
	// parse errors
	`{{.ClientID`, `{{end}}`, `{{if}}{{end}}`, `{{nofunc 1}}`, `{{$undefined}}`, `{{break}}`, `{{range 1}}{{define "x"}}{{end}}{{end}}`,
	`{{define "a"}}1{{end}}{{define "a"}}2{{end}}`, `{{template}}`, `{{.ClientID | }}`, `{{1 | "x"}}`,
}

func TestTemplateRendersAsTextTemplateDoes(t *testing.T) {
	for _, text := range templateCases {
		sameAsTextTemplate(t, text, testCredentials)
		sameAsTextTemplate(t, text, Credentials{})
	}
}

// TestGeneratedTemplatesRenderAsTextTemplateDoes puts the pieces above
// together at random (with a fixed seed, so every run checks the same
// templates): actions inside control structures, pipelines of functions.
func TestGeneratedTemplatesRenderAsTextTemplateDoes(t *testing.T) {
	operands := []string{`.ClientID`, `.Scope`, `.`, `$`, `""`, `0`, `1`, `-1`, `2.5`, `1i`, `true`, `false`, `nil`, `"a"`,
		`(index .KeyID 0)`, `(len .ClientID)`, `(slice .Issuer 1 4)`, `$v`, `.Nope`, `'x'`}
	funcs := []string{`len`, `not`, `and`, `or`, `print`, `printf "%v"`, `html`, `js`, `urlquery`, `index`, `slice`,
		`eq`, `ne`, `lt`, `le`, `gt`, `ge`}
	rng := rand.New(rand.NewPCG(1, 2)) //nolint:gosec // G404: a fixed seed, so every run checks the same templates
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	var pipeline func(depth int) string
	pipeline = func(depth int) string {
		switch n := rng.IntN(4); {
		case n == 0 || depth > 2:
			return pick(operands)
		case n == 1:
			return pick(funcs) + " " + pick(operands) + " " + pick(operands)
		case n == 2:
			return pick(operands) + " | " + pick(funcs)
		default:
			return pick(funcs) + " (" + pipeline(depth+1) + ") " + pick(operands)
		}
	}
	for range 4000 {
		p := pipeline(0)
		var text string
		switch rng.IntN(5) {
		case 0:
			text = `{{$v := .KeyID}}{{` + p + `}}`
		case 1:
			text = `{{$v := 3}}{{if ` + p + `}}y{{else}}n{{end}}`
		case 2:
			text = `{{$v := 2}}{{with ` + p + `}}<{{.}}>{{end}}`
		case 3:
			text = `{{$v := ""}}{{range ` + p + `}}[{{.}}]{{else}}e{{end}}`
		default:
			text = `{{$v := .Issuer}}{{$v = ` + p + `}}{{$v}}`
		}
		sameAsTextTemplate(t, text, testCredentials)
	}
}

// TestTemplateErrorsNeverCarryACredential: an error becomes the Ready
// condition's message, so it may name a field but never show its value
// (text/template printed the value of a field it could not range over or
// call).
func TestTemplateErrorsNeverCarryACredential(t *testing.T) {
	texts := append([]string{`{{range .ClientSecret}}{{end}}`, `{{range .}}{{end}}`, `{{call .ClientSecret}}`,
		`{{.ClientSecret | call}}`, `{{range .PrivateKeyPEM}}{{end}}`, `{{with .ClientSecret}}{{range .}}{{end}}{{end}}`}, templateCases...)
	for _, text := range texts {
		_, err := renderTemplate("key", text, testCredentials)
		if err != nil && (strings.Contains(err.Error(), "s3cr") || strings.Contains(err.Error(), "MIIB")) {
			t.Errorf("template %q fails with an error that shows a credential: %v", text, err)
		}
	}
}

// TestTemplateFieldsAreTheCredentialsFields fails when Credentials gains
// a field that templates cannot name.
func TestTemplateFieldsAreTheCredentialsFields(t *testing.T) {
	typ := reflect.TypeFor[Credentials]()
	for i := range typ.NumField() {
		name := typ.Field(i).Name
		c := Credentials{}
		reflect.ValueOf(&c).Elem().Field(i).SetString("v")
		if got, ok := c.field(name); !ok || got != "v" {
			t.Errorf("{{.%s}} does not give the field %s", name, name)
		}
	}
}

func TestTemplateThatNeverEndsFails(t *testing.T) {
	for _, text := range []string{`{{range 1000000000}}{{end}}`, `{{define "a"}}{{template "a"}}{{end}}{{template "a"}}`} {
		if _, err := renderTemplate("key", text, testCredentials); err == nil {
			t.Errorf("template %q rendered, want an error", text)
		}
	}
}

// FuzzTemplate looks for a template that renders, or fails, otherwise
// than text/template. Templates with numbers of four digits or more, or
// with {{template}} calls, are skipped: text/template would loop or
// recurse for minutes on some of them where ours stops at its step and
// depth limits.
func FuzzTemplate(f *testing.F) {
	for _, text := range templateCases {
		f.Add(text)
	}
	long := regexp.MustCompile(`[0-9]{4}`)
	f.Fuzz(func(t *testing.T, text string) {
		if len(text) > 512 || long.MatchString(text) || strings.Contains(text, "template") || strings.Contains(text, "block") {
			t.Skip()
		}
		sameAsTextTemplate(t, text, testCredentials)
	})
}
