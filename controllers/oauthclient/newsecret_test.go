package oauthclient

import (
	"context"
	"errors"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/oauthclient/writer"
	"github.com/oauth-client-operator/oauth-client-operator/internal/record/store"
)

// likeTheCache makes the reconciler's cached client behave like the
// manager's cache: it holds only Secrets with the operator's label, so
// Gets of any other Secret answer NotFound. reads counts the reads that
// reach the API server directly (the APIReader).
func likeTheCache(e *env) (reads *atomic.Int32) {
	reads = &atomic.Int32{}
	hide := interceptor.Funcs{Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
		if err := c.Get(ctx, key, obj, opts...); err != nil {
			return err
		}
		if _, ok := obj.(*corev1.Secret); ok && obj.GetLabels()[v1alpha1.LabelManagedBy] != v1alpha1.ManagedByValue {
			return apierrors.NewNotFound(corev1.Resource("secrets"), key.Name)
		}
		return nil
	}}
	count := interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			reads.Add(1)
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			reads.Add(1)
			return c.List(ctx, list, opts...)
		},
	}
	cached := interceptor.NewClient(e.r.Client.(client.WithWatch), hide)
	direct := interceptor.NewClient(e.r.Client.(client.WithWatch), count)
	e.r.Client, e.r.APIReader = cached, direct
	e.r.records = store.New(recordAPI{client: cached, reader: direct}, e.r.OperatorNamespace)
	e.r.secrets = &writer.Writer{Client: cached, Reader: direct}
	return reads
}

// A new client costs four API requests: the finalizer, the record, the
// Secret (a create, with no read before it) and status. No event: its Ready
// condition says it. The reconcile its own writes cause writes nothing.
func TestNewClientCostsFourAPIRequests(t *testing.T) {
	e := newEnv(t, config{})
	reads := likeTheCache(e)
	e.ok()
	e.wantReady(v1alpha1.ReasonReady)
	var got []string
	for _, w := range e.writes.of("") {
		got = append(got, w.verb+" "+w.what())
	}
	want := []string{"patch oauthclient", "create record", "create secret", "patch status"}
	if !slices.Equal(got, want) {
		t.Errorf("writes %q, want %q", got, want)
	}
	if n := reads.Load(); n != 0 {
		t.Errorf("%d read(s) of the API server, want none", n)
	}
	if len(e.events) != 0 {
		t.Errorf("events %q, want none", e.events)
	}

	e.writes.reset()
	e.ok()
	e.wantWrites("", 0)
}

// A Secret the operator created is changed later by server-side apply, which
// takes over the create's fields: a template label added and then dropped
// goes from the Secret, and a Secret in line is not written.
func TestCreatedSecretIsAppliedOverLater(t *testing.T) {
	e := newEnv(t, config{})
	likeTheCache(e)
	e.registered()

	e.update(func(o *v1alpha1.OAuthClient) {
		o.Spec.SecretTemplate = &v1alpha1.SecretTemplate{Labels: map[string]v1alpha1.LabelValue{"team": "payments"}}
	})
	e.ok()
	if got := e.secret().Labels["team"]; got != "payments" {
		t.Fatalf("template label %q, want payments", got)
	}
	if w := e.writes.of("secret"); len(w) == 0 || w[len(w)-1].verb != "apply" {
		t.Errorf("Secret writes %v, want an apply last", w)
	}
	e.writes.reset()
	e.ok()
	e.wantWrites("secret", 0)

	e.update(func(o *v1alpha1.OAuthClient) { o.Spec.SecretTemplate = nil })
	e.ok()
	if l, ok := e.secret().Labels["team"]; ok {
		t.Errorf("the dropped template label stayed: team=%s", l)
	}
	for _, m := range e.secret().ManagedFields {
		if m.Manager == v1alpha1.FieldManager && m.Operation != metav1.ManagedFieldsOperationApply {
			t.Errorf("the create's entry is left after an apply: %s %s", m.Operation, m.FieldsV1.GetRawString())
		}
	}
}

// A Secret of someone else under the name, which the cache does not hold,
// is found by the create: the same refusal as when it is read first, the
// Secret untouched, and the client registered for it deleted again, with
// its record. The retry reads the Secret first and registers nothing.
func TestForeignSecretOutsideTheCacheIsFoundByTheCreate(t *testing.T) {
	foreign := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tenantNamespace, Labels: map[string]string{"app": "mine"}},
		Data:       map[string][]byte{"password": []byte("hunter2")},
	}
	e := newEnv(t, config{objects: []client.Object{foreign}})
	likeTheCache(e)
	before := e.secret()

	for range 2 {
		if _, err := e.reconcile(); err != nil {
			t.Fatalf("reconcile: %v", err)
		}
		c := e.wantReady(v1alpha1.ReasonSecretConflict)
		if !strings.Contains(c.Message, "spec.secretName: Secret app exists and was not created by the operator") {
			t.Errorf("Ready message %q", c.Message)
		}
		if strings.Contains(c.Message, "hunter2") {
			t.Error("the message holds the foreign Secret's value")
		}
	}
	e.wantCalls("Create", 1)
	e.wantCalls("Delete", 1)
	if ids := e.srv.ids(); len(ids) > 0 {
		t.Errorf("clients at the server: %v", ids)
	}
	if rec := e.record(); rec != nil {
		t.Errorf("the record of client %s stayed", rec.ClientID)
	}
	if id := e.oac().Status.ClientID; id != "" {
		t.Errorf("status.clientID = %q, want empty", id)
	}
	after := e.secret()
	if after.ResourceVersion != before.ResourceVersion || !maps.EqualFunc(after.Data, before.Data, func(a, b []byte) bool { return string(a) == string(b) }) ||
		!maps.Equal(after.Labels, before.Labels) || len(after.OwnerReferences) != 0 {
		t.Errorf("the foreign Secret was changed: %+v", after.ObjectMeta)
	}
}

// When the server does not let the client just registered be deleted
// again, the refusal says so and the client stays recorded, so it is not
// lost: it is deleted with its OAuthClient.
func TestForeignSecretFoundByTheCreateWhenTheClientCannotBeDeleted(t *testing.T) {
	foreign := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Name: "app", Namespace: tenantNamespace},
		Data:       map[string][]byte{"password": []byte("hunter2")},
	}
	e := newEnv(t, config{objects: []client.Object{foreign}})
	likeTheCache(e)
	e.srv.fail("Delete", errors.New("server down"))
	if _, err := e.reconcile(); err != nil {
		t.Fatalf("reconcile: %v", err)
	}
	c := e.wantReady(v1alpha1.ReasonSecretConflict)
	ids := e.srv.ids()
	if len(ids) != 1 || !strings.Contains(c.Message, "deleting client "+ids[0]+" again failed") {
		t.Errorf("Ready message %q; clients at the server %v", c.Message, ids)
	}
	if rec := e.record(); rec == nil || len(ids) != 1 || rec.ClientID != ids[0] {
		t.Errorf("record %+v; want the client %v recorded", rec, ids)
	}
	if id := e.oac().Status.ClientID; id != "" {
		t.Errorf("status.clientID = %q, want empty: nothing was delivered", id)
	}
}
