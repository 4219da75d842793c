// Package argocd_test runs the Argo CD health check and the rotate action
// of this directory with a Lua interpreter (gopher-lua, Lua 5.1 as Argo CD
// runs it) against OAuthClients, AuthServers and ClusterAuthServers in every
// phase the operator reports, and keeps argocd-cm.yaml equal to the scripts.
package argocd_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	lua "github.com/yuin/gopher-lua"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"sigs.k8s.io/yaml"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

func script(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name) //nolint:gosec // G304: a file of this directory, named by the test
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// run executes src with obj as the global obj, with the libraries Argo
// CD's sandbox opens, and returns what it returns.
func run(t *testing.T, src string, obj runtime.Object) *lua.LTable {
	t.Helper()
	u, err := runtime.DefaultUnstructuredConverter.ToUnstructured(obj)
	if err != nil {
		t.Fatal(err)
	}
	L := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer L.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{{lua.BaseLibName, lua.OpenBase}, {lua.TabLibName, lua.OpenTable}, {lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath}, {lua.OsLibName, lua.OpenOs}} {
		L.Push(L.NewFunction(lib.open))
		L.Push(lua.LString(lib.name))
		L.Call(1, 0)
	}
	L.SetGlobal("obj", toLua(L, u))
	if err := L.DoString(src); err != nil {
		t.Fatalf("lua: %v", err)
	}
	ret, ok := L.Get(-1).(*lua.LTable)
	if !ok {
		t.Fatalf("the script returned %s, not a table", L.Get(-1).Type())
	}
	return ret
}

func toLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case map[string]any:
		t := L.NewTable()
		for k, e := range v {
			t.RawSetString(k, toLua(L, e))
		}
		return t
	case []any:
		t := L.NewTable()
		for _, e := range v {
			t.Append(toLua(L, e))
		}
		return t
	case string:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case nil:
		return lua.LNil
	}
	panic("unexpected type in an object")
}

func ready(status metav1.ConditionStatus, reason, message string, generation int64) []metav1.Condition {
	return []metav1.Condition{{
		Type: v1alpha1.ConditionReady, Status: status, Reason: reason, Message: message,
		ObservedGeneration: generation, LastTransitionTime: metav1.Now(),
	}}
}

// phase is an object as the operator leaves it, and the health Argo CD
// should show.
type phase struct {
	name    string
	obj     runtime.Object
	health  string
	message string // a part of the message
}

func oauthClientPhases() []phase {
	oac := func(generation, observed int64, conds []metav1.Condition, mutate ...func(*v1alpha1.OAuthClient)) *v1alpha1.OAuthClient {
		o := &v1alpha1.OAuthClient{
			TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindOAuthClient},
			ObjectMeta: metav1.ObjectMeta{Name: "billing", Namespace: "team-a", Generation: generation},
			Spec:       v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "corp"}},
			Status:     v1alpha1.OAuthClientStatus{ObservedGeneration: observed, Conditions: conds},
		}
		for _, m := range mutate {
			m(o)
		}
		return o
	}
	deleting := func(o *v1alpha1.OAuthClient) {
		now := metav1.NewTime(time.Now())
		o.DeletionTimestamp = &now
		o.Finalizers = []string{v1alpha1.Finalizer}
	}
	disabled := func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true }
	phases := []phase{
		{"just applied", oac(1, 0, nil), "Progressing", "Waiting for the operator"},
		{"ready", oac(1, 1, ready(metav1.ConditionTrue, v1alpha1.ReasonReady, "client abc is registered", 1)), "Healthy", "registered"},
		{"spec changed", oac(2, 1, ready(metav1.ConditionTrue, v1alpha1.ReasonReady, "client abc is registered", 1)), "Progressing", "generation 2"},
		{"condition of an older generation", oac(2, 2, ready(metav1.ConditionTrue, v1alpha1.ReasonReady, "ok", 1)), "Progressing", "generation 2"},
		{"disabled", oac(2, 2, ready(metav1.ConditionTrue, v1alpha1.ReasonDisabled, "disabled at the server", 2), disabled), "Suspended", "disabled at the server"},
		{"being deleted", oac(1, 1, ready(metav1.ConditionFalse, v1alpha1.ReasonDeleting, "removing the client", 1), deleting), "Progressing", "deleted"},
		{"unknown", oac(1, 1, ready(metav1.ConditionUnknown, "Reconciling", "", 1)), "Progressing", "Reconciling"},
	}
	for _, reason := range []string{v1alpha1.ReasonRateLimited, v1alpha1.ReasonServerNotReady, v1alpha1.ReasonCredentialsSourceMissing} {
		phases = append(phases, phase{"waiting: " + reason, oac(1, 1, ready(metav1.ConditionFalse, reason, "try later", 1)), "Progressing", reason})
	}
	for _, reason := range []string{
		v1alpha1.ReasonServerNotFound, v1alpha1.ReasonServerUnavailable, v1alpha1.ReasonUnauthorized,
		v1alpha1.ReasonInvalidMetadata, v1alpha1.ReasonSecretConflict, v1alpha1.ReasonInvalidTemplate, v1alpha1.ReasonProviderError,
	} {
		phases = append(phases, phase{"failed: " + reason, oac(1, 1, ready(metav1.ConditionFalse, reason, "what to change", 1)), "Degraded", reason + ": what to change"})
	}
	return phases
}

func serverPhases() []phase {
	var phases []phase
	for _, kind := range []v1alpha1.ServerKind{v1alpha1.KindAuthServer, v1alpha1.KindClusterAuthServer} {
		server := func(generation, observed int64, conds []metav1.Condition) runtime.Object {
			meta := metav1.ObjectMeta{Name: "corp", Generation: generation}
			tm := metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: string(kind)}
			st := v1alpha1.AuthServerStatus{ObservedGeneration: observed, Conditions: conds}
			if kind == v1alpha1.KindClusterAuthServer {
				return &v1alpha1.ClusterAuthServer{TypeMeta: tm, ObjectMeta: meta, Status: st}
			}
			meta.Namespace = "team-a"
			return &v1alpha1.AuthServer{TypeMeta: tm, ObjectMeta: meta, Status: st}
		}
		k := string(kind) + " "
		phases = append(phases,
			phase{k + "just applied", server(1, 0, nil), "Progressing", "Waiting"},
			phase{k + "ready", server(1, 1, ready(metav1.ConditionTrue, v1alpha1.ReasonReady, "discovered", 1)), "Healthy", "discovered"},
			phase{k + "spec changed", server(3, 2, ready(metav1.ConditionTrue, v1alpha1.ReasonReady, "discovered", 2)), "Progressing", "generation 3"},
			phase{k + "in use while deleted", server(1, 1, ready(metav1.ConditionFalse, v1alpha1.ReasonDeleting, "2 OAuthClients use it", 1)), "Progressing", "Deleting"},
		)
		for _, reason := range []string{v1alpha1.ReasonDiscoveryFailed, v1alpha1.ReasonCredentialsMissing, v1alpha1.ReasonCredentialsRefused, v1alpha1.ReasonProviderError} {
			phases = append(phases, phase{k + "failed: " + reason, server(1, 1, ready(metav1.ConditionFalse, reason, "fix it", 1)), "Degraded", reason})
		}
	}
	return phases
}

func TestHealth(t *testing.T) {
	src := script(t, "health.lua")
	for _, p := range append(oauthClientPhases(), serverPhases()...) {
		t.Run(p.name, func(t *testing.T) {
			hs := run(t, src, p.obj)
			status, message := hs.RawGetString("status").String(), hs.RawGetString("message").String()
			if status != p.health {
				t.Errorf("health %s (%q), want %s", status, message, p.health)
			}
			if !strings.Contains(message, p.message) {
				t.Errorf("message %q lacks %q", message, p.message)
			}
		})
	}
}

func TestRotateAction(t *testing.T) {
	oac := &v1alpha1.OAuthClient{
		TypeMeta:   metav1.TypeMeta{APIVersion: v1alpha1.GroupVersion.String(), Kind: v1alpha1.KindOAuthClient},
		ObjectMeta: metav1.ObjectMeta{Name: "billing", Namespace: "team-a", Annotations: map[string]string{"team": "a"}},
	}
	actions := run(t, script(t, "rotate-discovery.lua"), oac)
	rotate, ok := actions.RawGetString("rotate").(*lua.LTable)
	if !ok || rotate.RawGetString("disabled") != lua.LFalse {
		t.Fatalf("discovery offers no enabled rotate action: %v", actions.RawGetString("rotate"))
	}
	oac.Spec.Disabled = true
	if run(t, script(t, "rotate-discovery.lua"), oac).RawGetString("rotate").(*lua.LTable).RawGetString("disabled") != lua.LTrue {
		t.Error("rotate is offered for a disabled client")
	}

	for _, annotations := range []map[string]string{nil, {"team": "a", v1alpha1.AnnotationRotateRequestedAt: "before"}} {
		oac.Annotations = annotations
		out := run(t, script(t, "rotate-action.lua"), oac)
		got := out.RawGetString("metadata").(*lua.LTable).RawGetString("annotations").(*lua.LTable)
		value := got.RawGetString(v1alpha1.AnnotationRotateRequestedAt).String()
		if !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`).MatchString(value) {
			t.Errorf("annotation %s=%q, want an RFC 3339 time", v1alpha1.AnnotationRotateRequestedAt, value)
		}
		if annotations != nil && got.RawGetString("team").String() != "a" {
			t.Error("the action dropped another annotation")
		}
	}
}

// TestArgoCDConfigMapHoldsTheScripts: argocd-cm.yaml installs exactly the
// tested scripts, for each kind.
func TestArgoCDConfigMapHoldsTheScripts(t *testing.T) {
	var cm struct {
		Data map[string]string `json:"data"`
	}
	if err := yaml.UnmarshalStrict([]byte(script(t, "argocd-cm.yaml")), &cm); err != nil {
		t.Fatal(err)
	}
	health := script(t, "health.lua")
	for _, kind := range []string{"OAuthClient", "AuthServer", "ClusterAuthServer"} {
		key := "resource.customizations.health.oauth.clientoperator.io_" + kind
		if cm.Data[key] != health {
			t.Errorf("%s is not health.lua", key)
		}
	}
	var actions struct {
		Discovery   string `json:"discovery.lua"`
		Definitions []struct {
			Name   string `json:"name"`
			Action string `json:"action.lua"`
		} `json:"definitions"`
	}
	if err := yaml.UnmarshalStrict([]byte(cm.Data["resource.customizations.actions.oauth.clientoperator.io_OAuthClient"]), &actions); err != nil {
		t.Fatal(err)
	}
	if actions.Discovery != script(t, "rotate-discovery.lua") {
		t.Error("discovery.lua is not rotate-discovery.lua")
	}
	if len(actions.Definitions) != 1 || actions.Definitions[0].Name != "rotate" || actions.Definitions[0].Action != script(t, "rotate-action.lua") {
		t.Error("the rotate definition is not rotate-action.lua")
	}
	if len(cm.Data) != 4 {
		t.Errorf("argocd-cm.yaml has %d keys, want 4", len(cm.Data))
	}
}
