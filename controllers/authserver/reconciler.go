// Package authserver is the AuthServer and ClusterAuthServer controller: it
// checks discovery and the management credentials, builds the server's
// provider and registers it for the OAuthClient controller (credentials.go
// reads the credential Secrets, finalize.go handles deletion).
package authserver

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"
	"sigs.k8s.io/controller-runtime/pkg/source"

	"github.com/oauth-client-operator/oauth-client-operator/api/v1alpha1"
	"github.com/oauth-client-operator/oauth-client-operator/controllers/servers"
	"github.com/oauth-client-operator/oauth-client-operator/internal/discovery"
	"github.com/oauth-client-operator/oauth-client-operator/internal/kstatus"
	"github.com/oauth-client-operator/oauth-client-operator/internal/metrics"
	"github.com/oauth-client-operator/oauth-client-operator/internal/mgmtauth"
	"github.com/oauth-client-operator/oauth-client-operator/internal/policy"
	"github.com/oauth-client-operator/oauth-client-operator/internal/provider"
	"github.com/oauth-client-operator/oauth-client-operator/internal/ratelimit"
)

// Reconciler makes an AuthServer or ClusterAuthServer Ready:
// discovery works, the management credentials work, and a provider is built
// for the OAuthClient controller to use.
type Reconciler struct {
	Client client.Client
	// APIReader reads credential Secrets, which the operator's cache does not
	// hold.
	APIReader client.Reader
	// Kind is the kind this reconciler serves.
	Kind     v1alpha1.ServerKind
	Servers  *servers.Registry
	Registry *provider.Registry
	Tokens   *mgmtauth.Cache
	// OperatorNamespace is where a ClusterAuthServer's Secrets are read.
	OperatorNamespace string
	// ResyncPeriod is how often a Ready server is checked again.
	ResyncPeriod time.Duration
	// HTTPTimeout bounds each request to the server.
	HTTPTimeout time.Duration
	// CredentialCheckPeriod is how often a Ready server's credential Secrets
	// are read again (at most ResyncPeriod; zero: one minute).
	CredentialCheckPeriod time.Duration
	// QPS and Burst limit requests to each server unless its spec says
	// otherwise.
	QPS   float64
	Burst int

	// budgets holds each server's request budget, kept across
	// reconnections so what the server said about its limits stays.
	budgets ratelimit.Budgets
	// failures holds the last failed check of each server that is not
	// Ready (servers.Key -> failure).
	failures sync.Map
}

// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=authservers;clusterauthservers,verbs=get;list;watch;patch
// +kubebuilder:rbac:groups=oauth.clientoperator.io,resources=authservers/status;clusterauthservers/status,verbs=patch
// +kubebuilder:rbac:groups="",resources=secrets,verbs=get

// Reconcile checks one server, or lets a deleted one go.
func (r *Reconciler) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	key := servers.Key{Kind: r.Kind, Namespace: req.Namespace, Name: req.Name}
	obj := servers.NewObject(r.Kind)
	if err := r.Client.Get(ctx, req.NamespacedName, obj); err != nil {
		if apierrors.IsNotFound(err) {
			r.Servers.Remove(key)
			r.failures.Delete(key)
			r.budgets.Forget(fmt.Sprint(key))
		}
		return reconcile.Result{}, client.IgnoreNotFound(err)
	}
	if !obj.GetDeletionTimestamp().IsZero() {
		return r.finalize(ctx, key, obj)
	}
	if err := r.ensureFinalizer(ctx, obj); err != nil {
		return reconcile.Result{}, err
	}
	if err := r.countNonCompliant(ctx, key, obj); err != nil {
		return reconcile.Result{}, err
	}
	return r.check(ctx, key, obj)
}

// check proves the server works and hands its provider to the OAuthClient
// controller. The credential Secrets are read on every check, which comes
// at least every credentialCheck, so a changed credential takes effect
// without watching Secrets the operator does not own; discovery and the
// credentials are proven again only when something changed, or every
// ResyncPeriod.
func (r *Reconciler) check(ctx context.Context, key servers.Key, obj servers.Object) (reconcile.Result, error) {
	secrets, secretsErr := r.readSecrets(ctx, obj)
	checked := fingerprint(obj.GetGeneration(), secrets, secretsErr)
	if secretsErr == nil && r.Servers.Current(key, checked, r.ResyncPeriod) {
		return reconcile.Result{RequeueAfter: policy.Jitter(r.credentialCheck())}, nil
	}
	if r.waiting(key, checked) {
		// These very inputs failed and trying them again is not due yet:
		// only a change can help sooner, and the Secrets are read again in
		// a moment to see one.
		return reconcile.Result{RequeueAfter: policy.MinRetry}, nil
	}

	srv, reason, err := r.connect(ctx, obj, secrets, secretsErr)
	if err != nil {
		r.Servers.Remove(key)
		r.failures.Store(key, failure{checked: checked, retryAt: time.Now().Add(policy.ServerRetry(reason, err))})
	} else {
		r.failures.Delete(key)
		r.Servers.Set(key, srv, checked, obj)
	}
	if perr := r.patchStatus(ctx, obj, srv, reason, err); perr != nil {
		return reconcile.Result{}, perr
	}
	if err != nil {
		return reconcile.Result{RequeueAfter: min(policy.MinRetry, policy.ServerRetry(reason, err))}, nil
	}
	return reconcile.Result{RequeueAfter: policy.Jitter(r.credentialCheck())}, nil
}

// failure is a failed check: the inputs it failed with (a fingerprint) and
// when trying the same inputs again is due.
type failure struct {
	checked string
	retryAt time.Time
}

// waiting reports whether the server at key failed with these very inputs
// and trying them again is not due yet.
func (r *Reconciler) waiting(key servers.Key, checked string) bool {
	v, ok := r.failures.Load(key)
	if !ok {
		return false
	}
	f := v.(failure)
	return f.checked == checked && time.Now().Before(f.retryAt)
}

// credentialCheck is how often a Ready server's credential Secrets are read
// again.
func (r *Reconciler) credentialCheck() time.Duration {
	if r.CredentialCheckPeriod <= 0 {
		return min(time.Minute, r.ResyncPeriod)
	}
	return min(r.CredentialCheckPeriod, r.ResyncPeriod)
}

// connect discovers the server, builds its credentials from the Secret
// values read for them and builds its provider. On failure it returns the
// condition reason to show.
func (r *Reconciler) connect(ctx context.Context, obj servers.Object, secrets map[string]string, secretsErr error) (*servers.Server, string, error) {
	spec := obj.ServerSpec()
	name, block := spec.ProviderBlock()
	if name == "" {
		return nil, v1alpha1.ReasonProviderError, errors.New("spec: no provider block is set")
	}
	hc, err := httpClient(spec.CABundle, r.HTTPTimeout)
	if err != nil {
		return nil, v1alpha1.ReasonDiscoveryFailed, err
	}
	hc = metrics.Instrument(hc, string(r.Kind), obj.GetNamespace(), obj.GetName())
	qps, burst := r.rateLimit(spec)
	budget := r.budgets.For(fmt.Sprint(servers.KeyOfObject(obj)), qps, burst)
	hc = budget.Client(hc)
	endpoints, err := discovery.Fetch(ctx, hc, spec.IssuerURL)
	if err != nil {
		return nil, v1alpha1.ReasonDiscoveryFailed, fmt.Errorf("discovering %s: %w", spec.IssuerURL, err)
	}
	endpoints = withOverrides(endpoints, spec.Endpoints)
	if err := checkEndpoints(endpoints, spec.AllowInsecureHTTP); err != nil {
		return nil, v1alpha1.ReasonDiscoveryFailed, err
	}

	if secretsErr != nil {
		return nil, v1alpha1.ReasonCredentialsMissing, secretsErr
	}
	management, api, reason, err := r.managementAuth(obj, secrets, endpoints.Token, hc)
	if err != nil {
		return nil, reason, err
	}
	cfg := provider.Config{Endpoints: endpoints, HTTPClient: api, Management: management, Block: block, Owner: r.owner()}
	p, err := r.Registry.New(ctx, name, cfg)
	if err != nil {
		return nil, v1alpha1.ReasonProviderError, fmt.Errorf("setting up provider %s: %w", name, err)
	}
	return &servers.Server{Name: name, Provider: p, Endpoints: endpoints, Owner: cfg.Owner, Budget: budget, HTTPClient: hc}, v1alpha1.ReasonReady, nil
}

// owner is the ownership marker of this operator instance, which adapters
// put on the clients they create where the server can store one.
func (r *Reconciler) owner() string {
	return v1alpha1.ManagedByValue + "/" + r.OperatorNamespace
}

// rateLimit is the server's request rate and burst.
func (r *Reconciler) rateLimit(spec *v1alpha1.AuthServerSpec) (float64, int) {
	if rl := spec.RateLimit; rl != nil {
		burst := int(rl.Burst)
		if burst == 0 {
			burst = 2 * int(rl.RequestsPerSecond)
		}
		return float64(rl.RequestsPerSecond), burst
	}
	return r.QPS, r.Burst
}

// tokenKey keys the management token cache: one entry per server and spec
// generation, so a changed CA bundle or token URL starts afresh.
func tokenKey(obj servers.Object) string {
	return fmt.Sprintf("%s/%d", obj.GetUID(), obj.GetGeneration())
}

// patchStatus writes the Ready condition and endpoints when they changed.
func (r *Reconciler) patchStatus(ctx context.Context, obj servers.Object, srv *servers.Server, reason string, cause error) error {
	before := obj.DeepCopyObject().(servers.Object)
	st := obj.ServerStatus()
	st.ObservedGeneration = obj.GetGeneration()
	st.Provider = obj.ServerSpec().ProviderName()
	cond := metav1.Condition{Type: v1alpha1.ConditionReady, ObservedGeneration: obj.GetGeneration(), Reason: reason}
	if cause == nil {
		cond.Status = metav1.ConditionTrue
		cond.Message = "discovery and management credentials work"
		e := srv.Endpoints
		st.Endpoints = &v1alpha1.DiscoveredEndpoints{Issuer: e.Issuer, Token: e.Token, Registration: e.Registration, Introspection: e.Introspection, Revocation: e.Revocation}
	} else {
		cond.Status = metav1.ConditionFalse
		cond.Message = cause.Error()
	}
	meta.SetStatusCondition(&st.Conditions, cond)
	kstatus.Set(&st.Conditions)
	if equality.Semantic.DeepEqual(before.ServerStatus(), st) {
		return nil
	}
	return r.Client.Status().Patch(ctx, obj, client.MergeFrom(before))
}

// SetupWithManager registers the controller. A deleted server waits for
// its OAuthClients, so their deletion wakes it.
func (r *Reconciler) SetupWithManager(mgr manager.Manager) error {
	deleted := predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		UpdateFunc:  func(event.UpdateEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
	return builder.ControllerManagedBy(mgr).
		Named(string(r.Kind)).
		For(servers.NewObject(r.Kind), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&v1alpha1.OAuthClient{}, handler.EnqueueRequestsFromMapFunc(r.serverOf), builder.WithPredicates(predicate.Or(deleted, complianceChanged))).
		WatchesRawSource(source.Channel(r.Servers.Suspects(r.Kind), &handler.EnqueueRequestForObject{})).
		Complete(r)
}

// serverOf maps an OAuthClient to its server, when that is of this kind.
func (r *Reconciler) serverOf(_ context.Context, obj client.Object) []reconcile.Request {
	key := servers.KeyOf(obj.(*v1alpha1.OAuthClient))
	if key.Kind != r.Kind {
		return nil
	}
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Namespace: key.Namespace, Name: key.Name}}}
}

// httpClient builds a client that trusts the system roots plus caBundle.
func httpClient(caBundle []byte, timeout time.Duration) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.MaxIdleConnsPerHost = 32
	if len(caBundle) > 0 {
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(caBundle) {
			return nil, errors.New("spec.caBundle: no PEM certificate found")
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: timeout}, nil
}

// withOverrides replaces discovered endpoints with the ones the spec gives.
func withOverrides(e provider.Endpoints, o *v1alpha1.EndpointOverrides) provider.Endpoints {
	if o == nil {
		return e
	}
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&e.Token, o.Token)
	set(&e.Registration, o.Registration)
	set(&e.Introspection, o.Introspection)
	set(&e.Revocation, o.Revocation)
	return e
}

// checkEndpoints refuses plain-http endpoints off loopback unless allowed.
func checkEndpoints(e provider.Endpoints, allowInsecure bool) error {
	for _, ep := range []struct{ field, value string }{
		{"token", e.Token}, {"registration", e.Registration},
		{"introspection", e.Introspection}, {"revocation", e.Revocation},
	} {
		if ep.value == "" || allowInsecure {
			continue
		}
		u, err := url.Parse(ep.value)
		if err != nil {
			return fmt.Errorf("%s endpoint %q: %w", ep.field, ep.value, err)
		}
		if u.Scheme != "https" && !isLoopback(u.Hostname()) {
			return fmt.Errorf("%s endpoint %s is plain http off loopback; use https or set spec.allowInsecureHTTP", ep.field, ep.value)
		}
	}
	return nil
}

func isLoopback(host string) bool {
	return host == "localhost" || host == "::1" || (len(host) > 4 && host[:4] == "127.")
}
