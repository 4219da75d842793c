package controllers_test

import (
	"context"
	"fmt"
	"maps"
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"sigs.k8s.io/cli-utils/pkg/kstatus/status"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/fromcache"
	"github.com/oauth-client-operator/oauth-client-operator/internal/kstatus/kstatustest"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
)

// scrape gathers the operator's metrics as Prometheus would, reading the
// API server the suite runs against.
func scrape(t *testing.T) []*dto.MetricFamily {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	metrics.Register(reg)
	families, err := metrics.NewCollector(fromcache.Reader(k8s)).Gatherer(reg).Gather()
	if err != nil {
		t.Fatalf("scrape: %v", err)
	}
	return families
}

// value is the value of the gauge or counter of name whose labels include
// want, and whether there is one.
func value(families []*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	for _, f := range families {
		if f.GetName() != name {
			continue
		}
	series:
		for _, m := range f.GetMetric() {
			have := map[string]string{}
			for _, l := range m.GetLabel() {
				have[l.GetName()] = l.GetValue()
			}
			for k, v := range want {
				if have[k] != v {
					continue series
				}
			}
			if c := m.GetCounter(); c != nil {
				return c.GetValue(), true
			}
			return m.GetGauge().GetValue(), true
		}
	}
	return 0, false
}

// kstatusOf is what kstatus (Flux's health checks) says of the object.
func kstatusOf(t *testing.T, obj client.Object) status.Status {
	t.Helper()
	if err := k8s.Get(context.Background(), client.ObjectKeyFromObject(obj), obj); err != nil {
		t.Fatal(err)
	}
	return kstatustest.Compute(t, obj)
}

// TestMetricsThroughALifecycle: after apply, an on-demand rotation and a
// server fault that holds up the next scheduled rotation, the figures are
// what a dashboard and the alerts need, and kstatus says Current, then
// InProgress while the server is broken.
func TestMetricsThroughALifecycle(t *testing.T) {
	ns := newNamespace(t)
	const interval = 30 * time.Second
	newClient(t, ns, "metered", v1alpha1.OAuthClientSpec{Scopes: []string{"read"}, Rotation: rotation(interval, time.Second)})
	oac := waitVersion(t, ns, "metered", 1)
	id := map[string]string{"namespace": ns, "name": "metered", "server_kind": "AuthServer", "server": "dev"}
	expect := func(families []*dto.MetricFamily, name string, labels map[string]string, want float64) {
		t.Helper()
		got, ok := value(families, name, labels)
		if !ok {
			t.Errorf("no %s%v", name, labels)
		} else if got != want {
			t.Errorf("%s%v = %v, want %v", name, labels, got, want)
		}
	}

	// Applied: Ready, version 1, issued when the Secret says, next rotation
	// one interval later, not overdue; its server Ready.
	m := scrape(t)
	expect(m, "oauthclient_ready_status", merge(id, "condition", "True"), 1)
	expect(m, "oauthclient_ready_status", merge(id, "condition", "False"), 0)
	expect(m, "oauthclient_ready_reason", merge(id, "reason", v1alpha1.ReasonReady), 1)
	expect(m, "oauthclient_credential_version", id, 1)
	expect(m, "oauthclient_rotation_overdue", id, 0)
	expect(m, "oauthclient_disabled", id, 0)
	issued, err := time.Parse(time.RFC3339, secretOf(t, ns, "metered").Annotations[v1alpha1.AnnotationIssuedAt])
	if err != nil {
		t.Fatal(err)
	}
	expect(m, "oauthclient_credential_issued_timestamp_seconds", id, float64(issued.Unix()))
	expect(m, "oauthclient_next_rotation_timestamp_seconds", id, float64(oac.Status.NextRotationTime.Unix()))
	if next, _ := value(m, "oauthclient_next_rotation_timestamp_seconds", id); math.Abs(next-float64(issued.Add(interval).Unix())) > 1 {
		t.Errorf("next rotation %v, want issued + %s = %v", next, interval, issued.Add(interval).Unix())
	}
	if _, ok := value(m, "oauthclient_credential_expiration_timestamp_seconds", id); ok {
		t.Error("an expiry metric for a server that sets no expiry")
	}
	server := map[string]string{"namespace": ns, "name": "dev", "kind": "AuthServer", "provider": "dynamicRegistration"}
	expect(m, "oauthclient_server_ready_status", merge(server, "condition", "True"), 1)
	clientObj := &v1alpha1.OAuthClient{}
	clientObj.Namespace, clientObj.Name = ns, "metered"
	serverObj := &v1alpha1.AuthServer{}
	serverObj.Namespace, serverObj.Name = ns, "dev"
	serverID := map[string]string{"namespace": ns, "name": "dev", "kind": "AuthServer"}
	if v, _ := value(m, "oauthclient_server_requests_total", merge(serverID, "outcome", "2xx")); v < 2 {
		t.Errorf("requests to the server with a 2xx answer: %v, want discovery and registration at least", v)
	}
	if s := kstatusOf(t, clientObj); s != status.CurrentStatus {
		t.Errorf("kstatus of the Ready client: %s", s)
	}
	if s := kstatusOf(t, serverObj); s != status.CurrentStatus {
		t.Errorf("kstatus of the Ready server: %s", s)
	}

	// Rotated on demand: version 2 and a last rotation time.
	requestRotation(t, ns, "metered", "metrics-test")
	oac = waitVersion(t, ns, "metered", 2)
	m = scrape(t)
	expect(m, "oauthclient_credential_version", id, 2)
	expect(m, "oauthclient_last_rotation_timestamp_seconds", id, float64(oac.Status.LastRotationTime.Unix()))
	// Each rotation is counted (a scheduled one may have come first).
	version, _ := value(m, "oauthclient_credential_version", id)
	expect(m, "oauthclient_rotations_total", map[string]string{"namespace": ns, "name": "metered", "result": "succeeded"}, version-1)
	if v, ok := value(m, "oauthclient_rotations_total", map[string]string{"namespace": ns, "name": "metered", "result": "failed"}); ok {
		t.Errorf("a failed rotation counted (%v) where none failed", v)
	}

	// The server breaks: it is not Ready, and once the next rotation is
	// due the client's rotation is overdue.
	var as v1alpha1.AuthServer
	if err := k8s.Get(context.Background(), client.ObjectKey{Namespace: ns, Name: "dev"}, &as); err != nil {
		t.Fatal(err)
	}
	patch := client.MergeFrom(as.DeepCopy())
	as.Spec.IssuerURL = "http://127.0.0.1:1/gone"
	if err := k8s.Patch(context.Background(), &as, patch); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the server's Ready=False in the metrics", func() (bool, string) {
		v, _ := value(scrape(t), "oauthclient_server_ready_status", merge(server, "condition", "False"))
		return v == 1, fmt.Sprintf("server_ready_status{condition=False} = %v", v)
	})
	waitFor(t, "the rotation to be overdue in the metrics", func() (bool, string) {
		v, _ := value(scrape(t), "oauthclient_rotation_overdue", id)
		return v == 1, fmt.Sprintf("rotation_overdue = %v", v)
	})
	m = scrape(t)
	expect(m, "oauthclient_credential_version", id, 2)
	if s := kstatusOf(t, serverObj); s != status.InProgressStatus {
		t.Errorf("kstatus of the server whose discovery fails: %s", s)
	}
	if v, _ := value(m, "oauthclient_server_requests_total", merge(serverID, "outcome", "error")); v < 1 {
		t.Errorf("requests to the gone server that got no answer: %v, want at least 1", v)
	}
	waitFor(t, "kstatus InProgress for the client of a broken server", func() (bool, string) {
		s := kstatusOf(t, clientObj)
		return s == status.InProgressStatus, string(s)
	})
}

func merge(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	maps.Copy(out, m)
	return out
}
