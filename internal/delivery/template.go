package delivery

// This file renders spec.secretTemplate.data. The language is Go's
// text/template, parsed by text/template/parse, but executed here rather
// than by text/template's executor: that executor looks methods up by
// name at run time (reflect's MethodByName), and a binary that can do that
// must keep every exported method of every type it holds, because any of
// them might be called. In the manager those are all of client-go's API
// types: text/template made the binary 9 MiB (21%) larger, and the pages
// of a binary the process touches count in its RSS. The data is always
// Credentials, a struct of strings, so the evaluator needs no method
// calls and no reflection.
//
// It follows text/template's rules for what a template prints and which
// templates fail (TestTemplateRendersAsTextTemplateDoes compares the two
// over many templates): fields of the credentials, variables, pipelines,
// if / else / with / range / break / continue, define / template / block,
// and the built-in functions. Error messages have text/template's form:
// "template: KEY:LINE:COL: executing "KEY" at <NODE>: ...".

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"text/template/parse"
)

// arity is how many arguments a built-in takes: exactly fixed, or at
// least fixed when variadic.
type arity struct {
	fixed    int
	variadic bool
}

// builtins are text/template's built-in functions and their arities: the
// only functions a template may call (the parser refuses any other name).
var builtins = map[string]any{
	"len": arity{1, false}, "not": arity{1, false},
	"ne": arity{2, false}, "lt": arity{2, false}, "le": arity{2, false}, "gt": arity{2, false}, "ge": arity{2, false},
	"and": arity{1, true}, "or": arity{1, true}, "call": arity{1, true}, "index": arity{1, true},
	"slice": arity{1, true}, "eq": arity{1, true}, "printf": arity{1, true},
	"print": arity{0, true}, "println": arity{0, true}, "html": arity{0, true}, "js": arity{0, true}, "urlquery": arity{0, true},
}

const (
	// maxTemplateDepth bounds {{template}} calls within calls.
	maxTemplateDepth = 10000
	// maxTemplateSteps bounds the nodes one rendering walks, so that a
	// template such as {{range 1000000000}} fails instead of holding a
	// worker: no Secret needs anywhere near this many.
	maxTemplateSteps = 1_000_000
)

// renderTemplate renders text, named name in its errors, with c as dot.
// An execution error is raised as a tmplError panic and returned here.
func renderTemplate(name, text string, c Credentials) (out []byte, err error) {
	trees, err := parse.Parse(name, text, "", "", builtins)
	if err != nil {
		return nil, err
	}
	s := &tmplState{trees: trees, tree: trees[name], name: name, vars: []tmplVar{{"$", c}}}
	defer func() {
		if r := recover(); r != nil {
			te, ok := r.(tmplError)
			if !ok {
				panic(r)
			}
			out, err = nil, te.err
		}
	}()
	s.walk(c, s.tree.Root)
	return s.out.Bytes(), nil
}

// A value in a template: string, bool, int, uint8 (a byte of a string),
// float64, complex128, Credentials, or nil (no value).
type value = any

// missing marks "no value piped in" as distinct from nil.
type missingType struct{}

var missing value = missingType{}

type tmplVar struct {
	name string
	val  value
}

type tmplState struct {
	trees map[string]*parse.Tree
	tree  *parse.Tree // the template being walked
	name  string
	node  parse.Node // the node being evaluated, for errors
	vars  []tmplVar
	depth int
	steps int
	out   bytes.Buffer
}

// tmplError carries an execution error up through the walk.
type tmplError struct{ err error }

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

func (s *tmplState) at(n parse.Node) { s.node = n }

func (s *tmplState) errorf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if s.node == nil {
		panic(tmplError{fmt.Errorf("template: %s: %s", s.name, msg)})
	}
	location, context := s.tree.ErrorContext(s.node)
	panic(tmplError{fmt.Errorf("template: %s: executing %q at <%s>: %s", location, s.name, context, msg)})
}

func (s *tmplState) mark() int    { return len(s.vars) }
func (s *tmplState) pop(mark int) { s.vars = s.vars[:mark] }

func (s *tmplState) setVar(name string, v value) {
	for i, sv := range slices.Backward(s.vars) {
		if sv.name == name {
			s.vars[i].val = v
			return
		}
	}
	s.errorf("undefined variable: %s", name)
}

func (s *tmplState) varValue(name string) value {
	for _, sv := range slices.Backward(s.vars) {
		if sv.name == name {
			return sv.val
		}
	}
	s.errorf("undefined variable: %s", name)
	return nil
}

func (s *tmplState) walk(dot value, node parse.Node) {
	s.at(node)
	if s.steps++; s.steps > maxTemplateSteps {
		s.errorf("the template takes more than %d steps", maxTemplateSteps)
	}
	switch n := node.(type) {
	case *parse.ActionNode:
		v := s.evalPipeline(dot, n.Pipe)
		if len(n.Pipe.Decl) == 0 {
			s.print(n, v)
		}
	case *parse.BreakNode:
		panic(errBreak)
	case *parse.ContinueNode:
		panic(errContinue)
	case *parse.CommentNode:
	case *parse.IfNode:
		s.walkIfOrWith(false, dot, n.Pipe, n.List, n.ElseList)
	case *parse.WithNode:
		s.walkIfOrWith(true, dot, n.Pipe, n.List, n.ElseList)
	case *parse.ListNode:
		for _, c := range n.Nodes {
			s.walk(dot, c)
		}
	case *parse.RangeNode:
		s.walkRange(dot, n)
	case *parse.TemplateNode:
		s.walkTemplate(dot, n)
	case *parse.TextNode:
		s.out.Write(n.Text)
	default:
		s.errorf("unknown node: %s", node)
	}
}

func (s *tmplState) walkIfOrWith(with bool, dot value, pipe *parse.PipeNode, list, elseList *parse.ListNode) {
	defer s.pop(s.mark())
	v := s.evalPipeline(dot, pipe)
	if truth(v) {
		if with {
			dot = v
		}
		s.walk(dot, list)
	} else if elseList != nil {
		s.walk(dot, elseList)
	}
}

func (s *tmplState) walkRange(dot value, r *parse.RangeNode) {
	s.at(r)
	defer s.pop(s.mark())
	v := s.evalPipeline(dot, r.Pipe)
	var count int
	switch n := v.(type) {
	case int:
		count = n
	case uint8:
		count = int(n)
	case nil: // ranges over nothing, like a nil map
	default:
		// The type, not the value: the value may be the secret.
		s.errorf("range can't iterate over a value of type %T", v)
	}
	if v != nil && len(r.Pipe.Decl) > 1 {
		s.errorf("can't use %v to iterate over more than one variable", v)
	}
	mark := s.mark()
	for i := 0; i < count; i++ {
		var elem value = i
		if _, ok := v.(uint8); ok {
			elem = uint8(i)
		}
		if len(r.Pipe.Decl) > 0 {
			if r.Pipe.IsAssign {
				s.setVar(r.Pipe.Decl[0].Ident[0], elem)
			} else {
				s.vars[len(s.vars)-1].val = elem
			}
		}
		if s.rangeBody(elem, r.List, mark) {
			return
		}
	}
	if count <= 0 && r.ElseList != nil {
		s.walk(dot, r.ElseList)
	}
}

// rangeBody walks one iteration; it reports whether {{break}} ended the loop.
func (s *tmplState) rangeBody(elem value, list *parse.ListNode, mark int) (stop bool) {
	defer s.pop(mark)
	defer func() {
		switch r := recover(); r {
		case nil, errContinue:
		case errBreak:
			stop = true
		default:
			panic(r)
		}
	}()
	s.walk(elem, list)
	return false
}

func (s *tmplState) walkTemplate(dot value, t *parse.TemplateNode) {
	s.at(t)
	tree := s.trees[t.Name]
	if tree == nil {
		s.errorf("template %q not defined", t.Name)
	}
	if s.depth == maxTemplateDepth {
		s.errorf("exceeded maximum template depth (%v)", maxTemplateDepth)
	}
	dot = s.evalPipeline(dot, t.Pipe)
	// The called template sees no variable of the caller's but its own $.
	callerTree, callerName, callerVars := s.tree, s.name, s.vars
	s.depth++
	s.tree, s.name, s.vars = tree, t.Name, []tmplVar{{"$", dot}}
	defer func() {
		s.depth--
		s.tree, s.name, s.vars = callerTree, callerName, callerVars
	}()
	s.walk(dot, tree.Root)
}

func (s *tmplState) print(n parse.Node, v value) {
	s.at(n)
	if v == nil {
		s.out.WriteString("<no value>")
		return
	}
	fmt.Fprint(&s.out, v)
}

func (s *tmplState) evalPipeline(dot value, pipe *parse.PipeNode) value {
	if pipe == nil {
		return nil
	}
	s.at(pipe)
	v := missing
	for _, cmd := range pipe.Cmds {
		v = s.evalCommand(dot, cmd, v)
	}
	for _, d := range pipe.Decl {
		if pipe.IsAssign {
			s.setVar(d.Ident[0], v)
		} else {
			s.vars = append(s.vars, tmplVar{d.Ident[0], v})
		}
	}
	return v
}

func (s *tmplState) notAFunction(args []parse.Node, final value) {
	if len(args) > 1 || final != missing {
		s.errorf("can't give argument to non-function %s", args[0])
	}
}

func (s *tmplState) evalCommand(dot value, cmd *parse.CommandNode, final value) value {
	first := cmd.Args[0]
	switch n := first.(type) {
	case *parse.FieldNode:
		s.at(n)
		return s.evalFieldsOf(dot, n.Ident, cmd.Args, final)
	case *parse.ChainNode:
		return s.evalChain(dot, n, cmd.Args, final)
	case *parse.IdentifierNode:
		return s.evalFunction(dot, n, cmd, cmd.Args, final)
	case *parse.PipeNode:
		s.notAFunction(cmd.Args, final)
		return s.evalPipeline(dot, n)
	case *parse.VariableNode:
		return s.evalVariable(n, cmd.Args, final)
	}
	s.at(first)
	s.notAFunction(cmd.Args, final)
	switch n := first.(type) {
	case *parse.BoolNode:
		return n.True
	case *parse.DotNode:
		return dot
	case *parse.NilNode:
		s.errorf("nil is not a command")
	case *parse.NumberNode:
		return s.constant(n)
	case *parse.StringNode:
		return n.Text
	}
	s.errorf("can't evaluate command %q", first)
	return nil
}

// constant is a number as text/template types it without context: complex,
// float when written as one, else int.
func (s *tmplState) constant(n *parse.NumberNode) value {
	s.at(n)
	hexInt := len(n.Text) > 2 && n.Text[0] == '0' && (n.Text[1] == 'x' || n.Text[1] == 'X') && !strings.ContainsAny(n.Text, "pP")
	isRune := len(n.Text) > 0 && n.Text[0] == '\''
	switch {
	case n.IsComplex:
		return n.Complex128
	case n.IsFloat && !hexInt && !isRune && strings.ContainsAny(n.Text, ".eEpP"):
		return n.Float64
	case n.IsInt:
		i := int(n.Int64)
		if int64(i) != n.Int64 {
			s.errorf("%s overflows int", n.Text)
		}
		return i
	case n.IsUint:
		s.errorf("%s overflows int", n.Text)
	}
	return nil
}

func (s *tmplState) evalChain(dot value, n *parse.ChainNode, args []parse.Node, final value) value {
	s.at(n)
	if n.Node.Type() == parse.NodeNil {
		s.errorf("indirection through explicit nil in %s", n)
	}
	receiver := s.evalArg(dot, n.Node)
	return s.evalFieldsOf(receiver, n.Field, args, final)
}

func (s *tmplState) evalVariable(n *parse.VariableNode, args []parse.Node, final value) value {
	s.at(n)
	v := s.varValue(n.Ident[0])
	if len(n.Ident) == 1 {
		s.notAFunction(args, final)
		return v
	}
	return s.evalFieldsOf(v, n.Ident[1:], args, final)
}

// evalFieldsOf evaluates .A.B.C on receiver; only the last may have
// arguments, and none may, since no value has methods.
func (s *tmplState) evalFieldsOf(receiver value, idents []string, args []parse.Node, final value) value {
	for i, name := range idents {
		last := i == len(idents)-1
		hasArgs := last && (len(args) > 1 || final != missing)
		receiver = s.field(receiver, name, hasArgs)
	}
	return receiver
}

func (s *tmplState) field(receiver value, name string, hasArgs bool) value {
	switch r := receiver.(type) {
	case nil:
		s.errorf("nil data; no entry for key %q", name)
	case Credentials:
		if v, ok := r.field(name); ok {
			if hasArgs {
				s.errorf("%s has arguments but cannot be invoked as function", name)
			}
			return v
		}
	}
	s.errorf("can't evaluate field %s in type %T", name, receiver)
	return nil
}

// field is the credential a template names .Name, as text/template finds
// the exported field of the struct.
func (c Credentials) field(name string) (string, bool) {
	switch name {
	case "ClientID":
		return c.ClientID, true
	case "ClientSecret":
		return c.ClientSecret, true
	case "TokenURL":
		return c.TokenURL, true
	case "Issuer":
		return c.Issuer, true
	case "Scope":
		return c.Scope, true
	case "PrivateKeyPEM":
		return c.PrivateKeyPEM, true
	case "PrivateKeyJWK":
		return c.PrivateKeyJWK, true
	case "KeyID":
		return c.KeyID, true
	}
	return "", false
}

// evalArg evaluates an argument of a function whose parameter takes any
// value (all built-ins but printf's format).
func (s *tmplState) evalArg(dot value, n parse.Node) value {
	s.at(n)
	switch n := n.(type) {
	case *parse.BoolNode:
		return n.True
	case *parse.DotNode:
		return dot
	case *parse.NilNode:
		return nil
	case *parse.NumberNode:
		return s.constant(n)
	case *parse.StringNode:
		return n.Text
	case *parse.FieldNode:
		return s.evalFieldsOf(dot, n.Ident, []parse.Node{n}, missing)
	case *parse.ChainNode:
		return s.evalChain(dot, n, nil, missing)
	case *parse.VariableNode:
		return s.evalVariable(n, nil, missing)
	case *parse.PipeNode:
		return s.evalPipeline(dot, n)
	case *parse.IdentifierNode:
		return s.evalFunction(dot, n, n, []parse.Node{n}, missing)
	}
	s.errorf("can't handle assignment of %s to empty interface argument", n)
	return nil
}

// evalStringArg evaluates printf's format, which must be a string.
func (s *tmplState) evalStringArg(dot value, n parse.Node) string {
	s.at(n)
	switch n := n.(type) {
	case *parse.StringNode:
		return n.Text
	case *parse.NilNode:
		s.errorf("cannot assign nil to string")
	case *parse.BoolNode, *parse.NumberNode:
		s.errorf("expected string; found %s", n)
	}
	return s.asString(s.evalArg(dot, n))
}

func (s *tmplState) asString(v value) string {
	str, ok := v.(string)
	if !ok {
		if v == nil {
			s.errorf("invalid value; expected string")
		}
		s.errorf("wrong type for value; expected string; got %T", v)
	}
	return str
}

// evalFunction calls a built-in function: args[0] is its name, the rest
// its arguments, and final, unless missing, the value piped into it. A
// failure is reported at cmd, the command that calls it.
func (s *tmplState) evalFunction(dot value, n *parse.IdentifierNode, cmd parse.Node, args []parse.Node, final value) value {
	s.at(n)
	name := n.Ident
	args = args[1:]
	numIn := len(args)
	if final != missing {
		numIn++
	}
	want := builtins[name].(arity)
	if want.variadic && numIn < want.fixed {
		s.errorf("wrong number of args for %s: want at least %d got %d", name, want.fixed, len(args))
	}
	if !want.variadic && numIn != want.fixed {
		s.errorf("wrong number of args for %s: want %d got %d", name, want.fixed, numIn)
	}
	if name == "call" {
		// No value is a function. Named by the argument, never by its
		// value, which may be the secret.
		for _, a := range args {
			s.evalArg(dot, a)
		}
		s.at(cmd)
		callee := "the piped value"
		if len(args) > 0 {
			callee = args[0].String()
		}
		s.errorf("error calling call: %s is not a function", callee)
	}
	if name == "and" || name == "or" {
		var v value
		for _, a := range args {
			if v = s.evalArg(dot, a); truth(v) == (name == "or") {
				return v
			}
		}
		if final != missing {
			v = final
		}
		return v
	}
	var format string
	vals := make([]value, 0, numIn)
	for i, a := range args {
		if name == "printf" && i == 0 {
			format = s.evalStringArg(dot, a)
			continue
		}
		vals = append(vals, s.evalArg(dot, a))
	}
	if final != missing {
		if name == "printf" && len(args) == 0 {
			format = s.asString(final)
		} else {
			vals = append(vals, final)
		}
	}
	v, err := callBuiltin(name, format, vals)
	if err != nil {
		s.at(cmd)
		s.errorf("error calling %s: %v", name, err)
	}
	return v
}

func callBuiltin(name, format string, args []value) (value, error) {
	switch name {
	case "html":
		return template.HTMLEscaper(args...), nil
	case "js":
		return template.JSEscaper(args...), nil
	case "urlquery":
		return template.URLQueryEscaper(args...), nil
	case "print":
		return fmt.Sprint(args...), nil
	case "printf":
		return fmt.Sprintf(format, args...), nil
	case "println":
		return fmt.Sprintln(args...), nil
	case "not":
		return !truth(args[0]), nil
	case "len":
		if str, ok := args[0].(string); ok {
			return len(str), nil
		}
		if args[0] == nil {
			return nil, errors.New("len of nil pointer")
		}
		return nil, fmt.Errorf("len of type %T", args[0])
	case "index":
		return index(args[0], args[1:])
	case "slice":
		return slice(args[0], args[1:])
	case "eq":
		return eq(args[0], args[1:]...)
	case "ne":
		equal, err := eq(args[0], args[1])
		return !equal, err
	case "lt":
		return lt(args[0], args[1])
	case "le":
		less, err := lt(args[0], args[1])
		if less || err != nil {
			return less, err
		}
		return eq(args[0], args[1])
	case "gt":
		less, err := lt(args[0], args[1])
		if err != nil {
			return false, err
		}
		if less {
			return false, nil
		}
		equal, err := eq(args[0], args[1])
		return !equal, err
	case "ge":
		less, err := lt(args[0], args[1])
		return !less, err
	}
	return nil, fmt.Errorf("%q is not a defined function", name)
}

// truth is text/template's: the zero value and empty strings are false,
// the credentials (a struct) are true.
func truth(v value) bool {
	switch v := v.(type) {
	case string:
		return v != ""
	case bool:
		return v
	case int:
		return v != 0
	case uint8:
		return v != 0
	case float64:
		return v != 0
	case complex128:
		return v != 0
	case Credentials:
		return true
	}
	return false
}

// indexOf is an integer argument of index or slice, at most limit.
func indexOf(v value, limit int) (int, error) {
	var x int
	switch v := v.(type) {
	case int:
		x = v
	case uint8:
		x = int(v)
	case nil:
		return 0, errors.New("cannot index slice/array with nil")
	default:
		return 0, fmt.Errorf("cannot index slice/array with type %T", v)
	}
	if x < 0 || x > limit {
		return 0, fmt.Errorf("index out of range: %d", x)
	}
	return x, nil
}

func index(item value, indexes []value) (value, error) {
	if item == nil {
		return nil, errors.New("index of untyped nil")
	}
	for _, i := range indexes {
		str, ok := item.(string)
		if !ok {
			return nil, fmt.Errorf("can't index item of type %T", item)
		}
		x, err := indexOf(i, len(str))
		if err != nil {
			return nil, err
		}
		if x == len(str) {
			return nil, fmt.Errorf("index out of range: %d", x)
		}
		item = str[x]
	}
	return item, nil
}

func slice(item value, indexes []value) (value, error) {
	if item == nil {
		return nil, errors.New("slice of untyped nil")
	}
	if len(indexes) > 3 {
		return nil, fmt.Errorf("too many slice indexes: %d", len(indexes))
	}
	str, ok := item.(string)
	if !ok {
		return nil, fmt.Errorf("can't slice item of type %T", item)
	}
	if len(indexes) == 3 {
		return nil, errors.New("cannot 3-index slice a string")
	}
	idx := [2]int{0, len(str)}
	for i, v := range indexes {
		x, err := indexOf(v, len(str))
		if err != nil {
			return nil, err
		}
		idx[i] = x
	}
	if idx[0] > idx[1] {
		return nil, fmt.Errorf("invalid slice index: %d > %d", idx[0], idx[1])
	}
	return str[idx[0]:idx[1]], nil
}

// kindOf sorts a value for comparison as text/template does; "" is a
// value that cannot be compared by order (nil, the credentials).
func kindOf(v value) string {
	switch v.(type) {
	case bool:
		return "bool"
	case int:
		return "int"
	case uint8:
		return "uint"
	case float64:
		return "float"
	case complex128:
		return "complex"
	case string:
		return "string"
	}
	return ""
}

func eq(a value, bs ...value) (bool, error) {
	if len(bs) == 0 {
		return false, errors.New("missing argument for comparison")
	}
	ka := kindOf(a)
	for _, b := range bs {
		kb := kindOf(b)
		var equal bool
		switch {
		case ka == "int" && kb == "uint":
			equal = a.(int) >= 0 && a.(int) == int(b.(uint8))
		case ka == "uint" && kb == "int":
			equal = b.(int) >= 0 && int(a.(uint8)) == b.(int)
		case ka != kb:
			if a != nil && b != nil {
				return false, fmt.Errorf("incompatible types for comparison: %T and %T", a, b)
			}
		default:
			// Same kind, or both nil or the credentials: Go's == on
			// the values is text/template's comparison.
			equal = a == b
		}
		if equal {
			return true, nil
		}
	}
	return false, nil
}

func lt(a, b value) (bool, error) {
	ka, kb := kindOf(a), kindOf(b)
	if ka == "" || kb == "" {
		return false, errors.New("invalid type for comparison")
	}
	switch {
	case ka == "int" && kb == "uint":
		return a.(int) < int(b.(uint8)), nil
	case ka == "uint" && kb == "int":
		return int(a.(uint8)) < b.(int), nil
	case ka != kb:
		return false, fmt.Errorf("incompatible types for comparison: %T and %T", a, b)
	}
	switch a := a.(type) {
	case int:
		return a < b.(int), nil
	case uint8:
		return a < b.(uint8), nil
	case float64:
		return a < b.(float64), nil
	case string:
		return a < b.(string), nil
	}
	return false, errors.New("invalid type for comparison")
}
