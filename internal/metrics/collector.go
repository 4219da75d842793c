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

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
)

// Collector reads the OAuthClients, servers and delivered Secrets in a
// reader (the manager's cache) at each scrape, and writes their series as
// text (WriteText, Handler).
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

// object is what a scrape shows of one OAuthClient or server: its label
// values (in the order of clientLabels or serverLabels) and its figures.
// It points into the cache's objects and copies none of their strings.
type object struct {
	labels    [4]string
	condition metav1.ConditionStatus
	reason    string
	// figures are the object's gauge values by metric; absent ones are
	// not sent.
	figures [len(clientGauges)]figure
}

// figure is one gauge value, and whether the object has it.
type figure struct {
	value float64
	ok    bool
}

// clientGauges are the one-series-per-client metrics, in the order written;
// object.figures holds their values in the same order.
var clientGauges = [...]metric{
	clientDisabled, clientVersion, clientIssued, clientExpiration,
	clientLastRotation, clientNextRotation, clientRotationOverdue,
}

// clientObjects reads the OAuthClients and their delivered Secrets.
func (c *Collector) clientObjects(ctx context.Context) ([]object, error) {
	clients, err := c.reader.OAuthClients(ctx)
	if err != nil {
		return nil, err
	}
	secrets, err := c.reader.DeliveredSecrets(ctx)
	if err != nil {
		return nil, err
	}
	// The delivered Secret of each OAuthClient, by the client's UID.
	delivered := make(map[string]*Delivered, len(secrets))
	for i, s := range secrets {
		if s.OwnerUID != "" {
			delivered[s.OwnerUID] = &secrets[i]
		}
	}
	now := c.now()
	out := make([]object, len(clients))
	for i, oac := range clients {
		o := &out[i]
		o.labels = [4]string{oac.Namespace, oac.Name, string(oac.ServerKind()), oac.Spec.ServerRef.Name}
		o.condition, o.reason = current(meta.FindStatusCondition(oac.Status.Conditions, v1alpha1.ConditionReady), oac.Generation)
		f := &o.figures
		f[0] = figure{boolValue(oac.Spec.Disabled), true}
		f[1] = figure{float64(oac.Status.SecretVersion), oac.Status.SecretVersion > 0}
		if s := delivered[string(oac.UID)]; s != nil {
			f[2] = annotationTime(s.IssuedAt)
			f[3] = annotationTime(s.ExpiresAt)
		}
		if t := oac.Status.LastRotationTime; t != nil {
			f[4] = figure{seconds(t.Time), true}
		}
		if t := oac.Status.NextRotationTime; t != nil && !oac.Spec.Disabled {
			f[5] = figure{seconds(t.Time), true}
			f[6] = figure{boolValue(now.After(t.Time)), true}
		}
	}
	return out, nil
}

// serverObjects reads the AuthServers and ClusterAuthServers.
func (c *Collector) serverObjects(ctx context.Context) ([]object, error) {
	namespaced, err := c.reader.AuthServers(ctx)
	if err != nil {
		return nil, err
	}
	cluster, err := c.reader.ClusterAuthServers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]object, 0, len(namespaced)+len(cluster))
	add := func(kind v1alpha1.ServerKind, namespace, name string, generation int64, st *v1alpha1.AuthServerStatus) {
		o := object{labels: [4]string{namespace, name, string(kind), st.Provider}}
		o.condition, o.reason = current(meta.FindStatusCondition(st.Conditions, v1alpha1.ConditionReady), generation)
		out = append(out, o)
	}
	for i := range namespaced {
		s := &namespaced[i]
		add(v1alpha1.KindAuthServer, s.Namespace, s.Name, s.Generation, &s.Status)
	}
	for i := range cluster {
		s := &cluster[i]
		add(v1alpha1.KindClusterAuthServer, "", s.Name, s.Generation, &s.Status)
	}
	return out, nil
}

// current is the status the ready_status series show (1 for it, as
// cert-manager does) and the reason. A condition about an older generation
// counts as Unknown: the object is still being reconciled.
func current(cond *metav1.Condition, generation int64) (metav1.ConditionStatus, string) {
	if cond == nil {
		return metav1.ConditionUnknown, ""
	}
	if cond.ObservedGeneration != 0 && cond.ObservedGeneration != generation {
		return metav1.ConditionUnknown, cond.Reason
	}
	return cond.Status, cond.Reason
}

// annotationTime is the figure of a time annotation's value v; none when
// the annotation is absent.
func annotationTime(v string) figure {
	if v == "" {
		return figure{}
	}
	t, err := time.Parse(time.RFC3339, v)
	return figure{seconds(t), err == nil}
}

// conditionStatuses are the condition label's values, in the order sent.
var conditionStatuses = []metav1.ConditionStatus{metav1.ConditionTrue, metav1.ConditionFalse, metav1.ConditionUnknown}

func seconds(t time.Time) float64 { return float64(t.Unix()) }

func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
