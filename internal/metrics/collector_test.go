package metrics

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

var now = time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)

// ready is a Ready condition about generation 1.
func ready(status metav1.ConditionStatus, reason string) []metav1.Condition {
	return []metav1.Condition{{Type: v1alpha1.ConditionReady, Status: status, Reason: reason, ObservedGeneration: 1}}
}

func oauthClient(name, uid string, mutate func(*v1alpha1.OAuthClient)) *v1alpha1.OAuthClient {
	o := &v1alpha1.OAuthClient{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: name, UID: types.UID("uid-" + uid), Generation: 1},
		Spec:       v1alpha1.OAuthClientSpec{ServerRef: v1alpha1.ServerReference{Name: "corp"}},
	}
	mutate(o)
	return o
}

func delivered(owner *v1alpha1.OAuthClient, annotations map[string]string) *corev1.Secret {
	return &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: owner.Namespace, Name: owner.Name, Annotations: annotations,
			Labels: map[string]string{
				v1alpha1.LabelManagedBy: v1alpha1.ManagedByValue, v1alpha1.LabelOAuthClientUID: string(owner.UID),
			},
		},
		Data: map[string][]byte{"client_id": []byte("cid-must-not-show"), "client_secret": []byte("s3cret-must-not-show")},
	}
}

// lists is a Reader over plain objects: what a cache holding them would
// hand out.
type lists struct {
	clients []*v1alpha1.OAuthClient
	secrets []Delivered
	servers []v1alpha1.AuthServer
	cluster []v1alpha1.ClusterAuthServer
}

func (l *lists) OAuthClients(context.Context) ([]*v1alpha1.OAuthClient, error) { return l.clients, nil }
func (l *lists) DeliveredSecrets(context.Context) ([]Delivered, error)         { return l.secrets, nil }
func (l *lists) AuthServers(context.Context) ([]v1alpha1.AuthServer, error)    { return l.servers, nil }
func (l *lists) ClusterAuthServers(context.Context) ([]v1alpha1.ClusterAuthServer, error) {
	return l.cluster, nil
}

func newCollector(t testing.TB, objs ...runtime.Object) *Collector {
	t.Helper()
	l := &lists{}
	for _, o := range objs {
		switch o := o.(type) {
		case *v1alpha1.OAuthClient:
			l.clients = append(l.clients, o)
		case *corev1.Secret:
			if o.Labels[v1alpha1.LabelManagedBy] == v1alpha1.ManagedByValue {
				l.secrets = append(l.secrets, DeliveredOf(o))
			}
		case *v1alpha1.AuthServer:
			l.servers = append(l.servers, *o)
		case *v1alpha1.ClusterAuthServer:
			l.cluster = append(l.cluster, *o)
		default:
			t.Fatalf("no list holds a %T", o)
		}
	}
	c := NewCollector(l)
	c.now = func() time.Time { return now }
	return c
}

func at(t time.Time) *metav1.Time { return &metav1.Time{Time: t} }

// TestFleet: a healthy client, one whose rotation is overdue and whose
// server expires its secret, a disabled one, and two servers.
func TestFleet(t *testing.T) {
	healthy := oauthClient("billing", "1", func(o *v1alpha1.OAuthClient) {
		o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady)
		o.Status.SecretVersion = 3
		o.Status.LastRotationTime = at(now.Add(-time.Hour))
		o.Status.NextRotationTime = at(now.Add(719 * time.Hour))
	})
	overdue := oauthClient("reports", "2", func(o *v1alpha1.OAuthClient) {
		o.Spec.ServerRef = v1alpha1.ServerReference{Kind: v1alpha1.KindClusterAuthServer, Name: "shared"}
		o.Status.Conditions = ready(metav1.ConditionFalse, v1alpha1.ReasonRateLimited)
		o.Status.SecretVersion = 1
		o.Status.NextRotationTime = at(now.Add(-2 * time.Hour))
	})
	disabled := oauthClient("legacy", "3", func(o *v1alpha1.OAuthClient) {
		o.Generation = 2
		o.Spec.Disabled = true
		o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady) // about generation 1
		o.Status.NextRotationTime = at(now.Add(-time.Hour))
	})
	corp := &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "corp", Generation: 1},
		Status:     v1alpha1.AuthServerStatus{Provider: "dynamicRegistration", Conditions: ready(metav1.ConditionTrue, v1alpha1.ReasonReady)},
	}
	shared := &v1alpha1.ClusterAuthServer{
		ObjectMeta: metav1.ObjectMeta{Name: "shared", Generation: 1},
		Status:     v1alpha1.AuthServerStatus{Provider: "hydra", Conditions: ready(metav1.ConditionFalse, v1alpha1.ReasonCredentialsRefused)},
	}
	c := newCollector(t, healthy, overdue, disabled, corp, shared,
		delivered(healthy, map[string]string{v1alpha1.AnnotationIssuedAt: "2026-12-01T11:00:00Z"}),
		delivered(overdue, map[string]string{
			v1alpha1.AnnotationIssuedAt:  "2026-11-01T12:00:00Z",
			v1alpha1.AnnotationExpiresAt: "2026-12-01T13:00:00Z",
		}),
	)

	want := `
# HELP oauthclient_credential_expiration_timestamp_seconds When the authorization server expires the delivered secret, in Unix seconds; absent when it never does.
# TYPE oauthclient_credential_expiration_timestamp_seconds gauge
oauthclient_credential_expiration_timestamp_seconds{name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 1.79613e+09
# HELP oauthclient_credential_issued_timestamp_seconds When the delivered credentials were issued, in Unix seconds.
# TYPE oauthclient_credential_issued_timestamp_seconds gauge
oauthclient_credential_issued_timestamp_seconds{name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 1.7961228e+09
oauthclient_credential_issued_timestamp_seconds{name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 1.7935344e+09
# HELP oauthclient_rotation_overdue 1 when the next rotation time has passed and the credentials are still the old ones.
# TYPE oauthclient_rotation_overdue gauge
oauthclient_rotation_overdue{name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_rotation_overdue{name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 1
# HELP oauthclient_ready_status The OAuthClient's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.
# TYPE oauthclient_ready_status gauge
oauthclient_ready_status{condition="False",name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_ready_status{condition="False",name="legacy",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_ready_status{condition="False",name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 1
oauthclient_ready_status{condition="True",name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 1
oauthclient_ready_status{condition="True",name="legacy",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_ready_status{condition="True",name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 0
oauthclient_ready_status{condition="Unknown",name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_ready_status{condition="Unknown",name="legacy",namespace="team-a",server="corp",server_kind="AuthServer"} 1
oauthclient_ready_status{condition="Unknown",name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 0
# HELP oauthclient_ready_reason 1 for the reason of the OAuthClient's Ready condition (Ready, RateLimited, Unauthorized, ...).
# TYPE oauthclient_ready_reason gauge
oauthclient_ready_reason{name="billing",namespace="team-a",reason="Ready",server="corp",server_kind="AuthServer"} 1
oauthclient_ready_reason{name="legacy",namespace="team-a",reason="Ready",server="corp",server_kind="AuthServer"} 1
oauthclient_ready_reason{name="reports",namespace="team-a",reason="RateLimited",server="shared",server_kind="ClusterAuthServer"} 1
# HELP oauthclient_server_ready_status The AuthServer's or ClusterAuthServer's Ready condition: 1 for the current status (True, False or Unknown), 0 for the others.
# TYPE oauthclient_server_ready_status gauge
oauthclient_server_ready_status{condition="False",kind="AuthServer",name="corp",namespace="team-a",provider="dynamicRegistration"} 0
oauthclient_server_ready_status{condition="False",kind="ClusterAuthServer",name="shared",namespace="",provider="hydra"} 1
oauthclient_server_ready_status{condition="True",kind="AuthServer",name="corp",namespace="team-a",provider="dynamicRegistration"} 1
oauthclient_server_ready_status{condition="True",kind="ClusterAuthServer",name="shared",namespace="",provider="hydra"} 0
oauthclient_server_ready_status{condition="Unknown",kind="AuthServer",name="corp",namespace="team-a",provider="dynamicRegistration"} 0
oauthclient_server_ready_status{condition="Unknown",kind="ClusterAuthServer",name="shared",namespace="",provider="hydra"} 0
# HELP oauthclient_disabled 1 when the OAuthClient is disabled (spec.disabled).
# TYPE oauthclient_disabled gauge
oauthclient_disabled{name="billing",namespace="team-a",server="corp",server_kind="AuthServer"} 0
oauthclient_disabled{name="legacy",namespace="team-a",server="corp",server_kind="AuthServer"} 1
oauthclient_disabled{name="reports",namespace="team-a",server="shared",server_kind="ClusterAuthServer"} 0
`
	names := []string{
		"oauthclient_credential_expiration_timestamp_seconds", "oauthclient_credential_issued_timestamp_seconds",
		"oauthclient_rotation_overdue", "oauthclient_ready_status", "oauthclient_ready_reason",
		"oauthclient_server_ready_status", "oauthclient_disabled",
	}
	if err := testutil.GatherAndCompare(c.Gatherer(prometheus.NewRegistry()), strings.NewReader(want), names...); err != nil {
		t.Error(err)
	}
}

// TestNoSecretInLabels: no client ID or secret value reaches any series.
func TestNoSecretInLabels(t *testing.T) {
	o := oauthClient("billing", "1", func(o *v1alpha1.OAuthClient) {
		o.Status.ClientID = "cid-must-not-show"
		o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady)
		o.Status.SecretVersion = 1
	})
	families, err := newCollector(t, o, delivered(o, nil)).Gatherer(prometheus.NewRegistry()).Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "must-not-show") {
					t.Errorf("%s carries %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
	if len(families) == 0 {
		t.Fatal("nothing gathered")
	}
}

// TestEveryMetricIsNamed: a scrape of a fleet that has every figure shows
// exactly the metrics Names lists, and the text parses back with no series
// twice.
func TestEveryMetricIsNamed(t *testing.T) {
	if got, want := len(Names()), 15; got != want {
		t.Errorf("Names() has %d metrics, want %d", got, want)
	}
	for _, n := range Names() {
		if !strings.HasPrefix(n, "oauthclient_") {
			t.Errorf("metric %s lacks the oauthclient_ prefix", n)
		}
	}
	o := oauthClient("named", "9", func(o *v1alpha1.OAuthClient) {
		o.Status.Conditions = ready(metav1.ConditionTrue, v1alpha1.ReasonReady)
		o.Status.SecretVersion = 2
		o.Status.LastRotationTime = at(now.Add(-time.Hour))
		o.Status.NextRotationTime = at(now.Add(time.Hour))
	})
	s := delivered(o, map[string]string{v1alpha1.AnnotationIssuedAt: "2026-12-01T11:00:00Z", v1alpha1.AnnotationExpiresAt: "2026-12-02T11:00:00Z"})
	server := &v1alpha1.AuthServer{
		ObjectMeta: metav1.ObjectMeta{Namespace: "team-a", Name: "named", Generation: 1},
		Status:     v1alpha1.AuthServerStatus{Provider: "hydra", Conditions: ready(metav1.ConditionTrue, v1alpha1.ReasonReady)},
	}
	requests.WithLabelValues("AuthServer", "team-a", "named", "2xx").Inc()
	requestDuration.WithLabelValues("AuthServer", "team-a", "named").Observe(0.1)
	Rotated("team-a", "named", "recreate", nil)
	Leaked("AuthServer", "team-a", "named", 0)
	t.Cleanup(func() {
		requests.DeleteLabelValues("AuthServer", "team-a", "named", "2xx")
		requestDuration.DeleteLabelValues("AuthServer", "team-a", "named")
		Forget("team-a", "named")
		ForgetLeaked("AuthServer", "team-a", "named")
	})
	reg := prometheus.NewPedanticRegistry()
	Register(reg)
	families, err := newCollector(t, o, s, server).Gatherer(reg).Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range families {
		got = append(got, f.GetName())
	}
	slices.Sort(got)
	if want := slices.Sorted(slices.Values(Names())); !slices.Equal(got, want) {
		t.Errorf("a scrape shows\n%v\nwant Names()\n%v", got, want)
	}
}
