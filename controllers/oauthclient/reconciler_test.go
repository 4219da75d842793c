package oauthclient

// Fast reconciler tests: the real Reconciler, store.Store and
// writer.Writer against controller-runtime's fake client and an in-memory
// authorization server (fakeProvider). No API server, no envtest: each case
// takes milliseconds. What needs a real API server (RBAC, the cache and its
// label selector, garbage collection, watches) stays in the envtest suites
// in controllers/.
//
// The fake client does server-side apply (its FieldManagedObjectTracker
// keeps managed fields per field manager and removes fields a manager no
// longer applies), so writer.Writer's Apply runs unchanged; with
// WithReturnManagedFields it returns the managed fields that
// delivery.UpToDate reads to tell that a Secret needs no write.

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/oauthclient/writer"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/delivery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record/store"
)

const (
	tenantNamespace   = "team"
	operatorNamespace = "operator-system"
	serverName        = "auth"
	testIssuer        = "https://auth.example.test"
	testTokenURL      = testIssuer + "/token"
	tokenKey          = "registration_access_token"
)

// ---------------------------------------------------------------------------
// fakeProvider: an in-memory authorization server.

// fakeProvider is an authorization server in memory. Its capabilities are
// switchable, errors can be injected per method, and every call is counted.
// Like an RFC 7592 server it hands out a registration access token with
// each client and refuses calls that do not bring it back, so a test also
// proves that the provider state survives in the record.
type fakeProvider struct {
	mu   sync.Mutex
	caps provider.Capabilities
	// secretTTL: each secret the server issues expires this long after;
	// zero: never.
	secretTTL time.Duration

	clients map[string]*provider.Client
	tokens  map[string]string
	// errs are returned by the named method ("Create", "Observe", ...)
	// until cleared.
	errs  map[string]error
	calls map[string]int
	// issued are all secrets and tokens the server handed out, to check
	// that none shows up in a status message or an event.
	issued []string
	n      int
}

func newFakeProvider(caps provider.Capabilities) *fakeProvider {
	return &fakeProvider{
		caps: caps, clients: map[string]*provider.Client{}, tokens: map[string]string{},
		errs: map[string]error{}, calls: map[string]int{},
	}
}

// fail makes method return err until fail(method, nil).
func (f *fakeProvider) fail(method string, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err == nil {
		delete(f.errs, method)
		return
	}
	f.errs[method] = err
}

// count is how often method was called.
func (f *fakeProvider) count(method string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[method]
}

// writes counts the calls that change something at the server.
func (f *fakeProvider) writes() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls["Create"] + f.calls["Update"] + f.calls["Delete"] + f.calls["RotateSecret"] + f.calls["SetEnabled"]
}

// client is the server's copy of a client; nil when it does not know it.
func (f *fakeProvider) client(id string) *provider.Client {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.clients[id]
	if !ok {
		return nil
	}
	out := cloneClient(c)
	return &out
}

// ids are the clients the server knows, sorted.
func (f *fakeProvider) ids() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Sorted(maps.Keys(f.clients))
}

// change edits a client at the server, as someone with access to it would.
func (f *fakeProvider) change(id string, edit func(*provider.Client)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	edit(f.clients[id])
}

// forget deletes a client at the server behind the operator's back.
func (f *fakeProvider) forget(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.clients, id)
}

func (f *fakeProvider) secrets() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.issued)
}

// begin counts a call and returns its injected error. f.mu must be held.
func (f *fakeProvider) begin(method string) error {
	f.calls[method]++
	return f.errs[method]
}

// lookup finds a client and checks its registration access token. f.mu
// must be held.
func (f *fakeProvider) lookup(doing, id string, state provider.State) (*provider.Client, error) {
	c, ok := f.clients[id]
	if !ok {
		return nil, fmt.Errorf("%s client %s: %w", doing, id, provider.ErrNotFound)
	}
	if state[tokenKey] != f.tokens[id] {
		return nil, provider.Errorf(provider.KindUnauthorized, "%s client %s: the registration access token is not the one issued", doing, id)
	}
	return c, nil
}

func (f *fakeProvider) newSecret() (string, time.Time) {
	f.n++
	s := fmt.Sprintf("s3cret-%03d", f.n)
	f.issued = append(f.issued, s)
	var exp time.Time
	if f.secretTTL > 0 {
		// Servers report expiry in whole seconds (RFC 7591 client_secret_expires_at).
		exp = time.Now().Add(f.secretTTL).UTC().Truncate(time.Second)
	}
	return s, exp
}

func (f *fakeProvider) Capabilities() provider.Capabilities {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.caps
}

func (f *fakeProvider) Observe(_ context.Context, id string, state provider.State) (provider.Client, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Observe"); err != nil {
		return provider.Client{}, err
	}
	c, err := f.lookup("reading", id, state)
	if err != nil {
		return provider.Client{}, err
	}
	out := cloneClient(c)
	if !f.caps.SecretReadable {
		out.ClientSecret = ""
	}
	return out, nil
}

func (f *fakeProvider) Create(_ context.Context, spec provider.ClientSpec) (provider.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Create"); err != nil {
		return provider.Result{}, err
	}
	f.n++
	id := fmt.Sprintf("client-%03d", f.n)
	if f.caps.CallerChosenID && spec.ClientID != "" {
		if _, taken := f.clients[spec.ClientID]; taken {
			return provider.Result{}, fmt.Errorf("registering client %s: %w", spec.ClientID, provider.ErrConflict)
		}
		id = spec.ClientID
	}
	c := &provider.Client{ClientID: id, Spec: cloneSpec(spec), Enabled: true}
	if spec.TokenEndpointAuthMethod != "none" {
		c.ClientSecret, c.SecretExpiresAt = f.newSecret()
	}
	f.clients[id] = c
	f.tokens[id] = "rat-" + id
	f.issued = append(f.issued, f.tokens[id])
	return provider.Result{Client: cloneClient(c), State: provider.State{tokenKey: f.tokens[id]}}, nil
}

func (f *fakeProvider) Update(_ context.Context, id string, state provider.State, spec provider.ClientSpec) (provider.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Update"); err != nil {
		return provider.Result{}, err
	}
	c, err := f.lookup("updating", id, state)
	if err != nil {
		return provider.Result{}, err
	}
	c.Spec = cloneSpec(spec)
	out := cloneClient(c)
	out.ClientSecret = "" // like most servers: an update does not return the secret
	return provider.Result{Client: out}, nil
}

func (f *fakeProvider) Delete(_ context.Context, id string, state provider.State) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("Delete"); err != nil {
		return err
	}
	if _, ok := f.clients[id]; !ok {
		return nil
	}
	if _, err := f.lookup("deleting", id, state); err != nil {
		return err
	}
	delete(f.clients, id)
	return nil
}

func (f *fakeProvider) RotateSecret(_ context.Context, id string, state provider.State) (provider.Result, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("RotateSecret"); err != nil {
		return provider.Result{}, err
	}
	if !f.caps.RegenerateSecret && !f.caps.OverlapSecrets {
		return provider.Result{}, provider.Errorf(provider.KindUnsupported, "this server cannot rotate a secret")
	}
	c, err := f.lookup("rotating the secret of", id, state)
	if err != nil {
		return provider.Result{}, err
	}
	c.ClientSecret, c.SecretExpiresAt = f.newSecret()
	return provider.Result{Client: cloneClient(c)}, nil
}

// List is unsupported: the reconciler does not list (yet).
func (f *fakeProvider) List(context.Context, string, string) ([]provider.Client, string, error) {
	return nil, "", provider.Errorf(provider.KindUnsupported, "this server cannot list clients")
}

func (f *fakeProvider) SetEnabled(_ context.Context, id string, state provider.State, enabled bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.begin("SetEnabled"); err != nil {
		return err
	}
	if !f.caps.NativeDisable {
		return provider.Errorf(provider.KindUnsupported, "this server cannot disable a client")
	}
	c, err := f.lookup("switching", id, state)
	if err != nil {
		return err
	}
	c.Enabled = enabled
	return nil
}

// sameSet compares string lists ignoring order.
func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}

func cloneSpec(s provider.ClientSpec) provider.ClientSpec {
	s.GrantTypes = slices.Clone(s.GrantTypes)
	s.Scopes = slices.Clone(s.Scopes)
	s.Audience = slices.Clone(s.Audience)
	s.RedirectURIs = slices.Clone(s.RedirectURIs)
	s.Extra = maps.Clone(s.Extra)
	return s
}

func cloneClient(c *provider.Client) provider.Client {
	out := *c
	out.Spec = cloneSpec(c.Spec)
	return out
}

// ---------------------------------------------------------------------------
// writeLog: the writes the reconciler makes to the API server.

// write is one write to the API server.
type write struct {
	verb, kind, namespace, name string
	status                      bool
}

// what names the object written, for counting: "record" (the private
// record in the operator's namespace), "secret" (the delivered Secret),
// "oauthclient" (its metadata) or "status".
func (w write) what() string {
	switch {
	case w.status:
		return "status"
	case w.kind == "Secret" && w.namespace == operatorNamespace:
		return "record"
	case w.kind == "Secret":
		return "secret"
	default:
		return strings.ToLower(w.kind)
	}
}

func (w write) String() string {
	s := w.verb + " " + w.kind + " " + w.namespace + "/" + w.name
	if w.status {
		s += " (status)"
	}
	return s
}

type writeLog struct {
	mu  sync.Mutex
	log []write
}

func (l *writeLog) add(w write) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = append(l.log, w)
}

func (l *writeLog) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.log = nil
}

// of lists the writes of what ("" for all).
func (l *writeLog) of(what string) []write {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []write
	for _, w := range l.log {
		if what == "" || w.what() == what {
			out = append(out, w)
		}
	}
	return out
}

// counting wraps the fake client so that every write is logged, then
// passed through unchanged.
func counting(c client.WithWatch, l *writeLog) client.WithWatch {
	objWrite := func(c client.Client, verb string, obj client.Object, status bool) {
		kind := "?"
		if gvk, err := c.GroupVersionKindFor(obj); err == nil {
			kind = gvk.Kind
		}
		l.add(write{verb: verb, kind: kind, namespace: obj.GetNamespace(), name: obj.GetName(), status: status})
	}
	return interceptor.NewClient(c, interceptor.Funcs{
		Create: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.CreateOption) error {
			objWrite(c, "create", obj, false)
			return c.Create(ctx, obj, opts...)
		},
		Update: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.UpdateOption) error {
			objWrite(c, "update", obj, false)
			return c.Update(ctx, obj, opts...)
		},
		Patch: func(ctx context.Context, c client.WithWatch, obj client.Object, patch client.Patch, opts ...client.PatchOption) error {
			objWrite(c, "patch", obj, false)
			return c.Patch(ctx, obj, patch, opts...)
		},
		Delete: func(ctx context.Context, c client.WithWatch, obj client.Object, opts ...client.DeleteOption) error {
			objWrite(c, "delete", obj, false)
			return c.Delete(ctx, obj, opts...)
		},
		Apply: func(ctx context.Context, c client.WithWatch, obj runtime.ApplyConfiguration, opts ...client.ApplyOption) error {
			u := &unstructured.Unstructured{}
			if b, err := json.Marshal(obj); err == nil {
				_ = json.Unmarshal(b, &u.Object)
			}
			l.add(write{verb: "apply", kind: u.GetKind(), namespace: u.GetNamespace(), name: u.GetName()})
			return c.Apply(ctx, obj, opts...)
		},
		SubResourcePatch: func(ctx context.Context, c client.Client, sub string, obj client.Object, patch client.Patch, opts ...client.SubResourcePatchOption) error {
			objWrite(c, "patch", obj, sub == "status")
			return c.SubResource(sub).Patch(ctx, obj, patch, opts...)
		},
		SubResourceUpdate: func(ctx context.Context, c client.Client, sub string, obj client.Object, opts ...client.SubResourceUpdateOption) error {
			objWrite(c, "update", obj, sub == "status")
			return c.SubResource(sub).Update(ctx, obj, opts...)
		},
	})
}

// ---------------------------------------------------------------------------
// env: one OAuthClient, its server and the reconciler.

// server says how the client's AuthServer appears to the reconciler.
type server int

const (
	// serverReady: Ready, and this process is connected to it (it is in
	// the registry).
	serverReady server = iota
	// serverNotReady: the AuthServer exists but is not Ready.
	serverNotReady
	// serverNotConnected: Ready in its status, but not yet in this
	// process's registry (just started, or just became leader).
	serverNotConnected
	// serverMissing: there is no such AuthServer.
	serverMissing
)

type config struct {
	caps      provider.Capabilities
	secretTTL time.Duration
	server    server
	// edit shapes the OAuthClient before it is created.
	edit func(*v1alpha1.OAuthClient)
	// objects are created alongside (a foreign Secret, say).
	objects []client.Object
}

type env struct {
	t      *testing.T
	ctx    context.Context
	api    client.WithWatch // the fake API server without the write log: for setup and assertions
	r      *Reconciler
	srv    *fakeProvider
	rec    *events.FakeRecorder
	writes *writeLog
	key    types.NamespacedName
	uid    types.UID
	events []string // events drained so far
}

func newEnv(t *testing.T, cfg config) *env {
	t.Helper()
	oac := &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tenantNamespace, UID: "uid-app", Generation: 1},
		Spec: v1alpha1.OAuthClientSpec{
			ServerRef: v1alpha1.ServerReference{Name: serverName},
			Scopes:    []string{"read", "write"},
		},
	}
	if cfg.edit != nil {
		cfg.edit(oac)
	}
	as := &v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Name: serverName, Namespace: tenantNamespace, Generation: 1}}
	ready := metav1.Condition{Type: v1alpha1.ConditionReady, Status: metav1.ConditionTrue, Reason: v1alpha1.ReasonReady, ObservedGeneration: 1, LastTransitionTime: metav1.Now()}
	if cfg.server == serverNotReady {
		ready.Status, ready.Reason, ready.Message = metav1.ConditionFalse, v1alpha1.ReasonDiscoveryFailed, "no metadata at "+testIssuer
	}
	as.Status.Conditions = []metav1.Condition{ready}

	objs := append([]client.Object{oac}, cfg.objects...)
	if cfg.server != serverMissing {
		objs = append(objs, as)
	}
	api := fake.NewClientBuilder().
		WithScheme(scheme.New()).
		WithStatusSubresource(&v1alpha1.OAuthClient{}, &v1alpha1.AuthServer{}, &v1alpha1.ClusterAuthServer{}).
		WithReturnManagedFields().
		WithObjects(objs...).
		Build()

	fp := newFakeProvider(cfg.caps)
	fp.secretTTL = cfg.secretTTL
	registry := servers.NewRegistry()
	if cfg.server == serverReady {
		registry.Set(servers.KeyOfObject(as), &servers.Server{
			Provider:  fp,
			Endpoints: provider.Endpoints{Issuer: testIssuer, Token: testTokenURL, Registration: testIssuer + "/register"},
		}, "fp", as)
	}

	e := &env{
		t: t, ctx: context.Background(), api: api, srv: fp,
		rec: events.NewFakeRecorder(1000), writes: &writeLog{},
		key: client.ObjectKeyFromObject(oac), uid: oac.UID,
	}
	c := counting(api, e.writes)
	e.r = &Reconciler{
		Client: c, APIReader: c, Recorder: e.rec, Servers: registry,
		OperatorNamespace: operatorNamespace, ResyncPeriod: 10 * time.Minute,
	}
	// What SetupWithManager does, without a manager.
	e.r.records = store.New(recordAPI{client: e.r.Client, reader: e.r.APIReader}, e.r.OperatorNamespace)
	e.r.secrets = &writer.Writer{Client: e.r.Client, Reader: e.r.APIReader}
	t.Cleanup(e.noSecretInMessages)
	return e
}

// reconcile runs one reconcile and drains its events.
func (e *env) reconcile() (reconcile.Result, error) {
	e.t.Helper()
	res, err := e.r.Reconcile(e.ctx, reconcile.Request{NamespacedName: e.key})
	e.drain()
	return res, err
}

// ok runs one reconcile that must succeed.
func (e *env) ok() reconcile.Result {
	e.t.Helper()
	res, err := e.reconcile()
	if err != nil {
		e.t.Fatalf("reconcile: %v", err)
	}
	return res
}

// registered reconciles a new client to Ready and forgets the writes.
func (e *env) registered() string {
	e.t.Helper()
	e.ok()
	e.wantReady(v1alpha1.ReasonReady)
	id := e.oac().Status.ClientID
	if id == "" {
		e.t.Fatal("no client registered")
	}
	e.writes.reset()
	return id
}

func (e *env) drain() {
	for {
		select {
		case ev := <-e.rec.Events:
			e.events = append(e.events, ev)
		default:
			return
		}
	}
}

// later makes the next reconcile read the remote client again, as a resync
// after the "recently synced" window does.
func (e *env) later() { e.r.synced = syncMarks{} }

func (e *env) oac() *v1alpha1.OAuthClient {
	e.t.Helper()
	oac := &v1alpha1.OAuthClient{}
	if err := e.api.Get(e.ctx, e.key, oac); err != nil {
		e.t.Fatalf("reading the OAuthClient: %v", err)
	}
	return oac
}

// update changes the OAuthClient as kubectl would; a spec change bumps the
// generation, which the fake client does not do itself.
func (e *env) update(edit func(*v1alpha1.OAuthClient)) {
	e.t.Helper()
	oac := e.oac()
	spec := oac.Spec.DeepCopy()
	edit(oac)
	if !equalJSON(spec, &oac.Spec) {
		oac.Generation++
	}
	if err := e.api.Update(e.ctx, oac); err != nil {
		e.t.Fatalf("updating the OAuthClient: %v", err)
	}
}

func equalJSON(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

// requestRotation sets the rotate-requested-at annotation to value.
func (e *env) requestRotation(value string) {
	e.update(func(o *v1alpha1.OAuthClient) {
		if o.Annotations == nil {
			o.Annotations = map[string]string{}
		}
		o.Annotations[v1alpha1.AnnotationRotateRequestedAt] = value
	})
}

// remove deletes the OAuthClient; its finalizer keeps it, with a deletion
// timestamp.
func (e *env) remove() {
	e.t.Helper()
	if err := e.api.Delete(e.ctx, e.oac()); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) oacGone() bool {
	err := e.api.Get(e.ctx, e.key, &v1alpha1.OAuthClient{})
	return apierrors.IsNotFound(err)
}

// secret is the delivered Secret; nil when absent.
func (e *env) secret() *corev1.Secret {
	e.t.Helper()
	sec := &corev1.Secret{}
	err := e.api.Get(e.ctx, types.NamespacedName{Namespace: tenantNamespace, Name: "app"}, sec)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	return sec
}

// record is the private record as the API server holds it (not the
// store's memory); nil when absent.
func (e *env) record() *record.Record {
	e.t.Helper()
	sec := &corev1.Secret{}
	err := e.api.Get(e.ctx, types.NamespacedName{Namespace: operatorNamespace, Name: record.SecretName(e.uid)}, sec)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		e.t.Fatal(err)
	}
	rec, err := record.Decode(sec.Data)
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// editRecord changes the record durably (through the store, which also
// keeps it in memory), as if time had passed since it was written.
func (e *env) editRecord(edit func(*record.Record)) {
	e.t.Helper()
	oac := e.oac()
	rec, err := e.r.records.Load(e.ctx, oac)
	if err != nil || rec == nil {
		e.t.Fatalf("loading the record: %v, %v", rec, err)
	}
	edit(rec)
	if err := e.r.records.Save(e.ctx, oac, rec); err != nil {
		e.t.Fatal(err)
	}
	e.writes.reset()
}

func (e *env) ready() *metav1.Condition {
	return meta.FindStatusCondition(e.oac().Status.Conditions, v1alpha1.ConditionReady)
}

// wantReady checks the Ready condition's reason (and with it its status).
func (e *env) wantReady(reason string) *metav1.Condition {
	e.t.Helper()
	c := e.ready()
	if c == nil {
		e.t.Fatalf("no Ready condition; want reason %s", reason)
	}
	want := metav1.ConditionTrue
	if reason != v1alpha1.ReasonReady && reason != v1alpha1.ReasonDisabled {
		want = metav1.ConditionFalse
	}
	if c.Reason != reason || c.Status != want {
		e.t.Fatalf("Ready = %s/%s (%s); want %s/%s", c.Status, c.Reason, c.Message, want, reason)
	}
	return c
}

// wantEvent checks that an event of type and reason was recorded.
func (e *env) wantEvent(eventType, reason string) string {
	e.t.Helper()
	for _, ev := range e.events {
		if strings.HasPrefix(ev, eventType+" "+reason+" ") {
			return ev
		}
	}
	e.t.Errorf("no %s event %s; events: %q", eventType, reason, e.events)
	return ""
}

// wantWrites checks how many writes of what the last steps made.
func (e *env) wantWrites(what string, n int) {
	e.t.Helper()
	if got := e.writes.of(what); len(got) != n {
		name := what
		if name == "" {
			name = "API"
		}
		e.t.Errorf("%d %s write(s), want %d: %v", len(got), name, n, got)
	}
}

// wantCalls checks how often the server saw method.
func (e *env) wantCalls(method string, n int) {
	e.t.Helper()
	if got := e.srv.count(method); got != n {
		e.t.Errorf("%s called %d time(s) at the server, want %d", method, got, n)
	}
}

// nothingRegistered checks that no client exists at the server and the
// operator recorded and delivered nothing.
func (e *env) nothingRegistered() {
	e.t.Helper()
	e.wantCalls("Create", 0)
	if ids := e.srv.ids(); len(ids) > 0 {
		e.t.Errorf("clients at the server: %v", ids)
	}
	if rec := e.record(); rec != nil {
		e.t.Errorf("a record was saved for client %s", rec.ClientID)
	}
	if e.oac().Status.ClientID != "" {
		e.t.Errorf("status.clientID = %q, want empty", e.oac().Status.ClientID)
	}
}

// noSecretInMessages checks that no secret or token the server issued
// appears in a status message or an event.
func (e *env) noSecretInMessages() {
	e.drain()
	var texts []string
	texts = append(texts, e.events...)
	oac := &v1alpha1.OAuthClient{}
	if err := e.api.Get(e.ctx, e.key, oac); err == nil {
		for _, c := range oac.Status.Conditions {
			texts = append(texts, c.Message)
		}
		texts = append(texts, oac.Status.LastRotationReason)
	}
	for _, s := range e.srv.secrets() {
		for _, text := range texts {
			if strings.Contains(text, s) {
				e.t.Errorf("a secret the server issued appears in %q", text)
			}
		}
	}
}

// data is a key of the delivered Secret ("" when absent).
func data(sec *corev1.Secret, key string) string { return string(sec.Data[key]) }

func timeOf(t *metav1.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return t.Time
}

// about checks that got is within a few seconds of want.
func about(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if d := got.Sub(want); d < -3*time.Second || d > 3*time.Second {
		t.Errorf("%s = %s, want about %s", what, got.UTC().Format(time.RFC3339), want.UTC().Format(time.RFC3339))
	}
}

func withRotation(r v1alpha1.RotationPolicy) func(*v1alpha1.OAuthClient) {
	return func(o *v1alpha1.OAuthClient) { o.Spec.Rotation = &r }
}

func hours(h float64) *metav1.Duration {
	return &metav1.Duration{Duration: time.Duration(h * float64(time.Hour))}
}

// ---------------------------------------------------------------------------
// The cases.

func TestReconcile(t *testing.T) {
	cases := []struct {
		name string
		cfg  config
		run  func(t *testing.T, e *env)
	}{
		{
			name: "fresh client is registered, recorded, delivered and Ready",
			run: func(t *testing.T, e *env) {
				res := e.ok()
				e.wantCalls("Create", 1)
				ids := e.srv.ids()
				if len(ids) != 1 {
					t.Fatalf("clients at the server: %v, want one", ids)
				}
				id := ids[0]
				remote := e.srv.client(id)
				if !slices.Equal(remote.Spec.Scopes, []string{"read", "write"}) || remote.Spec.ClientName != "team/app" {
					t.Errorf("registered %+v, want the spec's scopes and the default name", remote.Spec)
				}

				rec := e.record()
				if rec == nil || rec.ClientID != id || rec.ClientSecret != remote.ClientSecret || rec.Version != 1 || rec.Provider[tokenKey] == "" {
					t.Fatalf("record = %+v; want client %s, its secret, version 1 and the registration token", rec, id)
				}
				e.wantWrites("record", 1)

				sec := e.secret()
				if sec == nil {
					t.Fatal("no Secret delivered")
				}
				want := map[string]string{
					delivery.KeyClientID: id, delivery.KeyClientSecret: remote.ClientSecret,
					delivery.KeyTokenURL: testTokenURL, delivery.KeyIssuer: testIssuer, delivery.KeyScope: "read write",
				}
				for k, v := range want {
					if data(sec, k) != v {
						t.Errorf("Secret %s = %q, want %q", k, data(sec, k), v)
					}
				}
				if len(sec.Data) != len(want) {
					t.Errorf("Secret keys %v, want %v", slices.Sorted(maps.Keys(sec.Data)), slices.Sorted(maps.Keys(want)))
				}
				if sec.Annotations[v1alpha1.AnnotationVersion] != "1" || sec.Annotations[v1alpha1.AnnotationClientID] != id {
					t.Errorf("Secret annotations %v", sec.Annotations)
				}
				if len(sec.OwnerReferences) != 1 || sec.OwnerReferences[0].UID != e.uid || !*sec.OwnerReferences[0].Controller {
					t.Errorf("Secret owners %+v, want the OAuthClient as controller", sec.OwnerReferences)
				}
				if sec.Labels[v1alpha1.LabelOAuthClientUID] != string(e.uid) || sec.Labels[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue {
					t.Errorf("Secret labels %v", sec.Labels)
				}
				e.wantWrites("secret", 1)
				if w := e.writes.of("secret"); len(w) == 1 && w[0].verb != "create" {
					t.Errorf("the new Secret was written by %s, want a create (it never takes over a Secret that exists)", w[0].verb)
				}

				oac := e.oac()
				c := e.wantReady(v1alpha1.ReasonReady)
				if oac.Status.ClientID != id || oac.Status.SecretVersion != 1 || oac.Status.SecretName != "app" || oac.Status.ObservedGeneration != 1 {
					t.Errorf("status = %+v", oac.Status)
				}
				if !strings.Contains(c.Message, id) {
					t.Errorf("Ready message %q does not name the client", c.Message)
				}
				if !slices.Contains(oac.Finalizers, v1alpha1.Finalizer) {
					t.Error("no finalizer")
				}
				if oac.Status.NextRotationTime != nil {
					t.Errorf("next rotation %v without schedule or expiry", oac.Status.NextRotationTime)
				}
				// The Ready condition says it; an event would be one more
				// API write per new client.
				if len(e.events) != 0 {
					t.Errorf("events %q; want none for a first registration", e.events)
				}
				if res.RequeueAfter <= 0 || res.RequeueAfter > 11*time.Minute {
					t.Errorf("RequeueAfter = %s, want about the resync period", res.RequeueAfter)
				}
			},
		},
		{
			name: "up to date: a resync reads the server and writes nothing",
			run: func(t *testing.T, e *env) {
				e.registered()
				observed := e.srv.count("Observe")
				serverWrites := e.srv.writes()

				e.later()
				e.ok()
				e.wantCalls("Observe", observed+1)
				if n := e.srv.writes(); n != serverWrites {
					t.Errorf("%d write(s) at the server, want none", n-serverWrites)
				}
				e.wantWrites("", 0) // no record, Secret, finalizer or status write
				e.wantReady(v1alpha1.ReasonReady)

				// Right after a sync the server is not even asked.
				e.ok()
				e.wantCalls("Observe", observed+1)
				e.wantWrites("", 0)
			},
		},
		{
			name: "drifted at the server: one Update, nothing else",
			run: func(t *testing.T, e *env) {
				id := e.registered()
				secretBefore := e.srv.client(id).ClientSecret
				e.srv.change(id, func(c *provider.Client) { c.Spec.Scopes = []string{"read"} })

				e.later()
				e.ok()
				e.wantCalls("Update", 1)
				e.wantCalls("Create", 1)
				e.wantCalls("RotateSecret", 0)
				if got := e.srv.client(id).Spec.Scopes; !sameSet(got, []string{"read", "write"}) {
					t.Errorf("scopes at the server = %v after the update", got)
				}
				if ev := e.wantEvent(corev1.EventTypeNormal, "Updated"); !strings.Contains(ev, "scopes") {
					t.Errorf("Updated event %q does not name the field", ev)
				}
				e.wantWrites("secret", 0)
				e.wantWrites("record", 0)
				if data(e.secret(), delivery.KeyClientSecret) != secretBefore {
					t.Error("the delivered secret changed")
				}
				e.wantReady(v1alpha1.ReasonReady)

				// A spec change is carried to the server and the Secret.
				e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Scopes = append(o.Spec.Scopes, "admin") })
				e.ok()
				e.wantCalls("Update", 2)
				if got := e.srv.client(id).Spec.Scopes; !sameSet(got, []string{"read", "write", "admin"}) {
					t.Errorf("scopes at the server = %v after the spec change", got)
				}
				if got := data(e.secret(), delivery.KeyScope); got != "read write admin" {
					t.Errorf("Secret scope = %q", got)
				}
				if e.oac().Status.ObservedGeneration != 2 {
					t.Errorf("observedGeneration = %d, want 2", e.oac().Status.ObservedGeneration)
				}
			},
		},
		{
			name: "deleted at the server: registered again, Warning ClientRecreated",
			run: func(t *testing.T, e *env) {
				old := e.registered()
				e.srv.forget(old)

				e.later()
				e.ok()
				e.wantCalls("Create", 2)
				ids := e.srv.ids()
				if len(ids) != 1 || ids[0] == old {
					t.Fatalf("clients at the server: %v, want one new one", ids)
				}
				id := ids[0]
				if ev := e.wantEvent(corev1.EventTypeWarning, "ClientRecreated"); !strings.Contains(ev, old) {
					t.Errorf("event %q does not name the lost client", ev)
				}
				if rec := e.record(); rec == nil || rec.ClientID != id || rec.Version != 2 {
					t.Errorf("record = %+v, want client %s at version 2", rec, id)
				}
				sec := e.secret()
				if data(sec, delivery.KeyClientID) != id || data(sec, delivery.KeyClientSecret) != e.srv.client(id).ClientSecret {
					t.Error("the Secret does not hold the new client")
				}
				if st := e.oac().Status; st.ClientID != id || st.SecretVersion != 2 {
					t.Errorf("status clientID %s version %d, want %s and 2", st.ClientID, st.SecretVersion, id)
				}
				e.wantReady(v1alpha1.ReasonReady)
			},
		},
		{
			name: "rotation due by schedule: Replace registers a new client, the old one retires later",
			cfg:  config{edit: withRotation(v1alpha1.RotationPolicy{Interval: hours(1)})},
			run: func(t *testing.T, e *env) {
				old := e.registered()
				rec := e.record()
				about(t, "next rotation", timeOf(e.oac().Status.NextRotationTime), rec.IssuedAt.Add(time.Hour))

				e.editRecord(func(r *record.Record) { r.IssuedAt = time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second) })
				e.ok()
				e.wantCalls("Create", 2)
				e.wantCalls("RotateSecret", 0)
				rec = e.record()
				if rec.ClientID == old || len(rec.Retiring) != 1 || rec.Retiring[0].ClientID != old {
					t.Fatalf("record = %+v; want a new client and %s retiring", rec, old)
				}
				about(t, "retire at", rec.Retiring[0].RetireAt, time.Now().Add(policy.DefaultGracePeriod))
				if e.srv.client(old) == nil {
					t.Error("the replaced client was deleted before its grace period ended")
				}
				if data(e.secret(), delivery.KeyClientID) != rec.ClientID {
					t.Error("the Secret does not hold the new client")
				}
				st := e.oac().Status
				if !strings.HasPrefix(st.LastRotationReason, "scheduled") || st.ClientID != rec.ClientID || st.SecretVersion != 2 {
					t.Errorf("status = %+v", st)
				}
				about(t, "last rotation", timeOf(st.LastRotationTime), time.Now())
				about(t, "next rotation", timeOf(st.NextRotationTime), time.Now().Add(time.Hour))
				e.wantEvent(corev1.EventTypeNormal, "Rotated")
				e.wantReady(v1alpha1.ReasonReady)

				e.later()
				e.ok()
				e.wantCalls("Create", 2) // not due again
			},
		},
		{
			name: "rotation by annotation: Regenerate, handled once",
			cfg: config{
				caps: provider.Capabilities{RegenerateSecret: true},
				edit: withRotation(v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyRegenerate}),
			},
			run: func(t *testing.T, e *env) {
				id := e.registered()
				first := e.srv.client(id).ClientSecret
				const at = "2026-01-02T03:04:05Z"
				e.requestRotation(at)

				e.ok()
				e.wantCalls("RotateSecret", 1)
				e.wantCalls("Create", 1)
				now := e.srv.client(id).ClientSecret
				if now == first {
					t.Fatal("the server's secret did not change")
				}
				sec := e.secret()
				if data(sec, delivery.KeyClientID) != id || data(sec, delivery.KeyClientSecret) != now {
					t.Error("the Secret does not hold the same client with the new secret")
				}
				if rec := e.record(); rec.HandledRequest != at || rec.ClientSecret != now || rec.Version != 2 {
					t.Errorf("record = %+v", rec)
				}
				if st := e.oac().Status; !strings.Contains(st.LastRotationReason, "requested by annotation") || st.SecretVersion != 2 {
					t.Errorf("status = %+v", st)
				}
				e.wantReady(v1alpha1.ReasonReady)

				// The same annotation does not rotate again, with or without
				// a read of the server.
				e.ok()
				e.later()
				e.ok()
				e.wantCalls("RotateSecret", 1)

				// A new value does.
				e.requestRotation("2026-01-03T00:00:00Z")
				e.ok()
				e.wantCalls("RotateSecret", 2)
			},
		},
		{
			name: "rotation due by server expiry: Overlap before the server expires the secret",
			cfg:  config{caps: provider.Capabilities{OverlapSecrets: true}, secretTTL: 48 * time.Hour},
			run: func(t *testing.T, e *env) {
				id := e.registered()
				exp := e.srv.client(id).SecretExpiresAt
				if got := timeOf(e.oac().Status.NextRotationTime); !got.Equal(exp.Add(-policy.ExpiryMargin)) {
					t.Errorf("next rotation %s, want an hour before the expiry %s", got, exp)
				}
				// The server now says the secret has expired.
				soon := time.Now().Add(-time.Second).UTC().Truncate(time.Second)
				e.srv.change(id, func(c *provider.Client) { c.SecretExpiresAt = soon })

				e.later()
				e.ok()
				e.wantCalls("RotateSecret", 1)
				e.wantCalls("Create", 1)
				c := e.srv.client(id)
				if data(e.secret(), delivery.KeyClientSecret) != c.ClientSecret {
					t.Error("the Secret does not hold the new secret")
				}
				st := e.oac().Status
				if !strings.Contains(st.LastRotationReason, "the server expires the secret") {
					t.Errorf("last rotation reason %q", st.LastRotationReason)
				}
				if got := timeOf(st.NextRotationTime); !got.Equal(c.SecretExpiresAt.Add(-policy.ExpiryMargin)) {
					t.Errorf("next rotation %s, want an hour before the new expiry %s", got, c.SecretExpiresAt)
				}
				e.wantReady(v1alpha1.ReasonReady)

				e.later()
				e.ok()
				e.wantCalls("RotateSecret", 1) // not due again
			},
		},
		{
			name: "next rotation time is stable whether or not the server is read",
			cfg:  config{secretTTL: 48 * time.Hour, edit: withRotation(v1alpha1.RotationPolicy{Interval: hours(100)})},
			run: func(t *testing.T, e *env) {
				e.registered()
				first := timeOf(e.oac().Status.NextRotationTime)
				if first.IsZero() {
					t.Fatal("no next rotation time for a server that expires secrets")
				}
				e.ok() // just synced: the server is not read
				e.later()
				e.ok() // read
				if got := timeOf(e.oac().Status.NextRotationTime); !got.Equal(first) {
					t.Errorf("next rotation moved from %s to %s", first, got)
				}
				e.wantWrites("status", 0)
			},
		},
		{
			name: "grace period over: the replaced client is deleted at the server",
			cfg:  config{edit: withRotation(v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace})},
			run: func(t *testing.T, e *env) {
				old := e.registered()
				e.requestRotation("now")
				e.ok()
				current := e.record().ClientID
				if len(e.srv.ids()) != 2 || current == old {
					t.Fatalf("after a Replace: clients %v, record client %s", e.srv.ids(), current)
				}
				e.wantCalls("Delete", 0)

				e.editRecord(func(r *record.Record) {
					r.Retiring[0].RetireAt = time.Now().Add(-time.Second).UTC().Truncate(time.Second)
				})
				e.ok()
				e.wantCalls("Delete", 1)
				if ids := e.srv.ids(); !slices.Equal(ids, []string{current}) {
					t.Errorf("clients at the server: %v, want only %s", ids, current)
				}
				if rec := e.record(); len(rec.Retiring) != 0 || rec.ClientID != current {
					t.Errorf("record = %+v; want %s and nothing retiring", rec, current)
				}
				if ev := e.wantEvent(corev1.EventTypeNormal, "Retired"); !strings.Contains(ev, old) {
					t.Errorf("event %q does not name the retired client", ev)
				}
				e.wantWrites("record", 1)
				e.wantWrites("secret", 0)
				e.wantReady(v1alpha1.ReasonReady)
			},
		},
		{
			name: "disabled with the server's switch: switched off, Secret kept; enabling switches on",
			cfg:  config{caps: provider.Capabilities{NativeDisable: true}},
			run: func(t *testing.T, e *env) {
				id := e.registered()
				e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true })

				e.ok()
				e.wantCalls("SetEnabled", 1)
				e.wantCalls("Delete", 0)
				c := e.srv.client(id)
				if c == nil || c.Enabled {
					t.Fatalf("client at the server = %+v, want it there and switched off", c)
				}
				if data(e.secret(), delivery.KeyClientSecret) != c.ClientSecret {
					t.Error("the Secret lost its secret")
				}
				e.wantWrites("secret", 0)
				cond := e.wantReady(v1alpha1.ReasonDisabled)
				if cond.Message != disabledNatively {
					t.Errorf("Ready message %q", cond.Message)
				}
				if st := e.oac().Status; st.ClientID != id || st.NextRotationTime != nil {
					t.Errorf("status = %+v", st)
				}
				e.wantEvent(corev1.EventTypeNormal, "Disabled")

				e.ok()
				e.wantCalls("SetEnabled", 1) // already off

				e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = false })
				e.ok()
				e.wantCalls("SetEnabled", 2)
				if !e.srv.client(id).Enabled {
					t.Error("the client was not switched on again")
				}
				e.wantEvent(corev1.EventTypeNormal, "Enabled")
				e.wantReady(v1alpha1.ReasonReady)
			},
		},
		{
			name: "disabled without a switch: deleted at the server, client_secret removed, status clientID empty",
			run: func(t *testing.T, e *env) {
				id := e.registered()
				e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = true })

				e.ok()
				e.wantCalls("Delete", 1)
				e.wantCalls("SetEnabled", 0)
				if e.srv.client(id) != nil {
					t.Error("the client still exists at the server")
				}
				sec := e.secret()
				if sec == nil {
					t.Fatal("the Secret is gone; want it kept")
				}
				if _, ok := sec.Data[delivery.KeyClientSecret]; ok {
					t.Error("the Secret still has client_secret")
				}
				if data(sec, delivery.KeyTokenURL) != testTokenURL {
					t.Error("the Secret lost its other keys")
				}
				if rec := e.record(); rec != nil {
					t.Errorf("the record is still there: client %s", rec.ClientID)
				}
				cond := e.wantReady(v1alpha1.ReasonDisabled)
				if cond.Message != disabledByDelete {
					t.Errorf("Ready message %q", cond.Message)
				}
				if st := e.oac().Status; st.ClientID != "" {
					t.Errorf("status.clientID = %q, want empty", st.ClientID)
				}

				e.later()
				e.ok()
				e.wantCalls("Delete", 1)
				e.wantCalls("Create", 1)

				// Enabling registers a new client.
				e.update(func(o *v1alpha1.OAuthClient) { o.Spec.Disabled = false })
				e.ok()
				e.wantCalls("Create", 2)
				e.wantReady(v1alpha1.ReasonReady)
				now := e.oac().Status.ClientID
				if now == "" || now == id || data(e.secret(), delivery.KeyClientSecret) != e.srv.client(now).ClientSecret {
					t.Errorf("after enabling: status client %q, Secret %q", now, data(e.secret(), delivery.KeyClientID))
				}
			},
		},
		{
			name: "deletion with deletionPolicy Delete: remote clients, Secret, record and finalizer gone",
			cfg:  config{edit: withRotation(v1alpha1.RotationPolicy{Strategy: v1alpha1.StrategyReplace})},
			run: func(t *testing.T, e *env) {
				e.registered()
				// A replaced client still in its grace period goes too.
				e.requestRotation("now")
				e.ok()
				if n := len(e.srv.ids()); n != 2 {
					t.Fatalf("%d clients at the server, want the current and the replaced one", n)
				}

				e.remove()
				e.ok()
				if ids := e.srv.ids(); len(ids) != 0 {
					t.Errorf("clients left at the server: %v", ids)
				}
				if e.secret() != nil {
					t.Error("the Secret is still there")
				}
				if e.record() != nil {
					t.Error("the record is still there")
				}
				if !e.oacGone() {
					t.Error("the OAuthClient is still there: finalizer not removed")
				}
				e.wantEvent(corev1.EventTypeNormal, "Deleted")
			},
		},
		{
			name: "deletion with deletionPolicy Orphan: remote client and Secret kept, Secret detached",
			cfg:  config{edit: func(o *v1alpha1.OAuthClient) { o.Spec.DeletionPolicy = v1alpha1.DeletionPolicyOrphan }},
			run: func(t *testing.T, e *env) {
				id := e.registered()
				secret := e.srv.client(id).ClientSecret

				e.remove()
				e.ok()
				e.wantCalls("Delete", 0)
				if e.srv.client(id) == nil {
					t.Error("the client was deleted at the server")
				}
				sec := e.secret()
				if sec == nil {
					t.Fatal("the Secret was deleted")
				}
				if data(sec, delivery.KeyClientID) != id || data(sec, delivery.KeyClientSecret) != secret {
					t.Error("the Secret lost its credentials")
				}
				for _, o := range sec.OwnerReferences {
					if o.UID == e.uid {
						t.Errorf("the Secret still has the owner reference %+v", o)
					}
				}
				if _, ok := sec.Labels[v1alpha1.LabelOAuthClientUID]; ok {
					t.Errorf("the Secret still has the owner labels %v", sec.Labels)
				}
				if e.record() != nil {
					t.Error("the record is still there")
				}
				// The note that keeps the leaked-client scan away from it.
				note := &corev1.Secret{}
				if err := e.api.Get(e.ctx, types.NamespacedName{Namespace: operatorNamespace, Name: record.OrphanedName(e.uid)}, note); err != nil || string(note.Data["client_id"]) != id {
					t.Errorf("orphan note: %v, client_id %q, want %q", err, note.Data["client_id"], id)
				}
				if !e.oacGone() {
					t.Error("the OAuthClient is still there: finalizer not removed")
				}
				e.wantEvent(corev1.EventTypeNormal, "Orphaned")
			},
		},
		{
			name: "caller-chosen client IDs: <uid>-<version>, a new one when registered again",
			cfg:  config{caps: provider.Capabilities{CallerChosenID: true}},
			run: func(t *testing.T, e *env) {
				if id := e.registered(); id != "uid-app-1" {
					t.Errorf("registered as %q, want uid-app-1", id)
				}
				e.srv.forget("uid-app-1")
				e.later()
				e.ok()
				if ids := e.srv.ids(); !slices.Equal(ids, []string{"uid-app-2"}) {
					t.Errorf("clients at the server: %v, want [uid-app-2]", ids)
				}
				if got := data(e.secret(), delivery.KeyClientID); got != "uid-app-2" {
					t.Errorf("Secret client_id = %q", got)
				}
			},
		},
		{
			name: "a foreign Secret under the name: SecretConflict, nothing registered, Secret untouched",
			cfg: config{objects: []client.Object{&corev1.Secret{
				ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tenantNamespace, Labels: map[string]string{"app": "mine"}},
				Data:       map[string][]byte{"password": []byte("hunter2")},
			}}},
			run: func(t *testing.T, e *env) {
				res, err := e.reconcile()
				if err != nil || res.RequeueAfter != policy.MaxRetry {
					t.Errorf("reconcile = %+v, %v; want a retry after %s and no error", res, err, policy.MaxRetry)
				}
				c := e.wantReady(v1alpha1.ReasonSecretConflict)
				if !strings.Contains(c.Message, "not created by the operator") {
					t.Errorf("Ready message %q", c.Message)
				}
				e.nothingRegistered()
				e.wantWrites("secret", 0)
				sec := e.secret()
				if len(sec.Data) != 1 || data(sec, "password") != "hunter2" || len(sec.OwnerReferences) != 0 || len(sec.Labels) != 1 {
					t.Errorf("the foreign Secret was changed: %v %v %v", sec.Labels, sec.OwnerReferences, slices.Sorted(maps.Keys(sec.Data)))
				}
				if strings.Contains(c.Message, "hunter2") {
					t.Error("the message holds the foreign Secret's value")
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.run(t, newEnv(t, tc.cfg))
		})
	}
}

// A server that is not there or not Ready registers nothing; one that is
// Ready but not yet connected in this process is waited for without a
// status change.
func TestServerUnavailable(t *testing.T) {
	cases := []struct {
		server server
		reason string // "": status untouched
		after  time.Duration
	}{
		{server: serverNotReady, reason: v1alpha1.ReasonServerNotReady, after: time.Minute},
		{server: serverMissing, reason: v1alpha1.ReasonServerNotFound, after: time.Minute},
		{server: serverNotConnected, after: 2 * time.Second},
	}
	for _, tc := range cases {
		name := tc.reason
		if name == "" {
			name = "ReadyNotConnected"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, config{server: tc.server})
			res, err := e.reconcile()
			if err != nil || res.RequeueAfter != tc.after {
				t.Errorf("reconcile = %+v, %v; want a retry after %s and no error", res, err, tc.after)
			}
			if tc.reason == "" {
				if c := e.ready(); c != nil {
					t.Errorf("status changed to %s: %s", c.Reason, c.Message)
				}
				e.wantWrites("status", 0)
			} else {
				c := e.wantReady(tc.reason)
				if !strings.Contains(c.Message, serverName) {
					t.Errorf("Ready message %q does not name the server", c.Message)
				}
			}
			e.nothingRegistered()
			if e.secret() != nil {
				t.Error("a Secret was delivered")
			}
		})
	}
}

// Every typed error the server returns on Create is shown with its reason
// and retried the way its kind asks for; nothing is left registered.
func TestCreateErrors(t *testing.T) {
	cases := []struct {
		name    string
		err     error
		reason  string
		after   time.Duration // RequeueAfter when no error is returned
		backoff bool          // the error is returned: the workqueue backs off
	}{
		{
			name:   "InvalidMetadata",
			err:    &provider.Error{Kind: provider.KindInvalidMetadata, Code: "invalid_redirect_uri", Description: "redirect_uris[0] must be https"},
			reason: v1alpha1.ReasonInvalidMetadata, after: policy.MaxRetry,
		},
		{
			name:   "Unauthorized",
			err:    provider.Errorf(provider.KindUnauthorized, "the initial access token was refused"),
			reason: v1alpha1.ReasonUnauthorized, backoff: true,
		},
		{
			name:   "RateLimited with Retry-After",
			err:    &provider.Error{Kind: provider.KindRateLimited, RetryAfter: 42 * time.Second},
			reason: v1alpha1.ReasonRateLimited, after: 42 * time.Second,
		},
		{
			name:   "Transient",
			err:    &provider.Error{Kind: provider.KindTransient, Err: fmt.Errorf("dial tcp: connection refused")},
			reason: v1alpha1.ReasonServerUnavailable, backoff: true,
		},
		{
			// Not a kind of its own for a client: a passing fault, retried with backoff.
			name:   "Conflict",
			err:    provider.Errorf(provider.KindConflict, "a client with this name exists"),
			reason: v1alpha1.ReasonServerUnavailable, backoff: true,
		},
		{
			name:   "Unsupported",
			err:    provider.Errorf(provider.KindUnsupported, "the server answered without a client_id"),
			reason: v1alpha1.ReasonProviderError, after: policy.MaxRetry,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, config{})
			e.srv.fail("Create", tc.err)
			res, err := e.reconcile()
			switch {
			case tc.backoff && err == nil:
				t.Errorf("reconcile returned no error (result %+v); want the error, for backoff", res)
			case tc.backoff && res != (reconcile.Result{}):
				t.Errorf("reconcile result %+v with an error; want none, so the workqueue backs off", res)
			case !tc.backoff && (err != nil || res.RequeueAfter != tc.after):
				t.Errorf("reconcile = %+v, %v; want a retry after %s and no error", res, err, tc.after)
			}
			c := e.wantReady(tc.reason)
			if want := tc.err.Error(); !strings.Contains(c.Message, want) {
				t.Errorf("Ready message %q does not carry the server's %q", c.Message, want)
			}
			e.wantCalls("Create", 1)
			if ids := e.srv.ids(); len(ids) > 0 {
				t.Errorf("clients at the server: %v", ids)
			}
			if e.record() != nil {
				t.Error("a record was saved")
			}
			if e.secret() != nil {
				t.Error("a Secret was delivered")
			}

			// Once the server accepts, the client becomes Ready.
			e.srv.fail("Create", nil)
			e.ok()
			e.wantReady(v1alpha1.ReasonReady)
		})
	}
}
