// Package metrics exposes what an operator of this operator watches: per
// OAuthClient whether it is Ready, when its credentials were issued, when
// the server expires them, when they are next rotated and whether that
// rotation is overdue; per AuthServer and ClusterAuthServer whether it is
// Ready, and the requests to its APIs by outcome with their latency
// (Instrument). The figures are read from the manager's cache when Prometheus
// scrapes, so the reconcilers carry no metrics code and a figure is never
// stale: it is what the API server says now.
//
// Labels identify objects (namespace, name, server kind and name) and
// condition reasons; they never hold a client ID, a secret or a token.
package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Collector is a prometheus.Collector over the OAuthClients, servers and
// delivered Secrets in a reader (the manager's cache).
type Collector struct {
	reader Reader
	now    func() time.Time
	// timeout bounds one scrape's reads.
	timeout time.Duration
}

// NewCollector returns a collector that reads from reader at each scrape.
func NewCollector(reader Reader) *Collector {
	return &Collector{reader: reader, now: time.Now, timeout: 10 * time.Second}
}

// Describe sends every metric's description.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range descs {
		ch <- d.desc
	}
	for _, v := range vecs {
		v.Describe(ch)
	}
}

// Collect reads the objects and sends their figures. A failed read is
// reported as an invalid metric, so the scrape shows the error.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	if err := c.collectClients(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(clientReady.desc, err)
	}
	if err := c.collectServers(ctx, ch); err != nil {
		ch <- prometheus.NewInvalidMetric(serverReady.desc, err)
	}
	for _, v := range vecs {
		v.Collect(ch)
	}
}

func (c *Collector) collectClients(ctx context.Context, ch chan<- prometheus.Metric) error {
	clients, err := c.reader.OAuthClients(ctx)
	if err != nil {
		return err
	}
	secrets, err := c.reader.DeliveredSecrets(ctx)
	if err != nil {
		return err
	}
	// The delivered Secret of each OAuthClient, by the client's UID.
	delivered := make(map[string]*corev1.Secret, len(secrets))
	for _, s := range secrets {
		if uid := s.Labels[v1alpha1.LabelOAuthClientUID]; uid != "" {
			delivered[uid] = s
		}
	}
	now := c.now()
	for _, oac := range clients {
		labels := labelPairs(clientLabels, []string{oac.Namespace, oac.Name, string(oac.ServerKind()), oac.Spec.ServerRef.Name})
		ready := meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady)
		sendCondition(ch, clientReady, clientReadyReason, ready, oac.Generation, labels)
		ch <- gauge(clientDisabled, boolValue(oac.Spec.Disabled), labels)
		if oac.Status.SecretVersion > 0 {
			ch <- gauge(clientVersion, float64(oac.Status.SecretVersion), labels)
		}
		if t := oac.Status.LastRotationTime; t != nil {
			ch <- gauge(clientLastRotation, seconds(t.Time), labels)
		}
		if t := oac.Status.NextRotationTime; t != nil && !oac.Spec.Disabled {
			ch <- gauge(clientNextRotation, seconds(t.Time), labels)
			ch <- gauge(clientRotationOverdue, boolValue(now.After(t.Time)), labels)
		}
		if s := delivered[string(oac.UID)]; s != nil {
			if t, ok := annotationTime(s, v1alpha1.AnnotationIssuedAt); ok {
				ch <- gauge(clientIssued, seconds(t), labels)
			}
			if t, ok := annotationTime(s, v1alpha1.AnnotationExpiresAt); ok {
				ch <- gauge(clientExpiration, seconds(t), labels)
			}
		}
	}
	return nil
}

func (c *Collector) collectServers(ctx context.Context, ch chan<- prometheus.Metric) error {
	namespaced, err := c.reader.AuthServers(ctx)
	if err != nil {
		return err
	}
	for i := range namespaced {
		s := &namespaced[i]
		c.sendServer(ch, string(v1alpha1.KindAuthServer), s.Namespace, s.Name, s.Generation, &s.Status)
	}
	cluster, err := c.reader.ClusterAuthServers(ctx)
	if err != nil {
		return err
	}
	for i := range cluster {
		s := &cluster[i]
		c.sendServer(ch, string(v1alpha1.KindClusterAuthServer), "", s.Name, s.Generation, &s.Status)
	}
	return nil
}

func (c *Collector) sendServer(ch chan<- prometheus.Metric, kind, namespace, name string, generation int64, st *v1alpha1.AuthServerStatus) {
	labels := labelPairs(serverLabels, []string{namespace, name, kind, st.Provider})
	ready := meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady)
	sendCondition(ch, serverReady, serverReadyReason, ready, generation, labels)
}

// sendCondition sends the ready_status series (one per condition status,
// 1 for the current one, as cert-manager does) and the reason series. A
// condition about an older generation counts as Unknown: the object is
// still being reconciled.
func sendCondition(ch chan<- prometheus.Metric, status, reason metric, cond *metav1.Condition, generation int64, labels pairs) {
	current := metav1.ConditionUnknown
	why := ""
	if cond != nil {
		why = cond.Reason
		if cond.ObservedGeneration == 0 || cond.ObservedGeneration == generation {
			current = cond.Status
		}
	}
	for _, s := range conditionStatuses {
		ch <- gauge(status, boolValue(s.status == current), labels.with(s.pair))
	}
	if why != "" {
		ch <- gauge(reason, 1, labels.with(pair("reason", why)))
	}
}

func annotationTime(s *corev1.Secret, key string) (time.Time, bool) {
	v, ok := s.Annotations[key]
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339, v)
	return t, err == nil
}

// conditionStatuses are the condition label's values, in the order sent,
// with their label pairs.
var conditionStatuses = []struct {
	status metav1.ConditionStatus
	pair   *dto.LabelPair
}{
	{metav1.ConditionTrue, pair("condition", string(metav1.ConditionTrue))},
	{metav1.ConditionFalse, pair("condition", string(metav1.ConditionFalse))},
	{metav1.ConditionUnknown, pair("condition", string(metav1.ConditionUnknown))},
}

func gauge(m metric, v float64, labels pairs) prometheus.Metric {
	return &sharedGauge{desc: m.desc, value: v, labels: labels}
}

func seconds(t time.Time) float64 { return float64(t.Unix()) }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
