package leaks

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/events"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	"github.com/oauth-client-operator/oauth-client-operator/api/scheme"
	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record"
)

const opNS = "operator"

// listing is a provider stub that lists fixed clients and notes deletes.
// (The real servers are in controllers/leaks_test.go.)
type listing struct {
	provider.Provider
	ids     []string
	mu      sync.Mutex
	deleted map[string]provider.State
}

func (l *listing) Capabilities() provider.Capabilities { return provider.Capabilities{List: true} }

func (l *listing) List(_ context.Context, _, _ string) ([]provider.Client, string, error) {
	out := make([]provider.Client, len(l.ids))
	for i, id := range l.ids {
		out[i] = provider.Client{ClientID: id}
	}
	return out, "", nil
}

func (l *listing) Delete(_ context.Context, id string, st provider.State) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.deleted[id] = st
	return nil
}

func oauthClient(name, uid string) *v1alpha1.OAuthClient {
	return &v1alpha1.OAuthClient{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: name, UID: types.UID(uid)}}
}

// recordOf is the record Secret of oac naming ids (the first current, the
// others retiring), with a registration state.
func recordOf(t *testing.T, oac *v1alpha1.OAuthClient, ids ...string) *corev1.Secret {
	t.Helper()
	r := &record.Record{ClientID: ids[0], Version: 1, Provider: provider.State{"token": "state-of-" + ids[0]}}
	for _, id := range ids[1:] {
		r.Retiring = append(r.Retiring, record.Retiring{ClientID: id, RetireAt: time.Now().Add(time.Hour)})
	}
	l := oac.OwnerLabels()
	l[v1alpha1.LabelManagedBy] = v1alpha1.ManagedByValue + "-state"
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: opNS, Name: record.SecretName(oac.UID), Labels: l}, Data: record.Encode(r)}
}

type fixture struct {
	scanner *Scanner
	stub    *listing
	events  *events.FakeRecorder
	key     servers.Key
	srv     *servers.Server
	st      *scanState
}

// newFixture: OAuthClient live (a current and a retiring client) exists;
// gone lost its finalizer by hand (its record stays); orphaned was deleted
// with deletionPolicy Orphan; lagging exists but the cache has not seen it
// yet; unrecorded was never recorded. The server lists all their clients.
func newFixture(t *testing.T, cleanup v1alpha1.OrphanCleanup) *fixture {
	t.Helper()
	live, gone, orphaned, lagging := oauthClient("live", "u-live"), oauthClient("gone", "u-gone"), oauthClient("orphaned", "u-orph"), oauthClient("lagging", "u-lag")
	note := &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Namespace: opNS, Name: record.OrphanedName(orphaned.UID), Labels: map[string]string{
		v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue + "-orphaned", v1alpha1.LabelOAuthClientUID: string(orphaned.UID),
		v1alpha1.LabelOAuthClientNamespace: "team", v1alpha1.LabelOAuthClientName: "orphaned",
	}}, Data: map[string][]byte{"client_id": []byte("c-orphaned")}}
	srvObj := &v1alpha1.AuthServer{ObjectMeta: metav1.ObjectMeta{Namespace: "team", Name: "hydra"}, Spec: v1alpha1.AuthServerSpec{OrphanCleanup: cleanup}}
	records := []client.Object{recordOf(t, live, "c-live", "c-retiring"), recordOf(t, gone, "c-gone"), recordOf(t, lagging, "c-lagging"), note}
	cache := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(append([]client.Object{live, srvObj}, records...)...).Build()
	api := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(append([]client.Object{live, lagging, srvObj}, records...)...).Build()
	stub := &listing{ids: []string{"c-live", "c-retiring", "c-gone", "c-orphaned", "c-lagging", "c-unrecorded"}, deleted: map[string]provider.State{}}
	rec := events.NewFakeRecorder(10)
	return &fixture{
		scanner: &Scanner{Client: cache, APIReader: api, Recorder: rec, OperatorNamespace: opNS, Interval: time.Hour, Log: logr.Discard()},
		stub:    stub, events: rec,
		key: servers.Key{Kind: v1alpha1.KindAuthServer, Namespace: "team", Name: "hydra"},
		srv: &servers.Server{Provider: stub, Owner: "oauth-client-operator/operator"}, st: &scanState{},
	}
}

func (f *fixture) scan(t *testing.T, now time.Time) {
	t.Helper()
	if err := f.scanner.scan(context.Background(), f.key, f.srv, f.st, now); err != nil {
		t.Fatal(err)
	}
}

func (f *fixture) recorded() []string {
	var out []string
	for {
		select {
		case e := <-f.events.Events:
			out = append(out, e)
		default:
			return out
		}
	}
}

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

func TestScanReportsOnlyLeakedClients(t *testing.T) {
	f := newFixture(t, v1alpha1.OrphanCleanupReport)
	f.scan(t, t0)
	if ev := f.recorded(); len(ev) != 0 {
		t.Errorf("the first scan recorded %v; a first sighting may be a registration in flight", ev)
	}
	f.scan(t, t0.Add(time.Hour))
	ev := f.recorded()
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "Warning LeakedClients 2 client(s)") ||
		!strings.Contains(ev[0], "c-gone, c-unrecorded;") {
		t.Fatalf("events %q, want one LeakedClients naming c-gone and c-unrecorded", ev)
	}
	for _, kept := range []string{"c-live", "c-retiring", "c-orphaned", "c-lagging"} {
		if strings.Contains(ev[0], kept+",") || strings.Contains(ev[0], kept+";") {
			t.Errorf("event %q names %s", ev[0], kept)
		}
	}
	if len(f.stub.deleted) != 0 {
		t.Errorf("orphanCleanup Report deleted %v", f.stub.deleted)
	}
	f.scan(t, t0.Add(2*time.Hour))
	if ev := f.recorded(); len(ev) != 0 {
		t.Errorf("the same leak again recorded %v; want no new event", ev)
	}
}

func TestScanDeletesLeakedClientsWithOrphanCleanupDelete(t *testing.T) {
	f := newFixture(t, v1alpha1.OrphanCleanupDelete)
	f.scan(t, t0)
	f.scan(t, t0.Add(time.Hour))
	if len(f.stub.deleted) != 2 {
		t.Fatalf("deleted %v, want c-gone and c-unrecorded", f.stub.deleted)
	}
	if st := f.stub.deleted["c-gone"]; st["token"] != "state-of-c-gone" {
		t.Errorf("c-gone deleted with state %v, want its record's", st)
	}
	if _, ok := f.stub.deleted["c-unrecorded"]; !ok {
		t.Error("c-unrecorded was not deleted")
	}
	ev := f.recorded()
	if len(ev) != 1 || !strings.HasPrefix(ev[0], "Normal LeakedClientsDeleted") || !strings.Contains(ev[0], "c-gone, c-unrecorded") {
		t.Errorf("events %q, want one LeakedClientsDeleted naming both", ev)
	}
	if len(f.st.reported) != 0 {
		t.Errorf("still reported as leaked after the delete: %v", f.st.reported)
	}
}

func TestScanStopsAtADamagedRecord(t *testing.T) {
	f := newFixture(t, v1alpha1.OrphanCleanupDelete)
	bad := recordOf(t, oauthClient("bad", "u-bad"), "c-bad")
	bad.Data["version"] = []byte("not a number")
	if err := f.scanner.APIReader.(client.Client).Create(context.Background(), bad); err != nil {
		t.Fatal(err)
	}
	for _, at := range []time.Time{t0, t0.Add(time.Hour)} {
		if err := f.scanner.scan(context.Background(), f.key, f.srv, f.st, at); err == nil || !strings.Contains(err.Error(), "damaged") {
			t.Errorf("scan with a damaged record: %v, want an error naming it", err)
		}
	}
	if len(f.stub.deleted) != 0 || len(f.recorded()) != 0 {
		t.Errorf("a scan that could not read every record deleted %v", f.stub.deleted)
	}
}

func TestNamedCapsTheList(t *testing.T) {
	ids := make([]string, 12)
	for i := range ids {
		ids[i] = string(rune('a' + i))
	}
	if got := named(ids); got != "a, b, c, d, e, f, g, h, i, j and 2 more" {
		t.Errorf("named = %q", got)
	}
	if got := named(ids[:2]); got != "a, b" {
		t.Errorf("named = %q", got)
	}
}

// The first scans of many servers are spread over the interval.
func TestOffsetsSpreadServers(t *testing.T) {
	const n = 100
	interval := time.Hour
	quarters := [4]int{}
	for i := range n {
		d := offset(servers.Key{Kind: v1alpha1.KindAuthServer, Namespace: "ns", Name: string(rune('a'+i%26)) + string(rune('a'+i/26))}, interval)
		if d < 0 || d >= interval {
			t.Fatalf("offset %v outside [0, %v)", d, interval)
		}
		quarters[d*4/interval]++
	}
	for q, c := range quarters {
		if c < n/10 {
			t.Errorf("quarter %d of the interval holds %d of %d first scans: %v", q, c, n, quarters)
		}
	}
}

// regardingRecorder notes the type of the object each event is about.
type regardingRecorder struct{ events []string }

func (r *regardingRecorder) Eventf(regarding, _ runtime.Object, eventType, reason, _, note string, args ...any) {
	r.events = append(r.events, fmt.Sprintf("%T %s %s %s", regarding, eventType, reason, fmt.Sprintf(note, args...)))
}

// A ClusterAuthServer is scanned the same way; its events are on it.
func TestScanReportsAtAClusterAuthServer(t *testing.T) {
	f := newFixture(t, v1alpha1.OrphanCleanupReport)
	shared := &v1alpha1.ClusterAuthServer{ObjectMeta: metav1.ObjectMeta{Name: "shared"}}
	if err := f.scanner.Client.Create(context.Background(), shared); err != nil {
		t.Fatal(err)
	}
	rec := &regardingRecorder{}
	f.scanner.Recorder = rec
	f.key = servers.Key{Kind: v1alpha1.KindClusterAuthServer, Name: "shared"}
	f.scan(t, t0)
	f.scan(t, t0.Add(time.Hour))
	if len(rec.events) != 1 || !strings.HasPrefix(rec.events[0], "*v1alpha1.ClusterAuthServer Warning LeakedClients 2 client(s)") {
		t.Errorf("events %q, want one LeakedClients on the ClusterAuthServer", rec.events)
	}
}
